"""The pages for amendments (tilläggsavtal) and successors: the form showing the terms in
force, the history with before/after, withdrawing, the chain and "Skapa efterföljande avtal"."""

from datetime import date
from decimal import Decimal

from app.agreements.models import Agreement, Amendment
from tests.foundation.helpers import form_as_posted


def fixed(factory, **kw):
    return factory.agreement(
        start_date=date(2020, 1, 1), end_date=date(2022, 12, 31), notice_period_months=6, **kw
    )


def post_amendment(client, agreement, **fields):
    data = {
        "version": str(agreement.version),
        "effective_date": "2022-05-01",
        "signed_date": "2022-04-20",
        "diarienummer": "SN 2022/17",
        "description": "Förlängning till 2024.",
        "end_date": "2022-12-31",
        "notice_period_months": "6",
        **fields,
    }
    return client.post(f"/agreements/{agreement.id}/amendments/new", data=data)


def test_the_form_shows_the_terms_in_force_on_the_day(client, login, factory):
    login("editor")
    agreement = fixed(factory)
    html = client.get(f"/agreements/{agreement.id}/amendments/new?as_of=2022-03-01").get_data(
        as_text=True
    )
    assert 'value="2022-12-31"' in html  # the current period's end
    assert 'value="6"' in html  # the notice period in force
    assert "Villkoren 2022-03-01" in html


def test_an_amendment_from_the_form_changes_only_what_was_changed(client, login, factory, db):
    login("editor")
    agreement = fixed(factory)
    response = post_amendment(client, agreement, end_date="2024-12-31")
    assert response.status_code == 302, response.get_data(as_text=True)
    amendment = db.session.execute(db.select(Amendment)).scalar_one()
    assert amendment.changes == {"end_date": "2024-12-31"}
    assert amendment.diarienummer == "SN 2022/17"


def test_the_agreement_page_shows_the_terms_in_force_and_the_history(client, login, factory):
    login("editor")
    agreement = fixed(factory)
    post_amendment(client, agreement, end_date="2024-12-31")
    before = client.get(f"/agreements/{agreement.id}?as_of=2022-04-30").get_data(as_text=True)
    after = client.get(f"/agreements/{agreement.id}?as_of=2022-05-01").get_data(as_text=True)
    assert "2020-01-01 – 2022-12-31" in before.split('data-testid="term">')[1][:60]
    assert "2020-01-01 – 2024-12-31" in after.split('data-testid="term">')[1][:60]
    history = after.split('id="amendments"')[1]
    assert "Från 2022-05-01" in history and "SN 2022/17" in history
    assert "<td>2022-12-31</td><td>2024-12-31</td>" in history  # before / after


def test_a_bad_amendment_is_shown_beside_the_field_and_nothing_is_written(
    client, login, factory, db
):
    login("editor")
    agreement = fixed(factory)
    response = post_amendment(client, agreement, effective_date="2019-06-01")
    assert response.status_code == 422
    assert "före avtalets start" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Amendment)).first() is None


def test_a_stale_form_is_a_conflict(client, login, factory, db):
    login("editor")
    agreement = fixed(factory)
    version = agreement.version
    post_amendment(client, agreement, end_date="2024-12-31")
    response = post_amendment(
        client, agreement, version=str(version), effective_date="2022-06-01", end_date=""
    )
    assert response.status_code == 409
    assert len(db.session.execute(db.select(Amendment)).all()) == 1


def test_withdrawing_from_the_page_restores_the_terms(client, login, factory, db):
    login("editor")
    agreement = fixed(factory)
    post_amendment(client, agreement, end_date="2024-12-31")
    amendment = db.session.execute(db.select(Amendment)).scalar_one()
    db.session.refresh(agreement)
    response = client.post(
        f"/agreements/{agreement.id}/amendments/{amendment.id}/withdraw",
        data={"version": str(agreement.version)},
    )
    assert response.status_code == 302
    html = client.get(f"/agreements/{agreement.id}?as_of=2022-06-01").get_data(as_text=True)
    assert "2020-01-01 – 2022-12-31" in html.split('data-testid="term">')[1][:60]
    assert "återkallat" in html


def test_the_edit_page_says_an_edit_corrects_the_record_for_all_time(client, login, factory):
    login("editor")
    agreement = fixed(factory)
    html = client.get(f"/agreements/{agreement.id}/edit").get_data(as_text=True)
    note = html.split('data-testid="correction-note">')[1].split("</div>")[0]
    assert "hela dess historik" in note
    assert f"/agreements/{agreement.id}/amendments/new" in note


def test_a_successor_is_prefilled_from_the_agreement_it_renews(client, login, factory, db):
    login("editor")
    old = fixed(factory, fte=Decimal("2.00"))
    html = client.get(f"/agreements/new?predecessor_id={old.id}").get_data(as_text=True)
    assert 'value="2023-01-01"' in html  # the day after the old one's last day
    assert f'value="{old.title}"' in html
    assert 'data-testid="successor-note"' in html
    data = {
        "kind": old.kind,
        "title": "Förnyad överenskommelse",
        "stage": "decided",
        "start_date": "2023-01-01",
        "end_date": "2024-12-31",
        "notice_period_months": "6",
        "invoicing": "monthly",
        "predecessor_id": str(old.id),
        "board_id": "0",
        "administration_id": "0",
        "responsible_person_id": "0",
        "invoicing_party_id": "0",
        "parties-0-organisation_id": str(old.parties[0].organisation_id),
        "parties-0-role": old.parties[0].role,
        **{f"parties-{i}-role": "part" for i in range(1, 4)},
        **{f"parties-{i}-organisation_id": "0" for i in range(1, 4)},
    }
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    new = db.session.execute(
        db.select(Agreement).where(Agreement.title == "Förnyad överenskommelse")
    ).scalar_one()
    assert new.predecessor_id == old.id
    page = client.get(f"/agreements/{old.id}").get_data(as_text=True)
    assert "Förnyad överenskommelse" in page.split('id="chain"')[1]
    page = client.get(f"/agreements/{new.id}").get_data(as_text=True)
    assert old.title in page.split('id="chain"')[1]


def test_the_timeline_marks_the_amendment_day(client, login, factory):
    login("editor")
    agreement = fixed(factory)
    post_amendment(client, agreement, end_date="2024-12-31")
    html = client.get("/timeline?as_of=2023-01-01&from_year=2019&to_year=2026").get_data(
        as_text=True
    )
    assert "Tilläggsavtal från 2022-05-01" in html
    assert "2020-01-01 – 2024-12-31" in html  # the amended period drawn


def test_the_change_log_names_an_amendment_and_its_changes_in_words(client, login, factory):
    login("editor")
    agreement = fixed(factory)
    post_amendment(client, agreement, end_date="2024-12-31")
    html = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    log = html[html.index("Ändringslogg") :]
    assert "Tilläggsavtal" in log
    assert "från 2022-05-01; SN 2022/17; periodens sista dag: 2024-12-31" in log
    assert "end_date" not in log and ">amendment<" not in log


def test_the_form_changes_parties_and_compensation_from_a_year(client, login, factory, db):
    from app.agreements import services
    from app.finance import services as finance

    login("editor")
    agreement = fixed(factory)
    page = client.get(f"/agreements/{agreement.id}/amendments/new?as_of=2022-03-01")
    html = page.get_data(as_text=True)
    first, second = agreement.parties[0], agreement.parties[1]
    assert f'<option selected value="{first.organisation_id}">' in html
    newcomer = factory.organisation("Motala kommun")
    response = post_amendment(
        client,
        agreement,
        **{
            "parties-0-organisation_id": str(first.organisation_id),
            "parties-0-role": first.role,
            "parties-1-organisation_id": str(second.organisation_id),
            "parties-1-role": second.role,
            "parties-2-organisation_id": str(newcomer.id),
            "parties-2-role": "part",
            "compensation_from_year": "2023",
            "lines-0-label": "Personligt ombud",
            "lines-0-amount": "1 200 000",
            "lines-0-price_level_year": "2023",
            "lines-0-index_series": "",
            "lines-0-rounding": "final",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    [amendment] = db.session.execute(db.select(Amendment)).scalars().all()
    assert [p["organisation_id"] for p in amendment.changes["parties"]][-1] == newcomer.id
    assert amendment.changes["compensation"]["from_year"] == 2023
    on_the_day = services.fields_on(agreement, date(2022, 5, 1))
    assert (newcomer.id, "part") in on_the_day["parties"]
    assert (newcomer.id, "part") not in services.fields_on(agreement, date(2022, 4, 30))["parties"]
    (y2023,) = finance.compensation_years(agreement, 2023, 2023)
    assert y2023.total == Decimal("1200000.00")


def test_a_bad_line_of_the_form_is_refused_with_nothing_written(client, login, factory, db):
    login("editor")
    agreement = fixed(factory)
    response = post_amendment(
        client,
        agreement,
        compensation_from_year="2023",
        **{
            "lines-0-label": "Ombud",
            "lines-0-amount": "mycket",
            "lines-0-price_level_year": "2023",
        },
    )
    assert response.status_code == 422
    assert "Rad 1:" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Amendment)).first() is None


def test_the_form_posted_as_shown_changes_only_what_the_user_changed(client, login, factory, db):
    login("editor")
    agreement = fixed(factory)
    html = client.get(f"/agreements/{agreement.id}/amendments/new?as_of=2022-03-01").get_data(
        as_text=True
    )
    fields = form_as_posted(html, r'id="amendment-form"')
    assert fields["parties-0-organisation_id"] == str(agreement.parties[0].organisation_id)
    fields.update(effective_date="2022-05-01", end_date="2024-12-31")
    response = client.post(f"/agreements/{agreement.id}/amendments/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    [amendment] = db.session.execute(db.select(Amendment)).scalars().all()
    assert amendment.changes == {"end_date": "2024-12-31"}


def test_a_field_left_as_shown_is_no_change_whatever_the_effective_day(client, login, factory, db):
    """Opened as of a day in one period and dated into the next, the form's end date (the
    shown period's) was taken as a change and refused as before the effective day."""
    login("editor")
    agreement = factory.agreement(
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
        extension_months=12,
        notice_period_months=3,
    )
    html = client.get(f"/agreements/{agreement.id}/amendments/new?as_of=2026-12-01").get_data(
        as_text=True
    )
    fields = form_as_posted(html, r'id="amendment-form"')
    assert fields["shown_on"] == "2026-12-01" and fields["end_date"] == "2026-12-31"
    fields.update(effective_date="2027-02-01", fte="4")
    response = client.post(f"/agreements/{agreement.id}/amendments/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    [amendment] = db.session.execute(db.select(Amendment)).scalars().all()
    assert amendment.changes == {"fte": "4"}
