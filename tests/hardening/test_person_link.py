"""A login is linked to a person only explicitly (an admin on the users page or
``flask users link``); editing a person's e-mail never moves an inbox, a calendar feed or
reminder settings to another login."""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.reminders.models import CalendarToken, Notification
from app.reminders.services import run_sweep
from tests.reminders.conftest import noon


def test_an_editor_giving_a_person_their_own_email_takes_over_nothing(
    app, client, db, make_user, login, watched, make_deadline
):
    agreement, anna, _vera = watched()
    make_deadline(agreement, "last_notice", date(2025, 6, 30))
    run_sweep(date(2025, 6, 30), now=noon(date(2025, 6, 30)))
    anna_user = make_user("reader", username="anna")
    anna_user.person_id = anna.id
    anna_user.email = "anna@example.se"
    db.session.commit()

    mallory = login("editor")
    mallory.email = "mallory@example.se"
    db.session.commit()
    data = {"name": anna.name, "email": "mallory@example.se", "title": "", "phone": ""}
    data["organisation_id"] = "0"
    assert client.post(f"/people/{anna.id}/edit", data=data).status_code == 302
    db.session.refresh(anna)
    assert anna.email == "mallory@example.se"

    # Mallory's inbox, settings and calendar stay her own (she is linked to no one).
    inbox = client.get("/reminders/").get_data(as_text=True)
    assert agreement.title not in inbox
    settings = client.get("/reminders/settings").get_data(as_text=True)
    assert anna.name not in settings
    assert client.post("/reminders/calendar/regenerate").status_code == 302
    assert db.session.execute(db.select(CalendarToken)).first() is None
    note = db.session.execute(
        db.select(Notification).where(Notification.person_id == anna.id)
    ).scalar_one()
    assert client.post(f"/reminders/notifications/{note.id}/read").status_code in (403, 404)
    db.session.refresh(anna_user)
    assert anna_user.person_id == anna.id


def test_admin_links_a_user_to_a_person_on_the_users_page(client, db, login, factory, make_user):
    login("admin")
    person = factory.person("Pia Person", "pia@example.se")
    pia = make_user("reader", username="pia")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Pia Person (pia@example.se)" in page
    response = client.post(f"/admin/users/{pia.id}/person", data={"person_id": str(person.id)})
    assert response.status_code == 302
    db.session.refresh(pia)
    assert pia.person_id == person.id
    # A second login cannot be the same person.
    other = make_user("reader", username="other")
    client.post(f"/admin/users/{other.id}/person", data={"person_id": str(person.id)})
    db.session.refresh(other)
    assert other.person_id is None
    assert "redan kopplad" in client.get("/admin/users").get_data(as_text=True)
    # Unlinking.
    client.post(f"/admin/users/{pia.id}/person", data={"person_id": "0"})
    db.session.refresh(pia)
    assert pia.person_id is None


def test_only_admins_link_users(client, db, login, factory, make_user):
    login("editor")
    person = factory.person("Pia Person", "pia@example.se")
    pia = make_user("reader", username="pia")
    response = client.post(f"/admin/users/{pia.id}/person", data={"person_id": str(person.id)})
    assert response.status_code == 403
    db.session.refresh(pia)
    assert pia.person_id is None


def test_cli_links_by_id_by_email_and_unlinks(runner, db, factory, make_user):
    person = factory.person("Pia Person", "pia@example.se")
    make_user("reader", username="pia")
    result = runner.invoke(args=["users", "link", "pia", str(person.id)])
    assert result.exit_code == 0, result.output
    assert "Pia Person" in result.output
    result = runner.invoke(args=["users", "link", "pia", "--unlink"])
    assert result.exit_code == 0 and "no person" in result.output
    result = runner.invoke(args=["users", "link", "pia", "--email", "PIA@example.se"])
    assert result.exit_code == 0, result.output
    pia = db.session.execute(db.select(User).filter_by(username="pia")).scalar_one()
    db.session.refresh(pia)
    assert pia.person_id == person.id
    factory.person("Pia Tvilling", "pia@example.se")
    result = runner.invoke(args=["users", "link", "pia", "--email", "pia@example.se"])
    assert result.exit_code != 0 and "2 people" in result.output
    result = runner.invoke(args=["users", "link", "pia", "999999"])
    assert result.exit_code != 0
