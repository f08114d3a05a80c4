"""Fixtures for the reminder tests: a real SMTP server on loopback (aiosmtpd) and deadline rows
inserted directly, independent of how the deadline refresh computes them."""

from __future__ import annotations

import email
import socket
from datetime import UTC, date, datetime, time, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete

from app.core.dates import last_business_day_on_or_before
from app.deadlines.models import Deadline


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    """Collects every accepted message; refuses recipients listed in ``reject``."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reject: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class Smtp:
    def __init__(self, **server_options):
        self.port = free_port()
        self.handler = Handler()
        self.controller: Controller | None = None
        self.server_options = server_options  # e.g. enable_SMTPUTF8=False

    def start(self):
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.server_options
        )
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.handler.messages


@pytest.fixture
def smtp(app, request):
    """A real SMTP server on loopback; ``@pytest.mark.smtp_options(...)`` passes options to it."""
    marker = request.node.get_closest_marker("smtp_options")
    server = Smtp(**(marker.kwargs if marker else {}))
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    yield server
    server.stop()


def noon(day: date) -> datetime:
    """The instant a simulated daily sweep runs: 08:00 UTC on ``day``."""
    return datetime.combine(day, time(8), tzinfo=UTC)


@pytest.fixture
def make_deadline(db):
    def make(agreement=None, kind="last_notice", on=date(2025, 6, 30), key=None, **kw):
        row = Deadline(
            key=key or f"agreement:{agreement.id if agreement else 0}:{kind}:{on.isoformat()}",
            kind=kind,
            agreement_id=agreement.id if agreement else None,
            date=on,
            business_day=last_business_day_on_or_before(on),
            title=kw.pop("title", agreement.title if agreement else "Index saknas"),
            **kw,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture
def watched(factory, db):
    """An agreement with a responsible official and one watcher, and no deadline rows yet."""

    def make(**kw):
        anna = factory.person("Anna Ansvarig", "anna@example.se")
        vera = factory.person("Vera Bevakare", "vera@example.se")
        agreement = factory.agreement(responsible_person_id=anna.id, watcher_ids=[vera.id], **kw)
        # Whatever a deadline refresh may have produced: these tests insert their own rows.
        db.session.execute(delete(Deadline))
        db.session.commit()
        return agreement, anna, vera

    return make


def days(start: date, count: int):
    for i in range(count):
        yield start + timedelta(days=i)
