"""One scheduler among many processes: the leader lock.

Every ``flask reminders scheduler`` process first takes the leader lock; only the holder runs
the jobs. A second process (started by mistake, or on purpose on another machine as a hot
standby) waits, trying again every ``SCHEDULER_STANDBY_SECONDS``, and takes over when the
leader dies.

- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
  connection for the life of the process. When the leader dies, however it dies (SIGKILL,
  power loss, network cut), PostgreSQL ends its session and releases the lock; the standby's
  next try succeeds. The key is derived from the database and schema name (``SCHEDULER_LOCK_KEY``
  overrides it), so two installations sharing one server do not block each other. The leader
  checks its connection every ``SCHEDULER_STANDBY_SECONDS``; if it is gone, the lock may be
  gone too, so the leader stops (exit status 3) rather than risk two leaders, and its service
  manager restarts it as a standby.
- **SQLite** (one machine by nature): an exclusive ``flock`` on a file beside the database
  (``instance/avtalskollen.db.scheduler.lock``), released by the kernel when the process dies;
  like the advisory key, one lock per database, so that an app on another database file (a
  test run beside a running app) does not wait for it. Where ``fcntl`` does not exist (Windows) there
  is no lock: run one scheduler there.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import text

log = logging.getLogger("app.reminders.leader")


def lock_key(database: str, schema: str) -> int:
    """A stable signed 64-bit advisory-lock key for this installation."""
    digest = hashlib.sha256(f"avtalskollen-scheduler:{database}.{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeaderLock:
    def __init__(self, app: Flask) -> None:
        from app.extensions import db

        self.connection = db.engine.connect()
        configured = app.config.get("SCHEDULER_LOCK_KEY")
        if configured is not None:
            self.key = int(configured)
        else:
            database, schema = self.connection.execute(
                text("SELECT current_database(), current_schema()")
            ).one()
            self.key = lock_key(database, schema or "public")
        self.connection.commit()

    def try_acquire(self) -> bool:
        got = self.connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
        ).scalar()
        self.connection.commit()  # the lock is the session's, not the transaction's
        return bool(got)

    def still_held(self) -> bool:
        """The session that holds the lock is alive (the lock is never released otherwise)."""
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
        except Exception:
            log.exception("Schemaläggarens låsanslutning fungerar inte längre")
            return False
        return True

    def release(self) -> None:
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self.connection.commit()
        except Exception:  # the connection is gone: so is the lock
            pass
        finally:
            self.connection.close()


class FileLeaderLock:
    def __init__(self, app: Flask) -> None:
        from app.extensions import db

        database = db.engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            self.path = Path(database).with_name(Path(database).name + ".scheduler.lock")
        else:
            self.path = Path(app.instance_path) / "scheduler.lock"
        self.handle = open(self.path, "a+")  # noqa: SIM115 (held for the life of the process)

    def try_acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; documented (run one scheduler there)
            return True
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def still_held(self) -> bool:
        return not self.handle.closed

    def release(self) -> None:
        self.handle.close()


def leader_lock(app: Flask):
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        return PostgresLeaderLock(app)
    return FileLeaderLock(app)


def wait_for_leadership(app: Flask, stop: threading.Event):
    """Block until this process holds the leader lock (returns the lock), or until ``stop`` is
    set (returns None). Logs once that it waits as a standby."""
    lock = leader_lock(app)
    seconds = float(app.config.get("SCHEDULER_STANDBY_SECONDS", 10))
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            log.info("Schemaläggaren leder nu", extra={"event": "scheduler_leader"})
            return lock
        if not announced:
            log.info(
                "En annan schemaläggare leder; den här väntar i beredskap",
                extra={"event": "scheduler_standby"},
            )
            announced = True
        stop.wait(seconds)
    lock.release()
    return None
