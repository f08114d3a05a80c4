"""One bad title must not silence the reminders: the composer makes every header one clean
line whatever the stored text holds, and a message that still cannot be built fails only its
own rows (marked ``failed``, admins alerted) while every other mail goes out. Against a real
SMTP server on loopback."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func

from app.reminders import mail
from app.reminders.mail import Item, UncomposableMail, compose
from app.reminders.models import Notification, ReminderLog
from app.reminders.services import run_sweep
from tests.reminders.conftest import noon

DAY = date(2025, 6, 23)


def _statuses(db) -> dict[str, int]:
    return dict(
        db.session.execute(
            db.select(ReminderLog.status, func.count()).group_by(ReminderLog.status)
        ).all()
    )


@pytest.mark.parametrize(
    "title", ["PO\rÅle", "PO\r\nBcc: x@evil.example", "PO\u2028Ale", "PO\x00\x1bAle", "PO\x85Ale"]
)
def test_every_header_is_one_line_whatever_the_title_holds(app, title):
    item = Item(
        "last_notice", title, date(2025, 6, 30), date(2025, 6, 30), DAY, False, "http://x/1"
    )
    msg = compose("anna@example.se", [item], name="Anna\rAndersson")
    raw = msg.as_bytes()
    headers = raw.split(b"\n\n", 1)[0].decode()
    assert "Bcc" not in msg and not any(line.startswith("Bcc") for line in headers.splitlines())
    assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
    assert msg["Subject"].startswith("Påminnelse 2025-06-30: Sista dag för uppsägning: PO")
    text = msg.get_body(("plain",)).get_content()
    assert "\r" not in text.replace("\r\n", "\n") and "\x00" not in text


def test_a_carriage_return_in_a_title_stops_no_reminder(db, smtp, watched, make_deadline):
    bad, _anna, _vera = watched(title="PO Ale")
    good, _a2, _v2 = watched(title="PO Kungälv")
    make_deadline(bad, "last_notice", date(2025, 6, 30), title="PO Ale\r(inklistrad)")
    make_deadline(good, "last_notice", date(2025, 6, 30), title="PO Kungälv")
    result = run_sweep(DAY, now=noon(DAY))
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == 4  # two people per agreement
    assert all("\r" not in s and "\n" not in s for s in subjects)
    assert any("PO Ale (inklistrad)" in s for s in subjects)
    assert any("PO Kungälv" in s for s in subjects)
    assert result.failed == 0
    statuses = _statuses(db)  # mail and inbox for four people; nothing left "sending"
    assert statuses["sent"] == 8 and "sending" not in statuses and "failed" not in statuses


def test_a_message_that_cannot_be_built_fails_its_row_alone_and_alerts_admins(
    db, smtp, watched, make_deadline, make_user, monkeypatch
):
    """Stands in for any fault of the composer a stored text could still provoke."""
    admin = make_user("admin")
    bad, _anna, _vera = watched(title="PO Ale")
    good, _a2, _v2 = watched(title="PO Kungälv")
    make_deadline(bad, "last_notice", date(2025, 6, 30), title="Trasig")
    make_deadline(good, "last_notice", date(2025, 6, 30), title="PO Kungälv")
    real_item_text = mail._item_text

    def item_text(item):
        if "Trasig" in item.title:
            raise ValueError("cannot encode this text")
        return real_item_text(item)

    monkeypatch.setattr(mail, "_item_text", item_text)
    result = run_sweep(DAY, now=noon(DAY))
    assert len(smtp.messages) == 2
    assert all("PO Kungälv" in m["Subject"] for m in smtp.messages)
    assert result.failed == 2
    failed = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.status == "failed")
    ).scalars()
    for row in failed:
        assert row.channel == "email" and row.agreement_id == bad.id
        assert "kunde inte sättas ihop" in row.last_error
    assert _statuses(db).get("sending") is None
    alert = db.session.execute(
        db.select(Notification).where(Notification.user_id == admin.id)
    ).scalar_one()
    assert "kunde inte levereras" in alert.subject
    # The next sweep neither resends the good mails nor retries the failed ones by itself.
    again = run_sweep(DAY, now=noon(DAY).replace(hour=9))
    assert (again.sent, again.failed, len(smtp.messages)) == (0, 0, 2)


def test_composer_faults_surface_as_uncomposable_mail(app, monkeypatch):
    monkeypatch.setattr(mail, "headline", lambda kind, title: 1 / 0)
    item = Item("last_notice", "x", date(2025, 6, 30), date(2025, 6, 30), DAY, False, "l")
    with pytest.raises(UncomposableMail):
        compose("anna@example.se", [item])
