"""The finance API (API.md, "Index series and grants" and "Money") on seed 003 and 001."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.indexation.services import ensure_default_series


@pytest.fixture
def opi(db):
    ensure_default_series()
    db.session.commit()


@pytest.fixture
def seed003(factory, db, opi):
    linkoping = factory.organisation("Linköpings kommun")
    leanlink = factory.organisation("Leanlink Råd och Stöd", kind="foretag")
    return factory.agreement(
        parties_=[(linkoping, "bestallare"), (leanlink, "utforare")],
        kind="verksamhetsuppdrag",
        title="PO Leanlink",
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
    )


def _add_seed003_lines(api, agreement_id):
    for label, amount in (("PO 6 årsarbetare", "4107597"), ("Lokaler", "263426")):
        r = api.post(
            f"/agreements/{agreement_id}/compensation-items",
            {
                "label": label,
                "amount": amount,
                "price_level_year": 2019,
                "index_series": "OPI",
                "first_adjusted_year": 2021,
                "rounding": "final",
            },
        )
        assert r.status_code == 201, r.json


def test_seed003_compensation_2021_to_2023_from_shipped_opi(api, seed003):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    r = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2020&to_year=2023")
    assert r.status_code == 200
    years = {y["year"]: y for y in r.json["years"]}
    # 2020 is before the first adjusted year: the 2019 amounts as they stand.
    assert years[2020]["total"] == "4371023.00"
    # 2021 catches up 2020 and 2021: 1.03 × 1.015 = 1.04545.
    assert years[2021]["items"][0]["factor"] == "1.04545"
    assert years[2021]["total"] == "4569686.00"
    assert years[2022]["total"] == "4656510.00"
    assert years[2023]["total"] == "4870709.00"
    assert years[2023]["preliminary"] is False
    assert years[2023]["items"][0]["amount"] == "4577169.00"
    # The statsbidrag for 2020 is shipped: 6 × 402 638.
    assert years[2020]["statsbidrag"] == "2415828.00"
    assert years[2020]["net"] == "1955195.00"
    # 2021 has no grant rate entered yet: reported missing, not guessed.
    assert years[2021]["statsbidrag"] is None
    assert "Statsbidrag per årsarbetare saknas för 2021." in years[2021]["missing"]


def test_missing_index_year_is_named_instead_of_a_number(api, seed003):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    r = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2024&to_year=2024")
    year = r.json["years"][0]
    assert year["total"] is None
    assert "Indexvärde saknas: OPI 2024." in year["missing"]


def test_preliminary_value_marks_the_year_preliminary(api, seed003):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    assert (
        finance.put(
            "/index-series/OPI/years/2024", {"percent": "2.9", "status": "preliminary"}
        ).status_code
        == 200
    )
    r = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2024")
    assert r.json["years"][0]["preliminary"] is True
    assert r.json["years"][0]["total"] is not None


def test_index_series_history_keeps_preliminary_then_final(api, opi):
    r = api("reader").get("/index-series/OPI")
    assert r.status_code == 200
    years = {y["year"]: y for y in r.json["years"]}
    assert years[2023] == {"year": 2023, "percent": "4.6", "status": "final"}
    assert years[2022]["percent"] == "1.9"
    h2023 = [h for h in r.json["history"] if h["year"] == 2023]
    assert [(h["old_percent"], h["new_percent"], h["new_status"]) for h in h2023] == [
        ("3.5", "4.6", "final"),
        (None, "3.5", "preliminary"),
    ]


def test_create_series_and_enter_values(api, db):
    finance = api("finance")
    r = finance.post("/index-series", {"code": "LUND-PK", "name": "Lunds priskompensation"})
    assert r.status_code == 201
    assert finance.post("/index-series", {"code": "LUND-PK", "name": "igen"}).status_code == 422
    r = finance.put("/index-series/LUND-PK/years/2024", {"percent": "2,5", "status": "final"})
    assert r.json == {"code": "LUND-PK", "year": 2024, "percent": "2.5", "status": "final"}
    assert (
        finance.put(
            "/index-series/NOPE/years/2024", {"percent": "1", "status": "final"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {"percent": "abc", "status": "final"},
        {"percent": "-50.1", "status": "final"},
        {"percent": "100.5", "status": "final"},
        {"percent": "2", "status": "maybe"},
        {"percent": "1e2", "status": "final"},
        {"percent": "1_0", "status": "final"},
        {"percent": "\u0663", "status": "final"},  # an Arabic-Indic 3
    ],
)
def test_bad_index_values_are_refused_and_nothing_saved(api, opi, body):
    finance = api("finance")
    r = finance.put("/index-series/OPI/years/2030", body)
    assert r.status_code == 422
    assert r.json["error"]["fields"]
    years = [y["year"] for y in finance.get("/index-series/OPI").json["years"]]
    assert 2030 not in years


def test_index_and_grant_writes_need_edit_index(api, opi):
    editor = api("editor")
    assert (
        editor.put("/index-series/OPI/years/2024", {"percent": "1", "status": "final"}).status_code
        == 403
    )
    assert editor.put("/grant-rates/2024", {"amount_per_fte": "450000"}).status_code == 403
    assert editor.post("/index-series", {"code": "X", "name": "X"}).status_code == 403


def test_grant_rate_enters_statsbidrag_and_net(api, seed003):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    r = finance.put("/grant-rates/2021", {"amount_per_fte": "402638"})
    assert r.json == {"year": 2021, "amount_per_fte": "402638.00"}
    year = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2021").json["years"][0]
    assert year["statsbidrag"] == "2415828.00"
    assert year["net"] == "2153858.00"
    assert finance.put("/grant-rates/2021", {"amount_per_fte": "-1"}).status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "12,345"}, "amount"),
        ({"first_adjusted_year": 2019}, "first_adjusted_year"),
        ({"first_adjusted_year": 2018}, "first_adjusted_year"),
        ({"index_series": "NOPE"}, "index_series"),
        ({"rounding": "sometimes"}, "rounding"),
        ({"label": ""}, "label"),
    ],
)
def test_bad_compensation_lines_are_refused(api, seed003, change, field):
    body = {
        "label": "PO",
        "amount": "100",
        "price_level_year": 2019,
        "index_series": "OPI",
        "first_adjusted_year": 2021,
        "rounding": "final",
        **change,
    }
    finance = api("finance")
    r = finance.post(f"/agreements/{seed003.id}/compensation-items", body)
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert finance.get(f"/agreements/{seed003.id}/compensation-items").json["items"] == []


def test_float_amount_is_malformed(api, seed003):
    r = api("finance").post(
        f"/agreements/{seed003.id}/compensation-items",
        {"label": "x", "amount": 1.5, "price_level_year": 2019},
    )
    assert r.status_code == 400


def test_compensation_lines_need_edit_compensation(api, seed003):
    r = api("reader").post(
        f"/agreements/{seed003.id}/compensation-items",
        {"label": "x", "amount": "1", "price_level_year": 2019},
    )
    assert r.status_code == 403


@pytest.fixture
def seed001(factory, opi):
    orgs = [
        factory.organisation("Haninge kommun"),
        factory.organisation("Tyresö kommun"),
        factory.organisation("Nynäshamns kommun"),
        factory.organisation("Samordningsförbundet Östra Södertörn", kind="samordningsforbund"),
    ]
    agreement = factory.agreement(
        parties_=[(o, "part") for o in orgs],
        kind="overenskommelse",
        title="PO Östra Södertörn",
        start_date=__import__("datetime").date(2019, 1, 1),
        end_date=__import__("datetime").date(2020, 12, 31),
        invoicing="yearly",
        invoicing_party_id=orgs[0].id,
    )
    return agreement, orgs


def test_cost_shares_split_net_cost_to_ore(api, seed001):
    agreement, orgs = seed001
    finance = api("finance")
    r = finance.post(
        f"/agreements/{agreement.id}/compensation-items",
        {"label": "PO", "amount": "100000", "price_level_year": 2019, "index_series": None},
    )
    assert r.status_code == 201
    shares = [
        {"organisation_id": orgs[0].id, "share": "1/3"},
        {"organisation_id": orgs[1].id, "share": "1/3"},
        {"organisation_id": orgs[2].id, "share": "1/3"},
        {"organisation_id": orgs[3].id, "share": "0"},
    ]
    r = finance.put(f"/agreements/{agreement.id}/cost-shares", shares)
    assert r.status_code == 200, r.json
    assert r.json["items"][0]["share"] == "1/3"
    # A share that a decimal string can hold is written as one (API.md: "0.25").
    decimal_shares = [
        {"organisation_id": orgs[0].id, "share": "0.3333"},
        {"organisation_id": orgs[1].id, "share": "0.3333"},
        {"organisation_id": orgs[2].id, "share": "0.3334"},
        {"organisation_id": orgs[3].id, "share": "0"},
    ]
    r = finance.put(f"/agreements/{agreement.id}/cost-shares", decimal_shares)
    assert [i["share"] for i in r.json["items"]] == ["0.3333", "0.3333", "0.3334", "0"]
    r = finance.put(f"/agreements/{agreement.id}/cost-shares", shares)
    year = finance.get(f"/agreements/{agreement.id}/compensation?from_year=2019").json["years"][0]
    amounts = [s["amount"] for s in year["shares"]]
    assert amounts == ["33333.34", "33333.33", "33333.33", "0.00"]


@pytest.mark.parametrize(
    "shares",
    [
        ["1/3", "1/3", "1/4", "1/12"],  # adds up to 1 → accepted (control)
    ],
)
def test_fractions_adding_to_one_are_accepted(api, seed001, shares):
    agreement, orgs = seed001
    body = [{"organisation_id": o.id, "share": s} for o, s in zip(orgs, shares, strict=True)]
    assert api("finance").put(f"/agreements/{agreement.id}/cost-shares", body).status_code == 200


def test_shares_not_adding_to_one_are_refused(api, seed001):
    agreement, orgs = seed001
    finance = api("finance")
    body = [{"organisation_id": o.id, "share": "0.33"} for o in orgs[:3]]
    r = finance.put(f"/agreements/{agreement.id}/cost-shares", body)
    assert r.status_code == 422
    assert "inte exakt 1" in r.json["error"]["message"]


def test_share_for_a_non_party_is_refused(api, seed001, factory):
    agreement, orgs = seed001
    stranger = factory.organisation("Botkyrka kommun")
    body = [
        {"organisation_id": orgs[0].id, "share": "1/2"},
        {"organisation_id": stranger.id, "share": "1/2"},
    ]
    r = api("finance").put(f"/agreements/{agreement.id}/cost-shares", body)
    assert r.status_code == 422
    assert "inte part" in str(r.json["error"]["fields"])


def test_seed001_yearly_invoice_from_haninge_to_each_party(api, seed001):
    agreement, orgs = seed001
    finance = api("finance")
    finance.post(
        f"/agreements/{agreement.id}/compensation-items",
        {"label": "PO", "amount": "440000", "price_level_year": 2019, "index_series": None},
    )
    body = [{"organisation_id": o.id, "share": "1/4"} for o in orgs]
    assert finance.put(f"/agreements/{agreement.id}/cost-shares", body).status_code == 200
    r = finance.get(f"/agreements/{agreement.id}/instalments?year=2019")
    assert r.json["annual"] == "440000.00"
    assert r.json["instalments"] == [{"period": "year", "amount": "440000.00"}]
    assert r.json["invoicing_party_id"] == orgs[0].id
    assert [p["annual"] for p in r.json["parties"]] == ["110000.00"] * 4


def test_monthly_instalments_add_up_exactly(api, seed003):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    r = finance.get(f"/agreements/{seed003.id}/instalments?year=2021")
    assert r.json["annual"] == "4569686.00"
    amounts = [Decimal(i["amount"]) for i in r.json["instalments"]]
    assert len(amounts) == 12
    assert amounts[0] == Decimal("380807.17")
    assert sum(amounts) == Decimal("4569686.00")


def test_finance_compensation_lists_every_agreement_and_the_sum(api, seed003, seed001):
    finance = api("finance")
    _add_seed003_lines(finance, seed003.id)
    r = finance.get("/finance/compensation?year=2021")
    assert r.status_code == 200
    by_id = {i["agreement_id"]: i for i in r.json["items"]}
    assert by_id[seed003.id]["total"] == "4569686.00"
    assert seed001[0].id not in by_id  # 2019–2020 only: not running in 2021
    assert r.json["total"] == "4569686.00"


def test_compensation_without_year_is_malformed(api, seed003):
    assert api("reader").get(f"/agreements/{seed003.id}/compensation").status_code == 400


def test_a_series_code_differing_only_in_case_is_refused(api, opi):
    r = api("finance").post("/index-series", {"code": "opi", "name": "Look-alike"})
    assert r.status_code == 422
    assert "OPI" in r.json["error"]["fields"]["code"]


def test_factors_are_exact_over_long_chains(api, seed003):
    finance = api("finance")
    assert finance.post("/index-series", {"code": "D3", "name": "Tre decimaler"}).status_code == 201
    percents = {2021: "2.345", 2022: "1.234", 2023: "3.456", 2024: "2.718", 2025: "1.414"}
    for year, percent in {**percents, 2026: "1.732"}.items():
        r = finance.put(f"/index-series/D3/years/{year}", {"percent": percent, "status": "final"})
        assert r.status_code == 200, r.json
    line = {"label": "Rad", "amount": "4107597", "price_level_year": 2020, "index_series": "D3"}
    r = finance.post(f"/agreements/{seed003.id}/compensation-items", line)
    assert r.status_code == 201, r.json
    year = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2026&to_year=2026").json
    item = year["years"][0]["items"][0]
    # 1.02345 × 1.01234 × 1.03456 × 1.02718 × 1.01414 × 1.01732, all 30 decimals kept.
    assert item["factor"] == "1.13592788399990600292550328832"
    assert item["amount"] == "4665934.00"  # 4 665 933.9685… rounded once


def test_three_centuries_of_indexation_compute_exactly(api, seed003):
    finance = api("finance")
    finance.post("/index-series", {"code": "LONG", "name": "Lång"})
    for year in range(1901, 2101):
        finance.put(f"/index-series/LONG/years/{year}", {"percent": "12.345", "status": "final"})
    line = {"label": "Rad", "amount": "1.00", "price_level_year": 1900, "index_series": "LONG"}
    assert finance.post(f"/agreements/{seed003.id}/compensation-items", line).status_code == 201
    r = finance.get(f"/agreements/{seed003.id}/compensation?from_year=2100&to_year=2100")
    assert r.status_code == 200, r.json
    factor = Decimal(r.json["years"][0]["items"][0]["factor"])
    assert factor == _power("1.12345", 200)  # 1 000 decimals, none lost
    rounded = factor.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert r.json["years"][0]["items"][0]["amount"] == f"{rounded}.00"


def _power(base: str, n: int) -> Decimal:
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 5000
        return Decimal(base) ** n


def test_years_outside_the_term_are_marked_and_not_invoiced(api, factory, db):
    finance = api("finance")
    iop = factory.agreement(kind="iop", start_date=date(2023, 1, 1), end_date=date(2024, 12, 31))
    line = {"label": "Bidrag", "amount": "3000000", "price_level_year": 2023, "index_series": None}
    assert finance.post(f"/agreements/{iop.id}/compensation-items", line).status_code == 201
    years = finance.get(f"/agreements/{iop.id}/compensation?from_year=2022&to_year=2025").json
    assert [(y["year"], y["in_force"], y["total"]) for y in years["years"]] == [
        (2022, False, "3000000.00"),  # what it would cost, marked as outside the term
        (2023, True, "3000000.00"),
        (2024, True, "3000000.00"),
        (2025, False, "3000000.00"),
    ]
    r = finance.get(f"/agreements/{iop.id}/instalments?year=2022")
    assert r.status_code == 422 and r.json["error"]["code"] == "not_in_force"
    assert finance.get(f"/agreements/{iop.id}/instalments?year=2023").status_code == 200
    in_overview = {
        year: [
            i["agreement_id"]
            for i in finance.get(f"/finance/compensation?year={year}").json["items"]
        ]
        for year in (2022, 2023, 2024, 2025)
    }
    assert in_overview == {2022: [], 2023: [iop.id], 2024: [iop.id], 2025: []}


def test_the_overview_ends_where_capped_extensions_or_a_notice_end_an_agreement(api, factory, db):
    from app.agreements.lifecycle import give_notice

    finance = api("finance")
    capped = factory.agreement(
        start_date=date(2020, 1, 1),
        end_date=date(2020, 12, 31),
        extension_months=12,
        max_extensions=2,
    )
    open_ended = factory.agreement(
        start_date=date(2020, 1, 1), end_date=None, notice_period_months=6
    )
    for a in (capped, open_ended):
        line = {"label": "Rad", "amount": "1000", "price_level_year": 2020, "index_series": None}
        assert finance.post(f"/agreements/{a.id}/compensation-items", line).status_code == 201
    org = open_ended.parties[0].organisation_id
    give_notice(
        open_ended,
        {"organisation_id": org, "received_date": date(2023, 1, 10), "written": True},
        None,
        date(2023, 1, 10),
    )
    db.session.commit()

    def listed(year):
        r = finance.get(f"/finance/compensation?year={year}")
        return {i["agreement_id"] for i in r.json["items"]}

    # Two extensions of a year after 2020: the last day is 2022-12-31.
    assert capped.id in listed(2022) and capped.id not in listed(2023)
    # Notice received 2023-01-10 with six months: the agreement ends 2023-07-10.
    assert open_ended.id in listed(2023) and open_ended.id not in listed(2024)


@pytest.mark.parametrize(
    "path",
    [
        "/finance/compensation?year=-1",
        "/finance/compensation?year=99999",
        "/agreements/{id}/instalments?year=99999",
    ],
)
def test_a_year_out_of_reach_is_refused_under_its_own_name(api, seed003, path):
    r = api("reader").get(path.format(id=seed003.id))
    assert r.status_code == 422
    assert list(r.json["error"]["fields"]) == ["year"]
    assert "Året måste vara mellan 1900 och" in r.json["error"]["fields"]["year"]
