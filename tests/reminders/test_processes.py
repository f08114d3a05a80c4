"""The command line and the scheduler process: one sweep by hand, and two real processes
sweeping the same due reminders at once on PostgreSQL without sending anything twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func

from app.reminders.models import Notification, ReminderLog
from tests.reminders.conftest import Handler, Smtp

PIPE = subprocess.PIPE

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("TEST_DATABASE_URL", "")


def test_run_command_sweeps_once_and_prints_a_summary(runner, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30), as_of=date(2025, 6, 30))
    out = runner.invoke(args=["reminders", "run", "--as-of", "2025-06-30"])
    assert out.exit_code == 0, out.output
    assert "planned 4, sent 4, late 0, failed 0" in out.output
    again = runner.invoke(args=["reminders", "run", "--as-of", "2025-06-30"])
    assert "planned 0, sent 0" in again.output
    assert len(smtp.messages) == 2


def test_run_command_refuses_a_malformed_date(runner):
    out = runner.invoke(args=["reminders", "run", "--as-of", "30/6/2025"])
    assert out.exit_code == 2
    assert "ÅÅÅÅ-MM-DD" in out.output


def test_scheduler_has_the_sweep_and_the_daily_refresh_and_is_not_started_by_the_app(app):
    from app.reminders.scheduler import build_scheduler

    scheduler = build_scheduler(app, blocking=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"reminder_sweep", "deadline_refresh", "finance_figures"}
    assert jobs["reminder_sweep"].max_instances == 1
    assert not scheduler.running
    import threading

    assert not any("APScheduler" in t.name for t in threading.enumerate())


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not PG.startswith("postgresql"),
    reason="needs PostgreSQL: row locks (FOR UPDATE SKIP LOCKED) between two processes cannot "
    "be shown on SQLite; set TEST_DATABASE_URL to run it",
)
def test_two_processes_sweeping_at_once_deliver_each_reminder_exactly_once(
    db, smtp, factory, make_deadline, database_url
):
    from app.deadlines.models import Deadline

    people = [factory.person(f"Person {i}", f"p{i}@example.se") for i in range(25)]
    agreements = [
        factory.agreement(
            responsible_person_id=people[0].id, watcher_ids=[p.id for p in people[1:]]
        )
        for _ in range(4)
    ]
    db.session.execute(db.delete(Deadline))
    db.session.commit()
    for agreement in agreements:
        make_deadline(agreement, "last_notice", date(2025, 6, 30), as_of=date(2025, 6, 30))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp.port),
        "FLASK_MAIL_USE_TLS": "false",
        "FLASK_MAIL_USE_SSL": "false",
        "FLASK_MAIL_USERNAME": '""',
        "FLASK_PUBLIC_BASE_URL": '"http://127.0.0.1:5000"',
    }
    env.pop("FLASK_APP", None)
    flask = str(ROOT / ".venv" / "bin" / "flask")
    if not Path(flask).exists():
        flask = str(Path(sys.executable).with_name("flask"))
    cmd = [flask, "--app", "wsgi", "reminders", "run", "--as-of", "2025-06-30"]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    # 4 deadlines × 25 people, one mail each: nobody gets a reminder twice.
    per_recipient = Counter(m["To"] for m in smtp.messages)
    assert len(smtp.messages) == 100
    assert per_recipient == Counter({f"p{i}@example.se": 4 for i in range(25)})
    subjects = Counter((m["To"], m["Subject"]) for m in smtp.messages)
    assert max(subjects.values()) == 1  # each agreement's reminder once per person
    db.session.expire_all()
    assert db.session.execute(db.select(func.count()).select_from(Notification)).scalar() == 100
    statuses = Counter(
        db.session.execute(
            db.select(ReminderLog.status).where(ReminderLog.lead_days == 0)
        ).scalars()
    )
    assert statuses == Counter({"sent": 200})
    summaries = [out.decode() for out, _err in outputs]
    sent = sum(int(s.split("sent ")[1].split(",")[0]) for s in summaries)
    assert sent == 200, summaries
    # "planned" counts the rows each process inserted: together, each row once.
    planned = sum(int(s.split("planned ")[1].split(",")[0]) for s in summaries)
    assert planned == 200, summaries


class _SlowFirstSender(Handler):
    """An overloaded relay for the first connection: 0.2 s per message until ``release`` is
    set (then at full speed); other connections are served at once."""

    def __init__(self):
        super().__init__()
        self.first_peer = None
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.first_peer is None:
            self.first_peer = session.peer
        if session.peer == self.first_peer and not self.release.is_set():
            await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


def test_two_sweeps_over_a_slow_smtp_server_send_each_mail_once(
    app, db, factory, make_deadline, database_url
):
    """The first sweep delivers slowly for as long as the second sweep runs, far beyond the
    claim timeout (here 1 s); the second sweep must not take over the live claims."""
    from app.deadlines.models import Deadline

    people = [factory.person(f"Person {i}", f"p{i}@example.se") for i in range(50)]
    agreements = [
        factory.agreement(responsible_person_id=people[0].id, watcher_ids=[p.id for p in people])
        for _ in range(2)
    ]
    db.session.execute(db.delete(Deadline))
    db.session.commit()
    for agreement in agreements:
        make_deadline(agreement, "last_notice", date(2025, 6, 30), as_of=date(2025, 6, 30))
    server = Smtp()
    server.handler = handler = _SlowFirstSender()
    server.start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "FLASK_MAIL_SERVER": "127.0.0.1",
            "FLASK_MAIL_PORT": str(server.port),
            "FLASK_REMINDER_CLAIM_TIMEOUT_MINUTES": str(1 / 60),
        }
        env.pop("FLASK_APP", None)
        flask = str(ROOT / ".venv" / "bin" / "flask")
        if not Path(flask).exists():
            flask = str(Path(sys.executable).with_name("flask"))
        cmd = [flask, "--app", "wsgi", "reminders", "run", "--as-of", "2025-06-30"]
        first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE)
        give_up = time.monotonic() + 60
        while len(server.messages) < 3 and first.poll() is None and time.monotonic() < give_up:
            time.sleep(0.05)
        second = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE)
        second_output = second.communicate(timeout=120)
        handler.release.set()
        outputs = [first.communicate(timeout=120), second_output]
    finally:
        handler.release.set()
        server.stop()
    for proc, (_out, err) in zip((first, second), outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    assert len(server.messages) == 100
    assert max(Counter((m["To"], m["Subject"]) for m in server.messages).values()) == 1
    db.session.expire_all()
    statuses = Counter(
        db.session.execute(
            db.select(ReminderLog.status).where(
                ReminderLog.channel == "email", ReminderLog.lead_days == 0
            )
        ).scalars()
    )
    assert statuses == Counter({"sent": 100})
    summaries = [out.decode() for out, _err in outputs]
    assert "planned 200" in summaries[0] and "planned 0" in summaries[1], summaries
