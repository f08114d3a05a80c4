"""Running the app on many machines: liveness and readiness for the load balancer, Prometheus
metrics of requests and scheduler jobs, and logs as one JSON line per event.

- ``GET /healthz``: the process answers (no database, no login): 200 ``{"status": "ok"}``.
- ``GET /readyz``: the database answers ``SELECT 1``: 200, else 503; no login. A load balancer
  sends traffic only to ready workers.
- ``GET /metrics``: Prometheus text format. Served to loopback clients, or to anyone presenting
  ``Authorization: Bearer <METRICS_TOKEN>`` when that setting is given; anyone else gets a 404.
  With several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, wiped at
  each start) so the figures of all workers are summed.
- ``LOG_FORMAT = "json"``: every log record (and one ``request`` event per request) is written
  as a single JSON line to standard error, for a log shipper.

The metric objects are created once per process (module level): the registry refuses the same
name twice, and tests build many apps.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import sys
import time

from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

log = logging.getLogger("app.requests")

REQUESTS = Counter(
    "avtalskollen_http_requests_total",
    "HTTP requests answered, by endpoint, method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "avtalskollen_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_RUNS = Counter(
    "avtalskollen_scheduler_job_runs_total",
    "Scheduler jobs run, by job and outcome (ok, failed)",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "avtalskollen_scheduler_job_duration_seconds",
    "Time a scheduler job took",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 900),
)
LEADER = Gauge(
    "avtalskollen_scheduler_leader",
    "1 while this scheduler process holds the leader lock and runs the jobs, else 0 (standby)",
    multiprocess_mode="max",
)


def healthz():
    return jsonify(status="ok")


def readyz():
    from app.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        db.session.rollback()
        current_app.logger.warning("readyz: database unreachable: %s", exc)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics():
    if not _metrics_allowed():
        return Response("Not Found\n", status=404, mimetype="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _start_timer():
    g._ops_started = time.perf_counter()


def _record(response):
    started = g.pop("_ops_started", None)
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.endpoint or "none"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(elapsed)
    if current_app.config.get("LOG_FORMAT") == "json":
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "remote_addr": request.remote_addr,
            },
        )
    return response


def configure_logging(fmt: str | None, level: int = logging.INFO) -> None:
    """``fmt == "json"``: the root logger writes one JSON object per line to standard error
    (time, level, logger, message and any ``extra`` fields); otherwise leave logging alone."""
    if fmt != "json":
        return
    from pythonjsonlogger.json import JsonFormatter

    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_avtalskollen_json", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler._avtalskollen_json = True
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    configure_logging(app.config.get("LOG_FORMAT"))
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics)
    app.before_request(_start_timer)
    app.after_request(_record)
