"""Operations endpoints and logs: /healthz and /readyz answer the load balancer without a login,
/metrics serves Prometheus text to loopback or to the configured token only, and LOG_FORMAT=json
writes one JSON object per line."""

from __future__ import annotations

import json
import logging

import pytest

from app import create_app


def test_healthz_answers_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database_without_a_login(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_readyz_is_503_when_the_database_cannot_be_reached(tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite"  # SQLite cannot open it
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}
    )
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_metrics_count_requests_in_prometheus_format_for_loopback(client):
    client.get("/healthz")
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert 'avtalskollen_http_requests_total{endpoint="healthz",method="GET",status="200"}' in body
    assert "avtalskollen_http_request_duration_seconds_bucket" in body
    assert (
        "avtalskollen_scheduler_job_runs_total" in body or "# HELP avtalskollen_scheduler" in body
    )


def test_metrics_are_hidden_from_other_addresses_without_the_token(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret"
    far = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=far).status_code == 404
    assert (
        client.get(
            "/metrics", environ_base=far, headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 404
    )
    response = client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200
    # With a token configured, loopback needs it too.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


@pytest.fixture
def json_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def test_json_log_format_writes_one_json_object_per_request(app, client, capsys, json_logging):
    from app.core.ops import configure_logging

    app.config["LOG_FORMAT"] = "json"
    configure_logging("json")
    client.get("/healthz?probe=1")
    logging.getLogger("app.test").warning("två\nrader")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    request_events = [e for e in events if e["message"] == "request"]
    assert request_events[-1]["path"] == "/healthz"
    assert request_events[-1]["status"] == 200
    assert request_events[-1]["level"] == "INFO"
    assert isinstance(request_events[-1]["duration_ms"], float)
    warning = [e for e in events if e["logger"] == "app.test"][-1]
    assert warning["message"] == "två\nrader"
