"""One scheduler among many processes: the leader lock is held by one process at a time, a
standby waits and takes over when the leader is killed (two real scheduler processes on
PostgreSQL), and the lock is released when its holder goes away."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.reminders.leader import FileLeaderLock, PostgresLeaderLock, leader_lock, lock_key

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("TEST_DATABASE_URL", "")


def test_only_one_holder_of_the_leader_lock_until_it_lets_go(app):
    first, second = leader_lock(app), leader_lock(app)
    try:
        assert first.try_acquire()
        assert first.still_held()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


def test_the_lock_is_a_file_lock_on_sqlite_and_an_advisory_lock_on_postgresql(app, db):
    lock = leader_lock(app)
    try:
        expected = PostgresLeaderLock if db.engine.dialect.name == "postgresql" else FileLeaderLock
        assert isinstance(lock, expected)
    finally:
        lock.release()


def test_lock_keys_differ_between_installations_sharing_a_server():
    assert lock_key("avtal", "public") == lock_key("avtal", "public")
    assert lock_key("avtal", "public") != lock_key("avtal", "kommun2")
    assert -(2**63) <= lock_key("x", "y") < 2**63


class _Scheduler:
    """A real ``flask reminders scheduler`` process whose JSON log lines are read as they come."""

    def __init__(self, env: dict, name: str) -> None:
        flask = str(ROOT / ".venv" / "bin" / "flask")
        if not Path(flask).exists():
            flask = str(Path(sys.executable).with_name("flask"))
        self.name = name
        self.proc = subprocess.Popen(
            [flask, "--app", "wsgi", "reminders", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: queue.Queue = queue.Queue()
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue

    def wait_for(self, event: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self.events.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if item.get("event") == event:
                return item
        raise AssertionError(f"{self.name}: no {event!r} event; log: {''.join(self.lines)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not PG.startswith("postgresql"),
    reason="needs PostgreSQL: the advisory lock between processes (machines) is PostgreSQL's; "
    "set TEST_DATABASE_URL to run it",
)
def test_a_standby_scheduler_takes_over_when_the_leader_is_killed(db, database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "LOG_FORMAT": "json",
        "FLASK_SCHEDULER_STANDBY_SECONDS": "0.5",
        "FLASK_PUBLIC_BASE_URL": '"http://127.0.0.1:5000"',
    }
    env.pop("FLASK_APP", None)
    env.pop("FLASK_MAIL_SERVER", None)
    leader = _Scheduler(env, "first")
    standby = None
    try:
        leader.wait_for("scheduler_leader")
        leader.wait_for("sweep")  # the leader runs the jobs
        standby = _Scheduler(env, "second")
        standby.wait_for("scheduler_standby")
        time.sleep(1.5)  # several tries of the standby while the leader lives
        assert not any('"scheduler_leader"' in line for line in standby.lines)
        assert not any('"sweep"' in line for line in standby.lines)

        leader.proc.kill()  # SIGKILL: no clean shutdown, the session just ends
        leader.proc.wait(timeout=30)
        standby.wait_for("scheduler_leader", timeout=30)
        standby.wait_for("sweep", timeout=60)  # and it runs the jobs now
        assert standby.proc.poll() is None
    finally:
        leader.stop()
        if standby is not None:
            standby.stop()
    assert standby.proc.returncode == 0, "".join(standby.lines)
