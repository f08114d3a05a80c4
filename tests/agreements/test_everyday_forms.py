"""Forms put their errors beside the field with 422 and save nothing: marking an obligation
as met, adding a unit, an admin removing their own role; the global change log; the Swedish
date format written beside date fields; required fields marked."""

from __future__ import annotations

from datetime import date, timedelta

from app.agreements import lifecycle
from app.agreements.models import AuditEntry, ObligationFulfilment
from app.auth.models import User
from app.core import clock
from app.parties.models import OrganisationUnit


def _obligation(factory, db):
    agreement = factory.agreement(
        title="Tills vidare", start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
    )
    ob = lifecycle.create_obligation(
        agreement,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2021, 1, 1),
    )
    db.session.commit()
    return agreement, ob


def test_fulfilment_page_offers_the_open_occurrences_and_states_the_date_format(
    client, login, factory, db
):
    login("editor")
    agreement, ob = _obligation(factory, db)
    url = f"/agreements/{agreement.id}/obligations/{ob.id}/fulfilments"
    detail = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f'href="{url}?due_date=' in detail  # one link per row, not five inline controls
    html = client.get(url).get_data(as_text=True)
    assert 'id="fulfilment-form"' in html
    assert "ÅÅÅÅ-MM-DD" in html
    assert 'data-testid="required-note"' in html
    assert (
        f'value="{clock.today().year}-03-31"' in html or f"{clock.today().year - 1}-03-31" in html
    )


def test_fulfilment_in_the_future_is_refused_beside_the_field_with_422(client, login, factory, db):
    login("editor")
    agreement, ob = _obligation(factory, db)
    open_dates = lifecycle.open_occurrences(ob, clock.today())
    tomorrow = clock.today() + timedelta(days=1)
    response = client.post(
        f"/agreements/{agreement.id}/obligations/{ob.id}/fulfilments",
        data={"due_date": open_dates[0].isoformat(), "met_on": tomorrow.isoformat()},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The message sits with the date field (Bootstrap's invalid-feedback under it).
    met_on = html[html.index('id="met_on"') :]
    assert "kan inte vara efter i dag" in met_on[: met_on.index("</div>") + 200]
    assert db.session.execute(db.select(ObligationFulfilment)).first() is None


def test_fulfilment_without_a_date_is_refused_beside_the_field_with_422(client, login, factory, db):
    login("editor")
    agreement, ob = _obligation(factory, db)
    response = client.post(
        f"/agreements/{agreement.id}/obligations/{ob.id}/fulfilments",
        data={"due_date": lifecycle.open_occurrences(ob, clock.today())[0].isoformat()},
    )
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.execute(db.select(ObligationFulfilment)).first() is None


def test_fulfilment_of_another_agreements_obligation_is_not_found(client, login, factory, db):
    login("editor")
    _agreement, ob = _obligation(factory, db)
    other = factory.agreement()
    response = client.get(f"/agreements/{other.id}/obligations/{ob.id}/fulfilments")
    assert response.status_code == 404


def test_adding_a_unit_without_a_name_is_refused_beside_the_field_with_422(
    client, login, factory, db
):
    login("admin")
    org = factory.organisation(name="Linköpings kommun")
    response = client.post(f"/organisations/{org.id}/units", data={"name": "", "kind": "namnd"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ange enhetens namn." in html and "is-invalid" in html
    assert db.session.execute(db.select(OrganisationUnit)).first() is None
    response = client.post(
        f"/organisations/{org.id}/units", data={"name": "Socialnämnden", "kind": "namnd"}
    )
    assert response.status_code == 302


def test_an_admin_removing_their_own_role_is_refused_beside_it_with_422(client, login, db):
    me = login("admin")
    response = client.post(f"/admin/users/{me.id}", data={"role": "reader", "active": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="role-error"' in html
    assert html.index(f'id="role-{me.id}"') < html.index('data-testid="role-error"')
    assert db.session.get(User, me.id).role == "admin"


def test_change_log_lists_every_agreements_changes_with_filters(
    client, login, factory, make_user, db
):
    login("admin")
    a = factory.agreement(title="Alfa")
    factory.agreement(title="Beta")
    html = client.get("/agreements/changes").get_data(as_text=True)
    assert "Alfa" in html and "Beta" in html
    html = client.get("/agreements/changes?q=Alfa").get_data(as_text=True)
    assert "Alfa" in html and "Beta" not in html
    assert f'href="/agreements/{a.id}#audit"' in html
    today = clock.today().isoformat()
    entries = db.session.execute(db.select(AuditEntry)).scalars().all()
    html = client.get(f"/agreements/changes?from={today}&to={today}").get_data(as_text=True)
    assert html.count('href="/agreements/') >= len(entries)
    html = client.get("/agreements/changes?from=2020-01-01&to=2020-12-31").get_data(as_text=True)
    assert "Inga ändringar matchar." in html
    response = client.get("/agreements/changes?from=2020-02-30")
    assert response.status_code == 422
    assert 'id="from-error"' in response.get_data(as_text=True)


def test_change_log_is_for_admins(client, login):
    login("editor")
    assert client.get("/agreements/changes").status_code == 403


def test_admin_menu_reaches_every_admin_page(client, login):
    login("admin")
    html = client.get("/").get_data(as_text=True)
    for href in ("/admin/users", "/documents/templates", "/reminders/log", "/agreements/changes"):
        assert f'href="{href}"' in html


def test_a_person_or_organisation_without_a_name_is_asked_for_its_own_name(client, login):
    login("admin")
    person = client.post("/people/new", data={"name": "", "organisation_id": "0"})
    assert person.status_code == 422
    assert "Ange personens namn." in person.get_data(as_text=True)
    org = client.post("/organisations/new", data={"name": "", "kind": "kommun"})
    assert org.status_code == 422
    assert "Ange organisationens namn." in org.get_data(as_text=True)


def test_a_choice_that_is_not_offered_gets_a_plain_swedish_message(client, login, factory):
    """WTForms' own Swedish says "Felaktigt val; kunde inte ceorce:a"."""
    login("editor")
    agreement = factory.agreement()
    response = client.post(
        f"/agreements/{agreement.id}/obligations/new",
        data={"title": "Rapport", "recurrence": "yearly", "responsible_organisation_id": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "coerce" not in html
    assert "Ogiltigt val." in html


def test_an_obligation_met_later_is_not_shown_as_met_on_an_earlier_day(client, login, factory, db):
    from datetime import date

    from app.agreements import lifecycle

    login("reader")
    agreement = factory.agreement(start_date=date(2021, 1, 1), end_date=None)
    obligation = lifecycle.create_obligation(
        agreement,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2021, 1, 1),
    )
    lifecycle.record_fulfilment(
        obligation,
        {"due_date": date(2023, 3, 31), "met_on": date(2023, 3, 20)},
        None,
        date(2023, 3, 20),
    )
    db.session.commit()
    before = client.get(f"/agreements/{agreement.id}?as_of=2023-01-01").get_data(as_text=True)
    after = client.get(f"/agreements/{agreement.id}?as_of=2023-06-01").get_data(as_text=True)
    assert 'data-testid="last-met"' not in before
    assert "Senast uppfylld: 2023-03-20" in after
