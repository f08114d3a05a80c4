"""The yearly cycle through the API: statistics and decisions per agreement and year (422 with
the field named and nothing written), net cost switching from expected to granted, one decision
split over a huvudman's agreements, and the reports checked against hand computations, with the
Excel and Word files opened and read back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from app.grants import services
from app.grants.models import GrantDecision, YearStatistics
from app.indexation.services import ensure_default_series


@pytest.fixture
def setup(factory, db):
    """Linköping (beställare) with two PO agreements in 2021: Leanlink 6 FTE with the seed's two
    lines, and a smaller one with 2 FTE and a fixed 1 000 000 kr; Åtvidaberg a party."""
    ensure_default_series()
    db.session.commit()
    from app.finance import services as finance

    linkoping = factory.organisation("Linköpings kommun")
    atvidaberg = factory.organisation("Åtvidabergs kommun")
    leanlink = factory.organisation("Leanlink Råd och Stöd", kind="foretag")
    big = factory.agreement(
        parties_=[(linkoping, "bestallare"), (leanlink, "utforare"), (atvidaberg, "part")],
        kind="verksamhetsuppdrag",
        title="A PO Leanlink",
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
    )
    small = factory.agreement(
        parties_=[(linkoping, "huvudman"), (leanlink, "utforare")],
        title="B PO liten",
        end_date=None,
        notice_period_months=12,
        fte=Decimal("2"),
    )
    for label, amount in (("PO 6 årsarbetare", "4107597"), ("Lokaler", "263426")):
        finance.add_item(
            big,
            {
                "label": label,
                "amount": amount,
                "price_level_year": 2019,
                "index_series": "OPI",
                "first_adjusted_year": 2021,
            },
            None,
        )
    finance.add_item(small, {"label": "Fast", "amount": "1000000", "price_level_year": 2021}, None)
    finance.set_grant_rate(2021, "402638")
    db.session.commit()
    return {"linkoping": linkoping, "atvidaberg": atvidaberg, "big": big, "small": small}


STATS = {
    "persons_women": 100,
    "persons_men": 90,
    "persons_other": 7,
    "new_persons": 40,
    "ended_persons": 30,
    "hours_per_week": "2.5",
    "contact_reasons": {"Bostad": 25, "Ekonomi": 15},
    "end_reasons": {"Målen uppnådda": 30},
}


def test_statistics_put_and_get_round_trip(api, setup):
    editor = api("editor")
    big, atv, lkp = setup["big"], setup["atvidaberg"], setup["linkoping"]
    body = {
        **STATS,
        "by_municipality": [
            {"organisation_id": lkp.id, "persons": 172},
            {"organisation_id": atv.id, "persons": 25},
        ],
    }
    r = editor.put(f"/agreements/{big.id}/statistics/2021", body)
    assert r.status_code == 200, r.json
    r = editor.get(f"/agreements/{big.id}/statistics/2021")
    assert r.json["persons"] == 197
    assert r.json["contact_reasons"] == {"Bostad": 25, "Ekonomi": 15}
    assert r.json["hours_per_week"] == "2.50"
    assert {m["persons"] for m in r.json["by_municipality"]} == {172, 25}
    summary = services.statistics_for(big.id, 2021)
    assert summary.persons == 197
    assert summary.by_municipality == {"Linköpings kommun": 172, "Åtvidabergs kommun": 25}
    assert services.statistics_for(big.id, 2022) is None


@pytest.mark.parametrize(
    ("change", "year", "field"),
    [
        ({"persons_men": -1}, 2021, "persons_men"),
        ({"contact_reasons": {"Bostad": 41}}, 2021, "contact_reasons"),
        ({"end_reasons": {"Flytt": 31}}, 2021, "end_reasons"),
        ({"by_municipality": "many"}, 2021, "by_municipality"),
        ({}, 2020, "year"),  # the agreement starts 2021-01-01
    ],
)
def test_bad_statistics_give_422_with_the_field_and_write_nothing(
    api, setup, db, change, year, field
):
    r = api("editor").put(f"/agreements/{setup['big'].id}/statistics/{year}", {**STATS, **change})
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert db.session.execute(db.select(YearStatistics)).first() is None


def test_persons_per_municipality_above_the_total_are_refused(api, setup, db):
    lkp = setup["linkoping"]
    body = {**STATS, "by_municipality": [{"organisation_id": lkp.id, "persons": 198}]}
    r = api("editor").put(f"/agreements/{setup['big'].id}/statistics/2021", body)
    assert r.status_code == 422
    assert "by_municipality" in r.json["error"]["fields"]


def test_net_cost_switches_from_expected_to_granted(api, setup):
    fin = api("finance")
    big = setup["big"]
    year = fin.get(f"/agreements/{big.id}/compensation?from_year=2021&to_year=2021").json
    y = year["years"][0]
    # 2021: (4 107 597 + 263 426) × 1.03 × 1.015 = 4 569 686 kr (as the finance tests show);
    # expected statsbidrag 6 × 402 638 = 2 415 828 kr; net 4 569 686 − 2 415 828 = 2 153 858.
    assert (y["total"], y["statsbidrag"], y["net"]) == ("4569686.00", "2415828.00", "2153858.00")
    assert y["statsbidrag_basis"] == "expected"
    r = fin.put(
        f"/agreements/{big.id}/grants/2021",
        {
            "granted": "2400000",
            "decided_on": "2021-04-15",
            "diarienummer": "LST 1",
            "paid": "1200000",
        },
    )
    assert r.status_code == 200, r.json
    y = fin.get(f"/agreements/{big.id}/compensation?from_year=2021&to_year=2021").json["years"][0]
    # Granted 2 400 000: net 4 569 686 − 2 400 000 = 2 169 686.
    assert (y["statsbidrag"], y["net"], y["statsbidrag_basis"]) == (
        "2400000.00",
        "2169686.00",
        "granted",
    )
    # As of a day before Länsstyrelsen's decision, the year's statsbidrag is still expected.
    before = fin.get(
        f"/agreements/{big.id}/compensation?from_year=2021&to_year=2021&as_of=2021-04-14"
    ).json["years"][0]
    assert (before["statsbidrag"], before["statsbidrag_basis"]) == ("2415828.00", "expected")
    assert fin.get(f"/agreements/{big.id}/grants/2021").json["paid"] == "1200000.00"


def test_grant_decision_without_fte_or_outside_the_agreement_is_refused(api, setup, factory, db):
    fin = api("finance")
    no_fte = factory.agreement(start_date=date(2021, 1, 1), end_date=date(2022, 12, 31))
    r = fin.put(f"/agreements/{no_fte.id}/grants/2021", {"granted": "1000"})
    assert r.status_code == 422 and "year" in r.json["error"]["fields"]
    r = fin.put(f"/agreements/{setup['big'].id}/grants/2020", {"granted": "1000"})
    assert r.status_code == 422 and "year" in r.json["error"]["fields"]
    r = fin.put(f"/agreements/{setup['big'].id}/grants/2021", {"granted": "-5"})
    assert r.status_code == 422 and "granted" in r.json["error"]["fields"]
    assert db.session.execute(db.select(GrantDecision)).first() is None


def test_one_decision_split_over_the_huvudmans_agreements_by_fte(api, setup):
    fin = api("finance")
    big, small, lkp = setup["big"], setup["small"], setup["linkoping"]
    r = fin.post(
        "/grants/2021/split",
        {
            "organisation_id": lkp.id,
            "agreement_ids": [big.id, small.id],
            "granted": "3220001",
            "diarienummer": "LST 2021-77",
        },
    )
    assert r.status_code == 201, r.json
    # 3 220 001 kr over 6 and 2 FTE: exact 2 415 000.75 and 805 000.25; floors 2 415 000 and
    # 805 000 leave 1 kr for the larger remainder (0.75): 2 415 001 + 805 000 = 3 220 001.
    parts = {i["agreement_id"]: i["granted"] for i in r.json["items"]}
    assert parts == {big.id: "2415001.00", small.id: "805000.00"}


def test_yearly_report_figures_against_a_hand_computation(api, setup):
    fin = api("finance")
    big, small, lkp, atv = setup["big"], setup["small"], setup["linkoping"], setup["atvidaberg"]
    editor = api("editor")
    body = {
        **STATS,
        "by_municipality": [
            {"organisation_id": lkp.id, "persons": 172},
            {"organisation_id": atv.id, "persons": 25},
        ],
    }
    assert editor.put(f"/agreements/{big.id}/statistics/2021", body).status_code == 200
    assert fin.put(f"/agreements/{small.id}/grants/2021", {"granted": "800000"}).status_code == 200
    r = fin.get(f"/reports/yearly/2021?organisation_id={lkp.id}")
    assert r.status_code == 200, r.json
    rows = {a["agreement_id"]: a for a in r.json["agreements"]}
    # Leanlink: 6 FTE; expected 6 × 402 638 = 2 415 828; no decision; compensation
    # 4 569 686; net 4 569 686 − 2 415 828 = 2 153 858; 197 persons, 40 new, 30 ended.
    assert rows[big.id] | {} == {
        **rows[big.id],
        "fte": "6.0",
        "statsbidrag_expected": "2415828.00",
        "statsbidrag_granted": None,
        "compensation": "4569686.00",
        "net": "2153858.00",
        "persons": 197,
        "new_persons": 40,
        "ended_persons": 30,
    }
    # Small: 2 FTE; expected 2 × 402 638 = 805 276; granted 800 000; compensation 1 000 000
    # (fixed); net 1 000 000 − 800 000 = 200 000; no statistics.
    assert (
        rows[small.id]["statsbidrag_expected"],
        rows[small.id]["statsbidrag_granted"],
        rows[small.id]["net"],
        rows[small.id]["persons"],
    ) == ("805276.00", "800000.00", "200000.00", None)
    # Totals: FTE 8; expected 2 415 828 + 805 276 = 3 221 104; granted 800 000 (the only one
    # recorded); compensation 5 569 686; net 2 153 858 + 200 000 = 2 353 858; persons 197.
    t = r.json["totals"]
    assert (t["fte"], t["statsbidrag_expected"], t["statsbidrag_granted"]) == (
        "8.0",
        "3221104.00",
        "800000.00",
    )
    assert (t["compensation"], t["net"], t["persons"], t["new_persons"]) == (
        "5569686.00",
        "2353858.00",
        197,
        40,
    )

    # Excel: the same figures as real numbers.
    x = fin.get(f"/reports/yearly/2021.xlsx?organisation_id={lkp.id}")
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.data)).active
    table = {row[0]: row for row in ws.iter_rows(min_row=5, values_only=True) if row[0]}
    assert table["A PO Leanlink"][1:4] == (6, 2415828, None)
    assert table["A PO Leanlink"][5:8] == (4569686, 2153858, 197)
    assert table["Summa"][2] == 3221104 and table["Summa"][6] == 2353858
    assert isinstance(table["Summa"][6], int | float | Decimal)

    # Word: the template filled in, read back.
    d = fin.get(f"/reports/yearly/2021.docx?organisation_id={lkp.id}")
    assert d.status_code == 200
    doc = Document(io.BytesIO(d.data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Linköpings kommun" in doc.paragraphs[0].text
    assert "2\xa0415\xa0828\xa0kr" in cells and "2\xa0353\xa0858\xa0kr" in cells
    assert "Åtvidabergs kommun" in cells and "25" in cells


def test_application_lists_fte_rate_and_sum_applied_for(api, setup):
    fin = api("finance")
    lkp = setup["linkoping"]
    r = fin.get(f"/reports/application/2021?organisation_id={lkp.id}")
    # 6 × 402 638 = 2 415 828 and 2 × 402 638 = 805 276; together 3 221 104 for 8 FTE.
    assert [a["applied_for"] for a in r.json["agreements"]] == ["2415828.00", "805276.00"]
    assert r.json["totals"] == {"fte": "8.0", "applied_for": "3221104.00"}
    x = fin.get(f"/reports/application/2021.xlsx?organisation_id={lkp.id}")
    ws = load_workbook(io.BytesIO(x.data)).active
    rows = [row for row in ws.iter_rows(min_row=5, values_only=True) if row[0]]
    assert rows[-1] == ("Summa", 8, 402638, 3221104)
    d = fin.get(f"/reports/application/2021.docx?organisation_id={lkp.id}")
    text = [c.text for t in Document(io.BytesIO(d.data)).tables for r in t.rows for c in r.cells]
    assert "3\xa0221\xa0104\xa0kr" in text


def test_report_needs_an_existing_huvudman(api, setup):
    assert api("reader").get("/reports/yearly/2021").status_code == 400
    assert api("reader").get("/reports/yearly/2021?organisation_id=999999").status_code == 404


def test_split_with_paid_in_ore_or_above_granted_is_refused(api, setup, db):
    fin = api("finance")
    body = {
        "organisation_id": setup["linkoping"].id,
        "agreement_ids": [setup["big"].id, setup["small"].id],
        "granted": "1000",
    }
    r = fin.post("/grants/2021/split", {**body, "paid": "10.50"})
    assert r.status_code == 422 and "paid" in r.json["error"]["fields"]
    r = fin.post("/grants/2021/split", {**body, "paid": "1001"})
    assert r.status_code == 422 and "paid" in r.json["error"]["fields"]
    r = fin.post("/grants/2021/split", {**body, "paid": "999"})
    # 999 kr over 6 and 2 FTE: 749.25 and 249.75 → 749 + 250 (the larger remainder, 0.75).
    assert r.status_code == 201
    assert [i["paid"] for i in r.json["items"]] == ["749.00", "250.00"]
    assert db.session.execute(db.select(GrantDecision)).scalars().all()


def test_overview_and_cost_shares_use_the_granted_amount(api, setup, db):
    from app.finance import services as finance

    big, lkp, atv = setup["big"], setup["linkoping"], setup["atvidaberg"]
    finance.set_cost_shares(
        big,
        [{"organisation_id": lkp.id, "share": "1/2"}, {"organisation_id": atv.id, "share": "1/2"}],
        None,
    )
    services.set_decision(big, 2021, {"granted": "2400000"}, None)
    db.session.commit()
    row = next(r for r in finance.overview(2021).rows if r.agreement.id == big.id)
    # Net 4 569 686 − 2 400 000 = 2 169 686, shared in halves: 1 084 843 each.
    assert (row.result.statsbidrag_basis, row.result.net) == ("granted", Decimal("2169686.00"))
    assert [amount for _org, amount in row.result.shares] == [Decimal("1084843.00")] * 2
