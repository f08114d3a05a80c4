"""The reminder sweep against a real SMTP server on loopback: each (deadline, lead time,
recipient, channel) is reminded exactly once, on its day, and nothing is lost on faults."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import func

from app.reminders.models import Notification, ReminderLog, ReminderSweep
from app.reminders.services import _claim, deliver_pending, run_sweep
from tests.reminders.conftest import days, noon

LEADS = (180, 90, 30, 7, 0)


def _count(db, model, *where):
    return db.session.execute(db.select(func.count()).select_from(model).where(*where)).scalar()


def test_year_of_daily_sweeps_sends_each_lead_time_once_on_its_day(
    db, smtp, watched, make_deadline
):
    agreement, anna, vera = watched()
    # 31 August 2025 is a Sunday: reminders aim at Friday 29 August, the last business day.
    deadline = make_deadline(agreement, "last_notice", date(2025, 8, 31))
    assert deadline.business_day == date(2025, 8, 29)
    arrivals: dict[date, int] = {}
    for day in days(date(2025, 1, 1), 365):
        before = len(smtp.messages)
        run_sweep(day, now=noon(day))
        if len(smtp.messages) > before:
            arrivals[day] = len(smtp.messages) - before
    expected_days = {date(2025, 8, 29) - timedelta(days=lead) for lead in LEADS}
    assert arrivals == {day: 2 for day in expected_days}
    assert len(smtp.handler.to("anna@example.se")) == 5
    assert len(smtp.handler.to("vera@example.se")) == 5
    sent = db.session.execute(db.select(ReminderLog).where(ReminderLog.status == "sent")).scalars()
    assert sorted({(r.lead_days, r.channel) for r in sent}) == sorted(
        {(lead, ch) for lead in LEADS for ch in ("email", "inbox")}
    )
    assert _count(db, ReminderLog, ReminderLog.late.is_(True)) == 0
    assert _count(db, Notification, Notification.person_id == anna.id) == 5


def test_mail_is_swedish_with_text_and_html_agreement_deadline_action_and_link(
    app, smtp, watched, make_deadline
):
    app.config["PUBLIC_BASE_URL"] = "https://avtal.example.se"
    agreement, _anna, _vera = watched(title="Personligt ombud Ale–Kungälv")
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 23), now=noon(date(2025, 6, 23)))
    msg = smtp.handler.to("anna@example.se")[0]
    assert "Sista dag för uppsägning" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Personligt ombud Ale–Kungälv" in part
        assert "2025-06-30" in part
        assert "sägas upp" in part
        assert f"https://avtal.example.se/agreements/{agreement.id}" in part
    assert "om 7 dagar" in text


def test_second_sweep_on_the_same_day_sends_nothing(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    first = run_sweep(date(2025, 6, 23), now=noon(date(2025, 6, 23)))
    assert (first.planned, first.sent) == (4, 4)  # two people × (mail, inbox)
    second = run_sweep(date(2025, 6, 23), now=noon(date(2025, 6, 23)) + timedelta(minutes=15))
    assert (second.planned, second.sent, second.failed) == (0, 0, 0)
    assert len(smtp.messages) == 2


def test_smtp_down_three_days_then_up_delivers_everything_once(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 20), now=noon(date(2025, 6, 20)))  # the 30-day reminder, late
    assert len(smtp.messages) == 2
    smtp.stop()
    for day in days(date(2025, 6, 21), 3):  # the 7-day reminder falls due on 23 June
        result = run_sweep(day, now=noon(day))
        assert result.failed == 0
    pending = (
        db.session.execute(
            db.select(ReminderLog).where(ReminderLog.channel == "email", ReminderLog.lead_days == 7)
        )
        .scalars()
        .all()
    )
    assert {r.status for r in pending} == {"pending"}
    assert all(r.attempts == 1 and "kan inte nås" in r.last_error for r in pending)
    # Inbox reminders were not held up by the mail server.
    inbox = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.channel == "inbox", ReminderLog.lead_days == 7)
    ).scalars()
    assert {r.status for r in inbox} == {"sent"}
    smtp.start()
    for day in days(date(2025, 6, 24), 3):
        run_sweep(day, now=noon(day))
    assert sorted(m["To"] for m in smtp.messages) == [
        "anna@example.se",
        "anna@example.se",
        "vera@example.se",
        "vera@example.se",
    ]
    rows = db.session.execute(db.select(ReminderLog).where(ReminderLog.lead_days == 7)).scalars()
    assert {r.status for r in rows} == {"sent"}


def test_catch_up_after_downtime_sends_latest_lead_late_and_skips_older(
    db, smtp, watched, make_deadline
):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 1, 1), now=noon(date(2025, 1, 1)))  # the 180-day reminder
    assert len(smtp.messages) == 2
    # Down from January to 25 June: the 90, 30 and 7-day reminders were missed.
    result = run_sweep(date(2025, 6, 25), now=noon(date(2025, 6, 25)))
    assert (result.planned, result.sent, result.late, result.skipped) == (4, 4, 4, 8)
    assert len(smtp.messages) == 4
    assert "i efterhand" in smtp.messages[-1].get_body(("plain",)).get_content()
    late = db.session.execute(db.select(ReminderLog).where(ReminderLog.late.is_(True))).scalars()
    assert {(r.lead_days, r.status) for r in late} == {(7, "sent")}
    skipped = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.status == "skipped")
    ).scalars()
    assert {r.lead_days for r in skipped} == {90, 30}
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))  # on the day, on time
    assert len(smtp.messages) == 6


def test_rejected_recipient_is_failed_shown_to_admins_and_others_still_sent(
    db, smtp, watched, make_deadline, make_user
):
    admin = make_user("admin")
    agreement, _anna, _vera = watched()
    smtp.handler.reject.add("vera@example.se")
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    result = run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert result.failed == 1
    assert [m["To"] for m in smtp.messages] == ["anna@example.se"]
    failed = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.status == "failed")
    ).scalar_one()
    assert failed.email == "vera@example.se" and "550" in failed.last_error
    alert = db.session.execute(
        db.select(Notification).where(Notification.user_id == admin.id)
    ).scalar_one()
    assert "kunde inte levereras" in alert.subject
    # Vera still has her reminder in the app, and a new sweep does not resend or re-fail.
    assert _count(db, Notification, Notification.person_id == _vera.id) == 1
    again = run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)) + timedelta(hours=1))
    assert (again.sent, again.failed) == (0, 0)


def test_malformed_address_fails_mail_but_inbox_reminder_arrives(db, smtp, factory, make_deadline):
    from app.deadlines.models import Deadline
    from app.parties.models import Person

    # Imported data may hold addresses the form would refuse.
    person = Person(name="Otto Felskriven", email="otto(at)example")
    db.session.add(person)
    db.session.commit()
    agreement = factory.agreement(responsible_person_id=person.id)
    db.session.execute(db.delete(Deadline))
    db.session.commit()
    make_deadline(agreement, "term_end", date(2025, 6, 30))
    result = run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert (result.sent, result.failed) == (1, 1)
    assert smtp.messages == []
    row = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.channel == "email", ReminderLog.lead_days == 0)
    ).scalar_one()
    assert row.status == "failed" and "Ogiltig e-postadress" in row.last_error
    assert _count(db, Notification, Notification.person_id == person.id) == 1


def test_deleted_agreement_cancels_its_pending_reminders(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    smtp.stop()
    run_sweep(date(2025, 6, 23), now=noon(date(2025, 6, 23)))
    from app.deadlines.models import Deadline

    db.session.execute(db.delete(Deadline).where(Deadline.agreement_id == agreement.id))
    db.session.delete(agreement)
    db.session.commit()
    smtp.start()
    result = run_sweep(date(2025, 6, 24), now=noon(date(2025, 6, 24)))
    assert result.cancelled == 2 and result.failed == 0
    assert smtp.messages == []
    statuses = {
        r.status
        for r in db.session.execute(
            db.select(ReminderLog).where(ReminderLog.channel == "email", ReminderLog.lead_days == 7)
        ).scalars()
    }
    assert statuses == {"cancelled"}


def test_clock_jumped_back_sends_nothing_twice(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert len(smtp.messages) == 2
    result = run_sweep(date(2025, 6, 23), now=noon(date(2025, 6, 30)) + timedelta(hours=1))
    assert result.clock_went_back
    assert (result.planned, result.sent) == (0, 0)
    assert len(smtp.messages) == 2
    assert db.session.execute(
        db.select(ReminderSweep.clock_went_back).order_by(ReminderSweep.id.desc()).limit(1)
    ).scalar()


def test_row_claimed_by_a_killed_process_is_delivered_once_after_the_claim_times_out(
    db, smtp, watched, make_deadline
):
    from app.reminders.services import plan_reminders

    agreement, _a, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    start = noon(date(2025, 6, 30))
    plan_reminders(date(2025, 6, 30))
    db.session.commit()
    _token, claimed = _claim(start, batch=100)  # the "killed" process claimed all, sent nothing
    assert len(claimed) == 4
    assert deliver_pending(start + timedelta(minutes=5)).sent == 0  # still claimed
    result = deliver_pending(start + timedelta(minutes=11))
    assert result.sent == 4
    assert len(smtp.messages) == 2
    assert deliver_pending(start + timedelta(hours=2)).sent == 0


def test_agreement_lead_days_override_the_defaults(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched(reminder_lead_days="60, 14")
    make_deadline(agreement, "extension", date(2025, 6, 30))
    sent_days = set()
    for day in days(date(2025, 1, 1), 200):
        if run_sweep(day, now=noon(day)).sent:
            sent_days.add(day)
    assert sent_days == {date(2025, 6, 30) - timedelta(days=60), date(2025, 6, 16)}


def test_no_smtp_configured_mail_goes_to_the_log_and_inbox(db, app, watched, make_deadline, caplog):
    app.config["MAIL_SERVER"] = None
    agreement, anna, _v = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    with caplog.at_level(logging.INFO, logger="app.reminders.mail"):
        result = run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert result.sent == 4 and result.failed == 0
    assert "anna@example.se" in caplog.text
    sent = db.session.execute(db.select(ReminderLog).where(ReminderLog.status == "sent"))
    assert {r.via for r in sent.scalars()} == {"log", "inbox"}
    assert _count(db, Notification, Notification.person_id == anna.id) == 1


def test_one_smtp_connection_serves_a_whole_sweep(db, smtp, factory, make_deadline, monkeypatch):
    from app.reminders import mail

    people = [factory.person(f"P{i}", f"p{i}@example.se") for i in range(12)]
    agreement = factory.agreement(
        responsible_person_id=people[0].id, watcher_ids=[p.id for p in people[1:]]
    )
    from app.deadlines.models import Deadline

    db.session.execute(db.delete(Deadline))
    db.session.commit()
    make_deadline(agreement, "term_end", date(2025, 6, 30))
    connections = []
    original = mail.Mailer._connect

    def counting(self):
        connections.append(1)
        return original(self)

    monkeypatch.setattr(mail.Mailer, "_connect", counting)
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert len(smtp.messages) == 12
    assert len(connections) == 1


def test_an_unmet_obligation_is_reminded_after_any_downtime(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    # Sunday 3 January 2027: reminders aim at Wednesday 30 December 2026.
    make_deadline(agreement, "obligation_due", date(2027, 1, 3), overdue=False)
    run_sweep(date(2026, 7, 6), now=noon(date(2026, 7, 6)))  # the 180-day reminder
    assert len(smtp.messages) == 2
    # Down from July to March: the obligation is still not met, so it is reminded of, late.
    result = run_sweep(date(2027, 3, 20), now=noon(date(2027, 3, 20)))
    assert (result.sent, result.late) == (4, 4)
    text = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "i efterhand" in text
    # Counted from the sweep's day, to the date and to the business day.
    assert "Datum: 2027-01-03 (för 76 dagar sedan)" in text
    assert "2026-12-30 (för 80 dagar sedan;" in text


def test_mail_counts_days_from_the_sweeps_day_to_the_date_shown(db, smtp, watched, make_deadline):
    agreement, _a, _v = watched()
    make_deadline(agreement, "obligation_due", date(2027, 1, 3), overdue=False)
    # 2026-11-23 → 2027-01-03 is 41 days; → 2026-12-30, the business day, 37.
    run_sweep(date(2026, 11, 23), now=noon(date(2026, 5, 1)))  # a wall clock elsewhere
    text = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "Datum: 2027-01-03 (om 41 dagar)" in text
    assert "2026-12-30 (om 37 dagar;" in text
    inbox = db.session.execute(db.select(Notification)).scalars().first()
    assert "Sista bankdag på eller före datumet: 2026-12-30." in inbox.body


def test_the_kind_is_not_said_twice(db, smtp, make_deadline, make_user):
    make_user("finance").email = "ekonom@example.se"
    db.session.commit()
    make_deadline(
        None,
        "index_missing",
        date(2027, 1, 31),
        key="index:OPI:2027",
        title="Indexvärde saknas: OPI 2027",
        series_code="OPI",
        year=2027,
    )
    run_sweep(date(2027, 1, 24), now=noon(date(2027, 1, 24)))
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects and all(s.count("Indexvärde saknas") == 1 for s in subjects)


@pytest.mark.smtp_options(enable_SMTPUTF8=False)
def test_addresses_with_swedish_letters(db, smtp, factory, make_deadline):
    from app.deadlines.models import Deadline

    local = factory.person("Åke Öst", "åke.öst@kommun.example.se")  # needs SMTPUTF8
    domain = factory.person("Anna Kömmun", "anna@kömmun.example.se")  # punycode will do
    agreement = factory.agreement(responsible_person_id=local.id, watcher_ids=[domain.id])
    db.session.execute(db.delete(Deadline))
    db.session.commit()
    make_deadline(agreement, "term_end", date(2025, 6, 30))
    result = run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    # The loopback server does not offer SMTPUTF8: that address fails for good (shown to
    # admins), it is not retried forever; the other goes out in its ASCII form.
    assert [m["To"] for m in smtp.messages] == ["anna@xn--kmmun-jua.example.se"]
    row = db.session.execute(
        db.select(ReminderLog).where(
            ReminderLog.channel == "email",
            ReminderLog.person_id == local.id,
            ReminderLog.lead_days == 0,
        )
    ).scalar_one()
    assert row.status == "failed" and "kan inte ta emot adressen" in row.last_error
    assert result.failed == 1
