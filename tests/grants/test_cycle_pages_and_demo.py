"""The yearly cycle around the numbers: the statistics obligation met by recorded statistics,
the 1 March deadline of the application and the account, the pages (statistics form with its
reasons table, decisions, the split, the report) and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.grants import services
from tests.foundation.helpers import form_as_posted


def _po(factory, db):
    from app.finance import services as finance

    linkoping = factory.organisation("Linköpings kommun")
    atvidaberg = factory.organisation("Åtvidabergs kommun")
    a = factory.agreement(
        parties_=[(linkoping, "bestallare"), (atvidaberg, "part")],
        title="PO",
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
        as_of=date(2022, 1, 10),
    )
    finance.set_grant_rate(2021, "402638")
    db.session.commit()
    return a, linkoping, atvidaberg


def test_recorded_statistics_meet_the_statistics_obligation(factory, db):
    a, _l, _a = _po(factory, db)
    obligation = services.add_statistics_obligation(a, None, date(2022, 1, 10))
    db.session.commit()
    services.save_statistics(a, 2021, {"persons_women": 5}, None, date(2022, 2, 1))
    db.session.commit()
    assert [f.due_date for f in obligation.fulfilments] == [date(2022, 3, 31)]


def test_application_and_account_are_due_1_march_once_per_huvudman(factory, db):
    from app.deadlines.services import global_deadlines

    a, linkoping, _a = _po(factory, db)
    # A second PO agreement of the same huvudman: still one application, one deadline.
    factory.agreement(
        parties_=[(linkoping, "bestallare")],
        title="PO 2",
        end_date=None,
        fte=Decimal("1"),
        as_of=date(2022, 1, 10),
    )
    # An agreement without årsarbetare brings no statsbidrag: no deadline for its beställare.
    other = factory.organisation("Motala kommun")
    factory.agreement(parties_=[(other, "bestallare")], title="Annat", end_date=None)
    db.session.commit()
    found = [d for d in global_deadlines(date(2022, 1, 10)) if d.kind == "grant_application"]
    assert [(d.organisation_id, d.date) for d in found] == [
        (linkoping.id, date(2022, 3, 1)),
        (linkoping.id, date(2023, 3, 1)),
    ]
    assert found[0].agreement_id is None
    assert found[0].title == (
        "Statsbidrag till Länsstyrelsen: ansökan 2022 och redovisning 2021: Linköpings kommun"
    )
    # The agreements started 2021-01-01: 1 March 2021 was an application only.
    early = [d for d in global_deadlines(date(2021, 1, 10)) if d.kind == "grant_application"]
    assert early[0].title == "Statsbidrag till Länsstyrelsen: ansökan 2021: Linköpings kommun"


def test_statistics_form_saves_reasons_table_and_municipalities(client, login, factory, db):
    a, linkoping, atvidaberg = _po(factory, db)
    login("admin")
    page = client.get(f"/grants/agreements/{a.id}")
    assert page.status_code == 200
    assert 'name="contact-reason-0"' in page.get_data(as_text=True)
    data = {
        "year": "2021",
        "persons_women": "100",
        "persons_men": "97",
        "persons_other": "0",
        "new_persons": "40",
        "ended_persons": "0",
        "contact-reason-0": "Bostad",
        "contact-count-0": "30",
        f"municipality-{linkoping.id}": "172",
        f"municipality-{atvidaberg.id}": "25",
    }
    r = client.post(f"/grants/agreements/{a.id}/statistics", data=data)
    assert r.status_code == 302
    summary = services.statistics_for(a.id, 2021)
    assert summary.persons == 197 and summary.by_municipality["Åtvidabergs kommun"] == 25
    # Reasons above the new persons: 422, the message beside the form, nothing changed.
    bad = {**data, "contact-count-0": "41"}
    r = client.post(f"/grants/agreements/{a.id}/statistics", data=bad)
    assert r.status_code == 422
    assert "fler än" in r.get_data(as_text=True)
    assert services.get_statistics(a, 2021).contact_reasons == {"Bostad": 30}


def test_decision_page_and_finance_say_granted_or_expected(client, login, factory, db):
    a, linkoping, _a = _po(factory, db)
    from app.finance import services as finance

    finance.add_item(a, {"label": "PO", "amount": "3000000", "price_level_year": 2021}, None)
    db.session.commit()
    login("admin")
    html = client.get(f"/finance/agreements/{a.id}?from_year=2021&to_year=2021").get_data(
        as_text=True
    )
    assert "förväntat" in html and "beviljat" not in html
    r = client.post(
        f"/grants/agreements/{a.id}/decisions", data={"year": "2021", "granted": "2400000"}
    )
    assert r.status_code == 302
    html = client.get(f"/finance/agreements/{a.id}?from_year=2021&to_year=2021").get_data(
        as_text=True
    )
    assert "beviljat" in html
    r = client.post(f"/grants/agreements/{a.id}/decisions", data={"year": "2019", "granted": "1"})
    assert r.status_code == 422
    report = client.get(f"/grants/reports/2021?organisation_id={linkoping.id}")
    assert report.status_code == 200
    assert "2\xa0400\xa0000\xa0kr" in report.get_data(as_text=True)


def test_split_page_records_the_parts(client, login, factory, db):
    a, linkoping, _a = _po(factory, db)
    login("finance")
    assert client.get(f"/grants/split?organisation_id={linkoping.id}&year=2021").status_code == 200
    r = client.post(
        "/grants/split",
        data={
            "organisation_id": str(linkoping.id),
            "year": "2021",
            "granted": "2415828",
            "agreement_ids": [str(a.id)],
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    assert services.get_decision(a, 2021).granted == Decimal("2415828")


def test_grant_rates_page_moved_to_grants(client, login, db):
    login("finance")
    r = client.post("/grants/rates", data={"year": "2022", "amount_per_fte": "410000"})
    assert r.status_code == 302
    assert "410\xa0000\xa0kr" in client.get("/grants/").get_data(as_text=True)


def test_demo_has_statistics_and_a_grant_decision(app, db):
    from app.demo.loader import load_demo, load_extras

    by_seed = load_demo(date(2024, 5, 1))
    load_extras(by_seed, date(2024, 5, 1), lambda _m: None)
    summary = services.statistics_for(by_seed["003"].id, 2021)
    assert summary.persons == 197
    assert summary.by_municipality["Åtvidabergs kommun"] == 25
    record = services.get_statistics(by_seed["003"], 2021)
    assert record.note.startswith("Demo")
    assert services.get_decision(by_seed["003"], 2021).granted == Decimal("2415828")


def _filled_sheet(client, agreement_id: int, changes: dict) -> bytes:
    import io

    from openpyxl import load_workbook

    r = client.get(f"/grants/agreements/{agreement_id}/statistics-sheet.xlsx?year=2021")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.active
    rows = {ws.cell(row=i, column=1).value: i for i in range(2, ws.max_row + 1)}
    for label, value in changes.items():
        row = rows.get(label) or ws.max_row + 1
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=2, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_provider_year_sheet_is_previewed_then_recorded_all_or_nothing(client, login, factory, db):
    import io

    a, _l, atvidaberg = _po(factory, db)
    login("editor")
    sheet = _filled_sheet(
        client,
        a.id,
        {
            "Kvinnor": 100,
            "Män": 97,
            "Nya personer": 40,
            "Timmar per vecka och person": 2.5,
            "Kontaktorsak: Bostad": 30,
            "Kommun: Åtvidabergs kommun": 25,
        },
    )
    r = client.post(
        f"/grants/agreements/{a.id}/statistics-sheet",
        data={"file": (io.BytesIO(sheet), "statistik.xlsx")},
        content_type="multipart/form-data",
    )
    # A preview: the sheet's figures fill the form; nothing is recorded yet.
    assert r.status_code == 200, r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert "lästa från statistik.xlsx men inte sparade" in html
    assert services.get_statistics(a, 2021) is None
    fields = form_as_posted(html, r'action="/grants/agreements/\d+/statistics"')
    assert (fields["year"], fields["persons_women"], fields["persons_men"]) == ("2021", "100", "97")
    assert fields[f"municipality-{atvidaberg.id}"] == "25"
    assert "Bostad" in fields.values() and "30" in fields.values()
    # "Spara statistik" records what the preview showed.
    r = client.post(f"/grants/agreements/{a.id}/statistics", data=fields)
    assert r.status_code == 302, r.get_data(as_text=True)
    summary = services.statistics_for(a.id, 2021)
    assert summary.persons == 197 and summary.by_municipality == {"Åtvidabergs kommun": 25}
    assert services.get_statistics(a, 2021).hours_per_week == Decimal("2.50")
    assert services.get_statistics(a, 2021).contact_reasons == {"Bostad": 30}

    # A sheet the rules refuse: previewed with the problem beside its field, nothing written.
    wrong = _filled_sheet(client, a.id, {"Kvinnor": 1, "Män": 0, "Nya personer": 40})
    r = client.post(
        f"/grants/agreements/{a.id}/statistics-sheet",
        data={"file": (io.BytesIO(wrong), "statistik.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "is-invalid" in r.get_data(as_text=True)
    assert services.statistics_for(a.id, 2021).persons == 197
    # A sheet that cannot be read says why.
    bad = _filled_sheet(client, a.id, {"Kvinnor": 1, "Kommun: Ingenstans kommun": 3})
    r = client.post(
        f"/grants/agreements/{a.id}/statistics-sheet",
        data={"file": (io.BytesIO(bad), "statistik.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "Ingenstans kommun" in r.get_data(as_text=True)
    assert services.statistics_for(a.id, 2021).persons == 197  # nothing changed


def test_demo_statistics_meet_the_seed_obligation_to_supply_the_account_basis(app, db):
    from app.demo.loader import load_demo, load_extras

    by_seed = load_demo(date(2024, 5, 1))
    load_extras(by_seed, date(2024, 5, 1), lambda _m: None)
    basis = next(o for o in by_seed["003"].obligations if o.fulfilled_by == "statistics")
    assert basis.title.startswith("Underlag till redovisning till Länsstyrelsen")
    assert date(2022, 3, 1) in {f.due_date for f in basis.fulfilments}


def test_the_1_march_deadline_follows_the_fte_and_huvudman_an_amendment_puts_in_force(factory, db):
    from app.agreements import amendments
    from app.deadlines.services import global_deadlines

    nynashamn = factory.organisation("Nynäshamns kommun")
    tyreso = factory.organisation("Tyresö kommun")
    atvidaberg = factory.organisation("Åtvidabergs kommun")
    provider = factory.organisation("Ombud AB", kind="foretag")
    moved = factory.agreement(
        parties_=[(nynashamn, "huvudman"), (provider, "utforare")],
        start_date=date(2025, 1, 1),
        end_date=None,
        notice_period_months=12,
        fte=Decimal("2"),
    )
    # From 2027 Tyresö is the huvudman.
    amendments.add_amendment(
        moved,
        {
            "effective_date": date(2027, 1, 1),
            "changes": {
                "parties": [
                    {"organisation_id": tyreso.id, "role": "huvudman"},
                    {"organisation_id": provider.id, "role": "utforare"},
                ]
            },
        },
        None,
        date(2026, 12, 1),
    )
    # No årsarbetare at first; two from 2027.
    grown = factory.agreement(
        parties_=[(atvidaberg, "bestallare"), (provider, "utforare")],
        start_date=date(2025, 1, 1),
        end_date=None,
        notice_period_months=12,
    )
    amendments.add_amendment(
        grown,
        {"effective_date": date(2027, 1, 1), "changes": {"fte": "2"}},
        None,
        date(2026, 12, 1),
    )
    db.session.commit()
    found = {
        (d.organisation_id, d.date.year): d.title
        for d in global_deadlines(date(2026, 12, 1))
        if d.kind == "grant_application"
    }
    # 2027: Tyresö applies for 2027, Nynäshamn accounts for 2026; 2028: Tyresö does both.
    assert found[(tyreso.id, 2027)].endswith("ansökan 2027: Tyresö kommun")
    assert found[(nynashamn.id, 2027)].endswith("redovisning 2026: Nynäshamns kommun")
    assert (nynashamn.id, 2028) not in found
    assert "ansökan 2028 och redovisning 2027" in found[(tyreso.id, 2028)]
    # Åtvidaberg applies from 2027, when the agreement has årsarbetare.
    assert found[(atvidaberg.id, 2027)].endswith("ansökan 2027: Åtvidabergs kommun")
    # The reports follow the huvudman in force too.
    assert services.huvudman_agreements(tyreso.id, 2027) == [moved]
    assert services.huvudman_agreements(nynashamn.id, 2027) == []
    assert services.huvudman_agreements(nynashamn.id, 2026) == [moved]


def test_saving_the_form_unchanged_keeps_a_municipality_that_is_no_party(
    client, login, factory, db
):
    """Seed 003's 2021 figures name Åtvidaberg, which is no party of the agreement: the form
    and the year sheet carry its field, so saving them unchanged keeps its 25 persons."""
    import io

    from openpyxl import load_workbook

    a, linkoping, _atvidaberg = _po(factory, db)
    motala = factory.organisation("Motala kommun")
    services.save_statistics(
        a,
        2021,
        {
            "persons_women": 100,
            "persons_men": 97,
            "by_municipality": [
                {"organisation_id": linkoping.id, "persons": 172},
                {"organisation_id": motala.id, "persons": 25},
            ],
        },
        None,
        date(2022, 2, 1),
    )
    db.session.commit()
    login("editor")
    html = client.get(f"/grants/agreements/{a.id}?year=2021").get_data(as_text=True)
    fields = form_as_posted(html, r'action="/grants/agreements/\d+/statistics"')
    assert fields[f"municipality-{motala.id}"] == "25"
    assert client.post(f"/grants/agreements/{a.id}/statistics", data=fields).status_code == 302
    assert services.statistics_for(a.id, 2021).by_municipality == {
        "Linköpings kommun": 172,
        "Motala kommun": 25,
    }
    sheet = client.get(f"/grants/agreements/{a.id}/statistics-sheet.xlsx?year=2021").data
    labels = [c.value for c in load_workbook(io.BytesIO(sheet)).active["A"]]
    assert "Kommun: Motala kommun" in labels
