"""Finance and index pages: the agreement's table, forms, overview, exports, settlement."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.agreements.services import fields_on
from app.finance import services
from app.indexation.services import ensure_default_series


@pytest.fixture
def seed003(factory, db):
    ensure_default_series()
    db.session.commit()
    linkoping = factory.organisation("Linköpings kommun")
    leanlink = factory.organisation("Leanlink", kind="foretag")
    agreement = factory.agreement(
        parties_=[(linkoping, "bestallare"), (leanlink, "utforare")],
        kind="verksamhetsuppdrag",
        title="PO Leanlink",
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
    )
    for label, amount in (("PO 6 årsarbetare", "4107597"), ("Lokaler", "263426")):
        services.add_item(
            agreement,
            {
                "label": label,
                "amount": amount,
                "price_level_year": 2019,
                "index_series": "OPI",
                "first_adjusted_year": 2021,
                "fte_basis": "6" if label.startswith("PO") else None,
            },
            None,
        )
    db.session.commit()
    return agreement


def test_agreement_page_shows_years_with_factor_chain(client, login, seed003):
    login("reader")
    r = client.get(f"/agreements/{seed003.id}?as_of=2023-06-01")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="finance"' in html
    assert "4\xa0870\xa0709\xa0kr" in html  # 2023 total
    r = client.get(f"/finance/agreements/{seed003.id}?from_year=2020&to_year=2024")
    html = r.get_data(as_text=True)
    assert "faktor 1.04545" in html
    assert "Indexvärde saknas: OPI 2024." in html
    assert "<details" in html
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "2023: 4\xa0870\xa0709\xa0kr</title>" in chart
    assert "2024: okänt (indexvärde saknas; året har inget belopp)" in chart


def test_add_line_through_the_form_and_refuse_a_negative_amount(client, login, seed003, db):
    login("finance")
    r = client.post(
        f"/finance/agreements/{seed003.id}/items",
        data={
            "new-label": "Extra",
            "new-amount": "-5",
            "new-price_level_year": "2019",
            "new-rounding": "final",
        },
    )
    assert r.status_code == 422
    assert "negativt" in r.get_data(as_text=True)
    assert len(services.items_of(seed003)) == 2
    r = client.post(
        f"/finance/agreements/{seed003.id}/items",
        data={
            "new-label": "Extra",
            "new-amount": "10 000",
            "new-price_level_year": "2019",
            "new-rounding": "final",
            "new-index_series": "",
        },
    )
    assert r.status_code == 302
    assert len(services.items_of(seed003)) == 3


def test_reader_cannot_add_lines(client, login, seed003):
    login("reader")
    r = client.post(f"/finance/agreements/{seed003.id}/items", data={"new-label": "x"})
    assert r.status_code == 403


def test_edit_and_delete_line_record_audit_and_bump_version(client, login, seed003, db):
    login("editor")
    version = seed003.version
    item = services.items_of(seed003)[1]
    r = client.post(
        f"/finance/items/{item.id}/edit",
        data={
            "label": "Lokaler",
            "amount": "270000",
            "price_level_year": "2019",
            "index_series": "OPI",
            "first_adjusted_year": "2021",
            "rounding": "final",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert services.items_of(seed003)[1].amount == Decimal("270000.00")
    r = client.post(f"/finance/items/{item.id}/delete")
    assert r.status_code == 302
    db.session.expire_all()
    assert len(services.items_of(seed003)) == 1
    assert seed003.version > version
    actions = [e.action for e in seed003.audit_entries]
    assert "compensation_changed" in actions and "compensation_removed" in actions


def call_off(client, item, agreement, year: int, **kw):
    """Post the Avropa form: one more årsarbetare from ``year``."""
    data = {
        "calloff-fte": "1",
        "calloff-from_year": str(year),
        "calloff-version": str(agreement.version),
    }
    return client.post(f"/finance/items/{item.id}/call-off", data=data, **kw)


def test_call_off_adds_fte_at_the_same_rate_from_a_year_on(client, login, seed003, db):
    services.set_grant_rate(2022, "402638")
    services.set_grant_rate(2023, "402638")
    db.session.commit()
    before = {y.year: y for y in services.compensation_years(seed003, 2022, 2023)}
    login("finance")
    item = services.items_of(seed003)[0]
    r = call_off(client, item, seed003, 2023)
    assert r.status_code == 302
    db.session.expire_all()
    lines = services.items_of(seed003)
    assert lines[0].amount == Decimal("4107597.00")  # the line itself is unchanged
    # The call-off is a tilläggsavtal from 2023: the lines counting then, plus the new one.
    (amendment,) = seed003.amendments
    assert amendment.effective_date == date(2023, 1, 1)
    assert amendment.changes["compensation"]["from_year"] == 2023
    added = lines[-1]
    assert (added.amount, added.fte_basis, added.valid_from_year) == (
        Decimal("684599.50"),  # 4 107 597 / 6 × 1
        Decimal("1.00"),
        2023,
    )
    assert fields_on(seed003, date(2023, 1, 1))["fte"] == Decimal("7.00")
    assert fields_on(seed003, date(2022, 12, 31))["fte"] == Decimal("6.00")
    after = {y.year: y for y in services.compensation_years(seed003, 2022, 2023)}
    # 2022, invoiced already, is as it was: the same total and 6 × 402 638 in statsbidrag.
    assert (after[2022].total, after[2022].statsbidrag) == (
        before[2022].total,
        Decimal("2415828.00"),
    )
    # 2023: + 684 599.50 × 1.1143179733 = 762 862 kr, and 7 × 402 638 = 2 818 466.
    assert after[2023].total == before[2023].total + 762862
    assert after[2023].statsbidrag == Decimal("2818466.00")
    # Without a year the call-off is refused.
    r = client.post(f"/finance/items/{item.id}/call-off", data={"calloff-fte": "1"})
    assert len(services.items_of(seed003)) == len(lines)


def test_cost_shares_form_equal_fraction_key_and_refusal(client, login, seed003, db):
    login("finance")
    ids = [p.organisation_id for p in seed003.parties]
    r = client.post(
        f"/finance/agreements/{seed003.id}/shares",
        data={"method": "fraction", f"share_{ids[0]}": "1/3", f"share_{ids[1]}": "0.5"},
    )
    assert r.status_code == 422
    assert "5/6" in r.get_data(as_text=True)
    assert services.shares_of(seed003) == []
    r = client.post(
        f"/finance/agreements/{seed003.id}/shares",
        data={
            "method": "key",
            "key_label": "invånare",
            f"key_{ids[0]}": "165000",
            f"key_{ids[1]}": "11000",
        },
    )
    assert r.status_code == 302
    shares = {s.organisation_id: s.fraction for s in services.shares_of(seed003)}
    assert shares[ids[0]] == Decimal(165000) / 176000 or shares[ids[0]].denominator == 16
    r = client.post(
        f"/finance/agreements/{seed003.id}/shares",
        data={"method": "equal", f"include_{ids[0]}": "1", f"include_{ids[1]}": "1"},
    )
    assert r.status_code == 302
    assert [s.fraction for s in services.shares_of(seed003)] == [
        1 / __import__("fractions").Fraction(2)
    ] * 2


def test_index_pages_enter_value_and_show_history(client, login, seed003, db):
    login("finance")
    assert client.get("/index/").status_code == 200
    r = client.post("/index/series/OPI", data={"year": "2024", "percent": "abc", "status": "final"})
    assert r.status_code == 422
    r = client.post(
        "/index/series/OPI", data={"year": "2024", "percent": "2,9", "status": "preliminary"}
    )
    assert r.status_code == 302
    html = client.get("/index/series/OPI").get_data(as_text=True)
    assert "2,9\xa0%" in html and "3,5\xa0%" in html and "4,6\xa0%" in html
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "2024: 2,9\xa0% (preliminärt värde)" in chart  # the preliminary year, marked
    assert "4,6\xa0%</text>" in chart and "2,9\xa0% *</text>" in chart
    r = client.post("/grants/rates", data={"year": "2021", "amount_per_fte": "402638"})
    assert r.status_code == 302
    assert "402\xa0638\xa0kr" in client.get("/grants/").get_data(as_text=True)


def test_editor_cannot_enter_index_values(client, login, seed003):
    login("editor")
    r = client.post("/index/series/OPI", data={"year": "2024", "percent": "2", "status": "final"})
    assert r.status_code == 403


def test_overview_groups_totals_and_draws_a_chart(client, login, seed003):
    login("reader")
    r = client.get("/finance/?year=2023")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<svg" in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "4\xa0870\xa0709\xa0kr" in html
    assert "Per nämnd" in html and "Per avtalstyp" in html


def test_excel_export_holds_numbers_with_kronor_format(client, login, seed003):
    login("reader")
    r = client.get("/finance/export.xlsx?year=2023")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[1]]
    col = header.index("Ersättning") + 1
    cell = ws.cell(row=2, column=col)
    assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    assert cell.value == 4870709
    assert cell.number_format == '#,##0 "kr"'  # grouped by Excel in the reader's locale
    net = ws.cell(row=2, column=header.index("Nettokostnad") + 1)
    assert net.number_format == '#,##0.00 "kr"'


def test_csv_export_is_semicolon_separated_utf8_with_bom(client, login, seed003):
    login("reader")
    r = client.get("/finance/export.csv?year=2023")
    assert r.data.startswith("\ufeff".encode())
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = r.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Avtal-id;Avtal;")
    assert ";Verksamhetsuppdrag;" in text.splitlines()[1]  # the kind in words, not a code
    assert "4870709,00" in text


def test_a_filtered_overview_says_it_is_a_selection(client, login, seed003):
    login("reader")
    assert "2023, alla avtal" in client.get("/finance/?year=2023").get_data(as_text=True)
    html = client.get("/finance/?year=2023&kind=verksamhetsuppdrag").get_data(as_text=True)
    heading = html.split("<h1>")[1].split("</h1>")[0]
    assert heading == "Ersättning 2023, urval"  # the chart below still covers all agreements


def test_export_of_an_empty_selection_is_refused(client, login, seed003):
    login("reader")
    r = client.get("/finance/export.xlsx?year=2023&kind=iop")
    assert r.status_code == 422
    assert "inga avtal" in r.get_data(as_text=True)


def test_settlement_after_opi_2023_went_from_3_5_to_4_6(client, login, seed003, db):
    rows = services.settlements(2023)
    assert len(rows) == 1
    s = rows[0].settlement
    # On 3.5 %: 4 371 023 × 1.04545 × 1.019 × 1.035 = 4 819 487 (rounded per line).
    assert s.total_before == Decimal("4819487")
    assert s.total_after == Decimal("4870709")
    assert s.total_difference == Decimal("51222")
    login("reader")
    html = client.get("/finance/settlement?year=2023").get_data(as_text=True)
    assert "51\xa0222\xa0kr" in html


def _share_and_grant(agreement, db, first: str, second: str) -> None:
    ids = [p.organisation_id for p in agreement.parties]
    services.set_cost_shares(
        agreement,
        [{"organisation_id": ids[0], "share": first}, {"organisation_id": ids[1], "share": second}],
        None,
    )
    services.set_grant_rate(2023, "402638")
    db.session.commit()


def test_a_years_settlement_is_the_replacement_of_that_years_own_value(seed003, db):
    from app.indexation.services import get_series, set_value

    opi = get_series("OPI")
    set_value(opi, 2024, "3.0", "preliminary")
    set_value(opi, 2024, "4.1", "final")
    set_value(opi, 2025, "2.0", "final")  # final at once: never invoiced on anything else
    db.session.commit()
    (row,) = services.settlements(2024)
    s = row.settlement
    # Invoiced on 2024 at 3.0 % (2023 final 4.6 % by then), now 4.1 %:
    # 4 107 597 × 1.1143179733 × 1.03 = 4 714 484 and 263 426 × … = 302 347 → 5 016 831;
    # × 1.041 instead: 4 764 833 + 305 575 = 5 070 408; difference 53 577.
    assert (s.total_before, s.total_after, s.total_difference) == (5016831, 5070408, 53577)
    assert services.settlements(2025) == []
    assert [r.settlement.total_difference for r in services.settlements(2023)] == [51222]


def test_no_settlement_for_an_agreement_not_in_force_that_year(seed003, db, factory):
    later = factory.agreement(start_date=date(2024, 1, 1), end_date=None)
    services.add_item(
        later,
        {"label": "Rad", "amount": "1000", "price_level_year": 2020, "index_series": "OPI"},
        None,
    )
    db.session.commit()
    assert [row.agreement.id for row in services.settlements(2023)] == [seed003.id]


def test_settlement_per_party_adds_up(seed003, db):
    _share_and_grant(seed003, db, "2/3", "1/3")
    s = services.settlements(2023)[0].settlement
    assert sum(x.difference for x in s.shares) == s.net_difference == Decimal("51222")
    # 51 222 × 2/3 = 34 148 and × 1/3 = 17 074, exactly.
    summary = services.settlement_overview(2023)
    assert summary.net_difference == Decimal("51222")
    assert summary.by_party == [
        ("Leanlink", Decimal("17074.00")),
        ("Linköpings kommun", Decimal("34148.00")),
    ]
    assert summary.incomplete == 0


def test_settlement_page_sums_per_party_under_current_names(client, login, seed003, db):
    from app.parties.services import update_organisation

    _share_and_grant(seed003, db, "1/3", "2/3")
    login("reader")
    html = client.get("/finance/settlement?year=2023&page=7").get_data(as_text=True)
    assert 'data-testid="net-difference">51\xa0222,00\xa0kr' in html
    assert "17\xa0074,00\xa0kr" in html and "34\xa0148,00\xa0kr" in html
    assert "PO Leanlink" in html  # page 7 of 1 is page 1
    # The figures are remembered; a party's new name still shows at once.
    leanlink = seed003.parties[1].organisation
    update_organisation(leanlink, {"name": "Leanlink AB", "kind": leanlink.kind})
    db.session.commit()
    html = client.get("/finance/settlement?year=2023").get_data(as_text=True)
    assert "Leanlink AB" in html


def test_ten_year_table_uses_a_constant_number_of_queries(seed003, db):
    from sqlalchemy import event

    count = 0

    def tick(*_a, **_k):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", tick)
    try:
        years = services.compensation_years(seed003, 2015, 2024)
    finally:
        event.remove(db.engine, "before_cursor_execute", tick)
    assert len(years) == 10
    assert count <= 8  # the same with any number of years (amendments, Länsstyrelsen's decisions …)


def test_index_missing_deadline_for_the_coming_year(seed003):
    found = services.index_missing_deadlines(date(2024, 1, 10))
    assert [(d.series_code, d.year, d.date) for d in found] == [
        ("OPI", 2024, date(2024, 1, 31)),
        ("OPI", 2025, date(2025, 1, 31)),
    ]
    assert found[0].agreement_ids == (seed003.id,)


def test_index_missing_is_registered_as_a_global_deadline_producer(seed003):
    from app.deadlines.services import global_deadlines

    found = [d for d in global_deadlines(date(2024, 1, 10)) if d.kind == "index_missing"]
    assert {(d.key, d.series_code, d.year) for d in found} == {
        ("index:OPI:2024", "OPI", 2024),
        ("index:OPI:2025", "OPI", 2025),
    }
    assert all(d.agreement_id is None for d in found)


def test_an_old_gap_stays_listed_until_it_is_entered(seed003, db):
    # As of 2026-11-23 the table lacks OPI 2024, 2025, 2026 and 2027 (the coming year): all
    # four are listed, 2024 too, though it is more than a year old.
    found = services.index_missing_deadlines(date(2026, 11, 23))
    assert [(d.series_code, d.year) for d in found] == [
        ("OPI", 2024),
        ("OPI", 2025),
        ("OPI", 2026),
        ("OPI", 2027),
    ]


def test_a_gap_before_the_first_adjusted_year_is_needed_too(factory, db):
    # Price level 2019, first adjusted 2024: 2024's amount needs 2020–2024 (caught up in 2024).
    from app.indexation.services import create_series, get_series, set_value

    create_series("PK", "Priskompensation")
    for year in (2020, 2022, 2023, 2024):
        set_value(get_series("PK"), year, "2", "final")
    agreement = factory.agreement(start_date=date(2023, 1, 1), end_date=None)
    services.add_item(
        agreement,
        {
            "label": "Rad",
            "amount": "1000",
            "price_level_year": 2019,
            "index_series": "PK",
            "first_adjusted_year": 2024,
        },
        None,
    )
    db.session.commit()
    assert [
        (d.year, d.agreement_ids) for d in services.index_missing_deadlines(date(2023, 6, 1))
    ] == [
        (2021, (agreement.id,)),
    ]


def test_no_index_missing_once_the_value_is_entered(seed003, db):
    from app.indexation.services import get_series, set_value

    set_value(get_series("OPI"), 2024, "2.9", "preliminary")
    found = services.index_missing_deadlines(date(2024, 1, 10))
    assert [d.year for d in found] == [2025]


def test_a_money_form_from_a_stale_page_is_refused_not_applied(client, login, seed003, db):
    import re

    login("finance")
    html = client.get(f"/finance/agreements/{seed003.id}").get_data(as_text=True)
    version = re.search(r'name="new-version" type="hidden" value="(\d+)"', html).group(1)
    assert re.search(rf'name="version" type="hidden" value="{version}"', html)  # shares form
    # Meanwhile someone else adds a line.
    services.add_item(seed003, {"label": "Annan", "amount": "1000", "price_level_year": 2019}, None)
    db.session.commit()
    line = {
        "new-version": version,
        "new-label": "Extra",
        "new-amount": "5000",
        "new-price_level_year": "2019",
        "new-rounding": "final",
    }
    r = client.post(f"/finance/agreements/{seed003.id}/items", data=line)
    assert r.status_code == 409
    assert "ändrats av någon annan" in r.get_data(as_text=True)
    assert [i.label for i in services.items_of(seed003)].count("Extra") == 0
    ids = [p.organisation_id for p in seed003.parties]
    r = client.post(
        f"/finance/agreements/{seed003.id}/shares",
        data={"version": version, "method": "equal", **{f"include_{i}": "y" for i in ids}},
    )
    assert r.status_code == 409
    assert services.shares_of(seed003) == []
    # On the page as it is now, the same line is saved.
    db.session.refresh(seed003)
    r = client.post(
        f"/finance/agreements/{seed003.id}/items",
        data={**line, "new-version": str(seed003.version)},
    )
    assert r.status_code == 302
    assert "Extra" in [i.label for i in services.items_of(seed003)]


def test_overview_totals_show_ore_when_there_are_ore(client, login, seed003, db):
    from app.agreements.services import touch

    seed003.fte = Decimal("0.75")  # 0.75 × 402 638 = 301 978.50
    touch(seed003)
    services.set_grant_rate(2023, "402638")
    db.session.commit()
    login("reader")
    html = client.get("/finance/?year=2023").get_data(as_text=True)
    assert "301\xa0978,50\xa0kr" in html
    assert "4\xa0568\xa0730,50\xa0kr" in html  # 4 870 709 − 301 978.50, not rounded apart


def test_overview_sums_only_agreements_with_all_figures(seed003, db):
    services.set_grant_rate(2026, "402638")
    db.session.commit()
    # 2026 lacks OPI 2024–2026: the agreement's statsbidrag is known, its compensation not.
    data = services.overview(2026)
    assert data.missing_count == 1
    assert (data.total, data.statsbidrag, data.net) == (0, 0, 0)
    complete = services.overview(2023)
    assert complete.total - complete.statsbidrag == complete.net


def test_excel_export_says_which_statsbidrag_each_row_counts(client, login, seed003, db):
    from app.grants import services as grants
    from app.grants.amounts import set_grant_rate

    set_grant_rate(2023, "402638")
    db.session.commit()
    login("reader")

    def row():
        ws = load_workbook(io.BytesIO(client.get("/finance/export.xlsx?year=2023").data)).active
        header = [c.value for c in ws[1]]
        cells = {h: ws.cell(row=2, column=i + 1).value for i, h in enumerate(header)}
        return cells["Statsbidrag enligt"], cells["Statsbidrag"], cells["Nettokostnad"]

    assert row() == ("förväntat", 6 * 402638, 4870709 - 6 * 402638)  # FTE × the year's rate
    grants.set_decision(seed003, 2023, {"granted": "2400000"}, None)
    db.session.commit()
    assert row() == ("beslut", 2400000, 4870709 - 2400000)


def test_the_agreement_chart_says_unknown_not_0_kr_for_a_year_without_its_index(
    client, login, seed003
):
    login("reader")
    html = client.get(f"/finance/agreements/{seed003.id}?from_year=2022&to_year=2024").get_data(
        as_text=True
    )
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "okänt *" in chart  # 2024: OPI 2024 is not entered
    assert "2024: okänt" in chart
    assert "2024: 0\xa0kr" not in chart and ">0\xa0kr" not in chart


def test_a_call_off_before_a_later_amendment_of_the_money_is_refused(client, login, seed003, db):
    """A call-off from 2022 recorded after a tilläggsavtal from 2023 that sets the money: the
    later one's lines would replace the call-off's from 2023, so the call-off would silently
    not count there. It is refused, naming the later amendment; nothing is written."""
    login("finance")
    item = services.items_of(seed003)[0]
    assert call_off(client, item, seed003, 2023).status_code == 302
    db.session.expire_all()
    count = len(services.items_of(seed003))
    r = call_off(client, item, seed003, 2022, follow_redirects=True)
    assert "Ett senare tilläggsavtal (från 2023-01-01)" in r.get_data(as_text=True)
    db.session.expire_all()
    assert len(seed003.amendments) == 1
    assert len(services.items_of(seed003)) == count
