"""The scheduler process: ``flask --app wsgi reminders scheduler``.

It is started once, on its own (never inside ``create_app`` or a web worker), and runs two
jobs with APScheduler 3's ``BlockingScheduler`` in Europe/Stockholm time:

- the reminder sweep every ``SCHEDULER_SWEEP_MINUTES`` (default 15), also once at start-up,
  so a restart catches up at once on what came due while it was down; each sweep first
  refreshes the stored deadlines when they describe another day than today (a process that
  was down over the nightly refresh would otherwise sweep today on yesterday's deadlines);
- the deadline refresh (``app.deadlines.services.refresh_all``, when that module exists)
  daily at ``SCHEDULER_REFRESH_HOUR`` (default 02:00), followed by a sweep.

Each job has ``max_instances=1`` and ``coalesce=True``: a sweep that overruns is not started
twice in this process, and missed runs after a pause collapse into one. Only the process
holding the leader lock (``app.reminders.leader``: a PostgreSQL advisory lock, a file lock on
SQLite) runs jobs; a second scheduler waits as a hot standby and takes over when the leader
dies. Even two running at once would be safe: the reminder log's unique key and the row claims
in ``app.reminders.services`` keep every reminder to one delivery. A failing job is logged and
the scheduler keeps running; SIGINT/SIGTERM stop it cleanly. Job runs and durations are
Prometheus metrics (``app.core.ops``), served on ``SCHEDULER_METRICS_PORT`` when set.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from datetime import datetime

from flask import Flask

log = logging.getLogger("app.reminders.scheduler")


@contextlib.contextmanager
def _measured(job: str):
    """Count the job's run (ok/failed) and time it, for /metrics."""
    from app.core.ops import JOB_RUNS, JOB_SECONDS

    started = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    finally:
        JOB_SECONDS.labels(job).observe(time.perf_counter() - started)
        JOB_RUNS.labels(job, outcome).inc()


def sweep_job(app: Flask) -> None:
    from app.extensions import db
    from app.reminders.services import deadlines_as_of, local_today, run_sweep

    with app.app_context():
        try:
            today = local_today()
            with _measured("reminder_sweep"):
                deadlines_as_of(today)
                result = run_sweep(today)
            log.info("Sweep: %s", result.summary(), extra={"event": "sweep"})
        except Exception:  # keep the scheduler alive; the next run retries
            log.exception("Påminnelsekörningen misslyckades")
            db.session.rollback()
        finally:
            db.session.remove()


def figures_job(app: Flask, daily: bool = False) -> None:
    """The stored finance figures waiting after a change of an index value or a grant rate,
    worked off a batch at a time, and the year sums kept as of a new day (the first run after
    midnight); once a day also the window of years (a new year)."""
    from app.extensions import db
    from app.finance import figures
    from app.reminders.services import local_today

    with app.app_context():
        try:
            with _measured("finance_figures"):
                if daily and figures.refresh_if_years_moved(local_today()):
                    db.session.commit()
                    figures.vacuum()
                if figures.roll_up(local_today()):  # the year sums as of a new day
                    db.session.commit()
                while figures.refresh_stale(limit=figures.BATCH_SIZE):
                    db.session.commit()
        except Exception:
            log.exception("Omräkningen av årssiffrorna misslyckades")
            db.session.rollback()
        finally:
            db.session.remove()


def refresh_job(app: Flask) -> None:
    from app.extensions import db
    from app.reminders.services import local_today

    with app.app_context():
        try:
            from app.deadlines.services import refresh_due
        except ImportError:
            log.warning("app.deadlines.services.refresh_due finns inte; ingen uppdatering")
            return
        try:
            with _measured("deadline_refresh"):
                refresh_due(local_today())
                db.session.commit()
            from app.agreements.search import compact_counts

            compact_counts()  # the day's changes to the agreement list's kept counts, folded
            db.session.commit()
        except Exception:
            log.exception("Uppdateringen av frister misslyckades")
            db.session.rollback()
        finally:
            db.session.remove()
    figures_job(app, daily=True)
    sweep_job(app)


def build_scheduler(app: Flask, blocking: bool = True):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm"))
    minutes = int(app.config.get("SCHEDULER_SWEEP_MINUTES", 15))
    hour = int(app.config.get("SCHEDULER_REFRESH_HOUR", 2))
    options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    scheduler.add_job(
        sweep_job,
        "interval",
        minutes=minutes,
        args=[app],
        id="reminder_sweep",
        next_run_time=datetime.now(scheduler.timezone),
        **options,
    )
    scheduler.add_job(
        figures_job, "interval", minutes=1, args=[app], id="finance_figures", **options
    )
    scheduler.add_job(
        refresh_job, "cron", hour=hour, minute=0, args=[app], id="deadline_refresh", **options
    )
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Wait for the leader lock (as a standby while another process holds it), then run the
    jobs until a signal stops the process or the lock's connection is lost (exit status 3)."""
    from app.core.ops import LEADER, configure_logging
    from app.reminders.leader import wait_for_leadership

    if app.config.get("LOG_FORMAT") == "json":
        configure_logging("json")
    else:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    # APScheduler says "Running job …" and "executed successfully" for every run, the leader
    # check every few seconds included; the jobs log their own outcome, so keep its warnings
    # (missed runs) and errors (a job that raised) only.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    port = app.config.get("SCHEDULER_METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port), addr=app.config.get("SCHEDULER_METRICS_ADDR", "127.0.0.1"))
    stop = threading.Event()
    state: dict = {"scheduler": None, "lost": False}

    def on_signal(signum, frame):
        log.info("Schemaläggaren stoppas (signal %s)", signum)
        stop.set()
        if state["scheduler"] is not None and state["scheduler"].running:
            state["scheduler"].shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    LEADER.set(0)
    with app.app_context():
        lock = wait_for_leadership(app, stop)
    if lock is None:
        return
    LEADER.set(1)
    scheduler = build_scheduler(app, blocking=True)
    state["scheduler"] = scheduler

    def check_lock():
        if not lock.still_held():
            log.error("Schemaläggaren har tappat ledarlåset och stannar", extra={"event": "lost"})
            state["lost"] = True
            scheduler.shutdown(wait=False)

    scheduler.add_job(
        check_lock,
        "interval",
        seconds=float(app.config.get("SCHEDULER_STANDBY_SECONDS", 10)),
        id="leader_check",
        max_instances=1,
        coalesce=True,
    )
    log.info(
        "Schemaläggaren startar: påminnelser var %s:e minut",
        app.config.get("SCHEDULER_SWEEP_MINUTES"),
    )
    try:
        if not stop.is_set():
            with contextlib.suppress(KeyboardInterrupt, SystemExit):
                scheduler.start()
    finally:
        LEADER.set(0)
        lock.release()
    if state["lost"]:
        sys.exit(3)
