"""The inbox puts the nearest deadline first, and a reminder says it was sent late only when a
sweep missed its day (not for a deadline that is new, nor on the first sweep ever)."""

from __future__ import annotations

from datetime import date

from app.reminders.models import Notification, ReminderLog
from app.reminders.services import run_sweep
from tests.reminders.conftest import noon


def test_inbox_lists_the_nearest_deadline_first(client, db, login, watched, make_deadline):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "term_end", date(2025, 12, 31), title="Senare frist")
    make_deadline(agreement, "last_notice", date(2025, 7, 4), title="Närmare frist")
    run_sweep(date(2025, 7, 4), now=noon(date(2025, 7, 4)))
    user = login("reader")
    user.person_id = anna.id  # the inbox is the linked person's, never matched by e-mail
    db.session.commit()
    html = client.get("/reminders/").get_data(as_text=True)
    assert html.index("Närmare frist") < html.index("Senare frist")


def test_a_new_deadline_whose_lead_day_passed_is_not_sent_late(db, smtp, watched, make_deadline):
    agreement, _anna, _vera = watched()
    run_sweep(date(2025, 6, 20), now=noon(date(2025, 6, 20)))  # the scheduler runs daily
    run_sweep(date(2025, 6, 24), now=noon(date(2025, 6, 24)))
    # Registered on 25 June with its last day for notice on 30 June: the 7-day reminder's
    # day (23 June) has passed, but no sweep missed it.
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    result = run_sweep(date(2025, 6, 25), now=noon(date(2025, 6, 25)))
    assert result.late == 0
    assert db.session.execute(db.select(ReminderLog).where(ReminderLog.late)).first() is None
    text = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "i efterhand" not in text


def test_the_first_sweep_ever_sends_nothing_late(db, smtp, watched, make_deadline):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "obligation_due", date(2025, 3, 31), overdue=True)
    result = run_sweep(date(2025, 6, 25), now=noon(date(2025, 6, 25)))
    assert result.sent > 0 and result.late == 0
    note = db.session.execute(
        db.select(Notification).where(Notification.person_id == anna.id)
    ).scalar_one()
    assert "i efterhand" not in note.body
