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
twice in this process, and missed runs after a pause collapse into one. Running a second
scheduler by mistake (or on purpose, for availability) is safe: the reminder log's unique key
and the row claims in ``app.reminders.services`` keep every reminder to one delivery. A
failing job is logged and the scheduler keeps running; SIGINT/SIGTERM stop it cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from datetime import datetime

from flask import Flask

log = logging.getLogger("app.reminders.scheduler")


def sweep_job(app: Flask) -> None:
    from app.extensions import db
    from app.reminders.services import deadlines_as_of, local_today, run_sweep

    with app.app_context():
        try:
            today = local_today()
            deadlines_as_of(today)
            result = run_sweep(today)
            log.info("Sweep: %s", result.summary())
        except Exception:  # keep the scheduler alive; the next run retries
            log.exception("Påminnelsekörningen misslyckades")
            db.session.rollback()
        finally:
            db.session.remove()


def refresh_job(app: Flask) -> None:
    from app.extensions import db
    from app.reminders.services import local_today

    with app.app_context():
        try:
            from app.deadlines.services import refresh_all
        except ImportError:
            log.warning("app.deadlines.services.refresh_all finns inte; ingen uppdatering")
            return
        try:
            refresh_all(local_today())
            db.session.commit()
        except Exception:
            log.exception("Uppdateringen av frister misslyckades")
            db.session.rollback()
        finally:
            db.session.remove()
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
        refresh_job, "cron", hour=hour, minute=0, args=[app], id="deadline_refresh", **options
    )
    return scheduler


def run_scheduler(app: Flask) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    scheduler = build_scheduler(app, blocking=True)

    def stop(signum, frame):
        log.info("Schemaläggaren stoppas (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info(
        "Schemaläggaren startar: påminnelser var %s:e minut",
        app.config.get("SCHEDULER_SWEEP_MINUTES"),
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
