"""The inbox, the reminder settings, the calendar feed and the admin log."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from app.reminders.models import CalendarToken, Notification, ReminderLog, ReminderPreference
from app.reminders.services import run_sweep
from tests.reminders.conftest import noon


def _link(db, user, person):
    user.person_id = person.id
    db.session.commit()


def test_inbox_shows_own_reminders_with_unread_count_and_marks_read_and_done(
    client, db, login, watched, make_deadline
):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    user = login("reader")
    _link(db, user, anna)
    page = client.get("/reminders/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert agreement.title in html
    assert "text-bg-warning" in html  # the unread badge in the navbar
    note = db.session.execute(
        db.select(Notification).where(Notification.person_id == anna.id)
    ).scalar_one()
    assert client.post(f"/reminders/notifications/{note.id}/read").status_code == 302
    assert client.post(f"/reminders/notifications/{note.id}/done").status_code == 302
    db.session.refresh(note)
    assert note.read_at is not None and note.done_at is not None
    assert "text-bg-warning" not in client.get("/reminders/").get_data(as_text=True)


def test_inbox_is_never_matched_by_email_only_by_the_explicit_link(
    client, db, login, watched, make_deadline
):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "term_end", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    user = login("reader")
    user.email = "ANNA@example.se"
    db.session.commit()
    assert agreement.title not in client.get("/reminders/").get_data(as_text=True)
    _link(db, user, anna)
    assert agreement.title in client.get("/reminders/").get_data(as_text=True)


def test_someone_elses_notification_cannot_be_marked(client, db, login, watched, make_deadline):
    agreement, anna, vera = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    user = login("admin")
    _link(db, user, anna)
    veras = db.session.execute(
        db.select(Notification).where(Notification.person_id == vera.id)
    ).scalar_one()
    assert client.post(f"/reminders/notifications/{veras.id}/read").status_code == 404
    db.session.refresh(veras)
    assert veras.read_at is None


def test_own_row_views_are_marked_for_the_route_walk(app):
    for endpoint in (
        "reminders.mark_notification_read",
        "reminders.mark_notification_done",
        "reminders.mark_all_read",
        "reminders.settings",
        "reminders.regenerate_calendar",
    ):
        assert app.view_functions[endpoint].required_permission == "self"
    assert app.view_functions["reminders.retry_log"].required_permission == "admin"


def test_settings_limit_kinds_and_choose_digest(client, db, login, smtp, factory, make_deadline):
    anna = factory.person("Anna Ansvarig", "anna@example.se")
    first = factory.agreement(responsible_person_id=anna.id)
    second = factory.agreement(responsible_person_id=anna.id)
    from app.deadlines.models import Deadline

    db.session.execute(db.delete(Deadline))
    db.session.commit()
    user = login("reader")
    _link(db, user, anna)
    response = client.post(
        "/reminders/settings",
        data={"kinds": ["last_notice", "term_end"], "digest": "y", "email": "y"},
    )
    assert response.status_code == 302
    pref = db.session.execute(db.select(ReminderPreference)).scalar_one()
    assert pref.kind_list == ["last_notice", "term_end"] and pref.digest
    make_deadline(first, "last_notice", date(2025, 6, 30))
    make_deadline(second, "term_end", date(2025, 6, 30))
    make_deadline(second, "obligation_due", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert len(smtp.messages) == 1  # one digest with two reminders; obligations not wanted
    body = smtp.messages[0].get_body(("plain",)).get_content()
    assert first.title in body and second.title in body
    assert "2 påminnelser" in smtp.messages[0]["Subject"]
    assert "Påminnelsedagar" in client.get("/reminders/settings").get_data(as_text=True)


def test_index_missing_goes_to_finance_staff(db, smtp, make_user, make_deadline):
    finance = make_user("finance")
    finance.email = "ekonomi@example.se"
    make_user("editor").email = "editor@example.se"
    db.session.commit()
    make_deadline(
        None, "index_missing", date(2025, 6, 30), key="index:OPI:2026", series_code="OPI", year=2026
    )
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    assert [m["To"] for m in smtp.messages] == ["ekonomi@example.se"]
    assert db.session.execute(
        db.select(Notification).where(Notification.user_id == finance.id)
    ).scalar_one()


def test_calendar_feed_is_public_by_token_with_all_day_events_and_stable_uids(
    app, client, db, login, watched, make_deadline
):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    make_deadline(agreement, "term_end", date(2025, 12, 31))
    user = login("reader")
    _link(db, user, anna)
    assert client.post("/reminders/calendar/regenerate").status_code == 302
    token = db.session.execute(db.select(CalendarToken)).scalar_one().token
    assert token in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    feed = client.get(f"/reminders/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "DTSTART;VALUE=DATE:20250630" in feed.get_data(as_text=True)
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"agreement:{agreement.id}:{kind}:{day}@127.0.0.1:5000"
        for kind, day in (("last_notice", "2025-06-30"), ("term_end", "2025-12-31"))
    )
    assert client.get("/reminders/calendar/not-a-token.ics").status_code == 404


def test_regenerated_calendar_token_retires_the_old_link(client, db, login, factory):
    anna = factory.person("Anna Ansvarig", "anna@example.se")
    user = login("reader")
    _link(db, user, anna)
    client.post("/reminders/calendar/regenerate")
    old = db.session.execute(db.select(CalendarToken.token)).scalar_one()
    client.post("/reminders/calendar/regenerate")
    new = db.session.execute(db.select(CalendarToken.token)).scalar_one()
    assert old != new
    assert client.get(f"/reminders/calendar/{old}.ics").status_code == 404
    assert client.get(f"/reminders/calendar/{new}.ics").status_code == 200


def test_admin_log_filters_and_retries_failed_rows(client, db, login, smtp, watched, make_deadline):
    agreement, _anna, _vera = watched()
    smtp.handler.reject.add("vera@example.se")
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    login("admin")
    page = client.get("/reminders/log?status=failed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "vera@example.se" in html and "anna@example.se" not in html
    # Words, not codes: the person, the channel and the status.
    assert "Vera Bevakare" in html and "E-post" in html and "Misslyckad" in html
    assert "person:" not in html and ">failed<" not in html
    failed = db.session.execute(
        db.select(ReminderLog).where(ReminderLog.status == "failed")
    ).scalar_one()
    smtp.handler.reject.clear()
    assert client.post(f"/reminders/log/{failed.id}/retry").status_code == 302
    run_sweep(date(2025, 6, 30))
    assert sorted(m["To"] for m in smtp.messages) == ["anna@example.se", "vera@example.se"]


def test_reminder_log_is_for_admins_only(client, login):
    login("editor")
    assert client.get("/reminders/log").status_code == 403
    assert client.post("/reminders/log/1/retry").status_code == 403
