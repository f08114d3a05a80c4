"""Finance and indexation services: shipping defaults, the demo money, exact shares, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from app.core.errors import ValidationError
from app.finance import services
from app.finance.demo import load_demo_finance
from app.finance.models import CostShare
from app.grants.models import GrantRate
from app.indexation import services as indexation
from app.indexation.models import IndexValueChange


def test_ensure_default_series_is_idempotent(db):
    indexation.ensure_default_series()
    indexation.ensure_default_series()
    db.session.commit()
    opi = indexation.get_series("OPI")
    assert {v.year: (v.percent, v.status) for v in opi.values}[2023] == (Decimal("4.600"), "final")
    assert len(opi.values) == 9
    assert indexation.get_series("KPI").values == []
    changes = db.session.execute(db.select(IndexValueChange)).scalars().all()
    assert len(changes) == 10  # 9 years + the 2023 preliminary → final change
    rates = {r.year: r.amount_per_fte for r in db.session.execute(db.select(GrantRate)).scalars()}
    assert rates[2020] == Decimal("402638.00")
    assert rates[2017] == Decimal("302400.00")
    assert 2021 not in rates


def test_value_unchanged_is_not_recorded_twice(db):
    indexation.ensure_default_series()
    opi = indexation.get_series("OPI")
    before = len(opi.changes)
    indexation.set_value(opi, 2022, "1.9", "final")
    db.session.expire_all()
    assert len(indexation.get_series("OPI").changes) == before


@pytest.fixture
def seeds(factory, db):
    haninge, tyreso, nynashamn, sf = (
        factory.organisation("Haninge kommun"),
        factory.organisation("Tyresö kommun"),
        factory.organisation("Nynäshamns kommun"),
        factory.organisation("Samordningsförbundet Östra Södertörn", kind="samordningsforbund"),
    )
    lund = factory.organisation("Lunds kommun")
    agreements = {
        "001": factory.agreement(
            parties_=[(haninge, "part"), (tyreso, "part"), (nynashamn, "part"), (sf, "part")],
            kind="overenskommelse",
            start_date=date(2019, 1, 1),
            end_date=date(2020, 12, 31),
        ),
        "003": factory.agreement(kind="verksamhetsuppdrag", end_date=None, notice_period_months=12),
        "004": factory.agreement(
            parties_=[
                (lund, "bestallare"),
                (factory.organisation("PO Skåne", kind="forening"), "part"),
            ],
            kind="iop",
            start_date=date(2023, 1, 1),
            end_date=date(2024, 12, 31),
        ),
    }
    return agreements, haninge


def test_demo_finance_loads_the_seeds_idempotently(seeds, db):
    agreements, haninge = seeds
    load_demo_finance(agreements)
    load_demo_finance(agreements)
    db.session.commit()
    a003 = agreements["003"]
    assert a003.fte == Decimal("6.00") and a003.invoicing == "monthly"
    assert len(services.items_of(a003)) == 2
    y2023 = services.compensation_years(a003, 2023, 2023)[0]
    assert y2023.total == Decimal("4870709")
    a004 = agreements["004"]
    y2024 = services.compensation_years(a004, 2024, 2024)[0]
    assert y2024.total is None
    assert [m.message for m in y2024.missing] == ["Indexvärde saknas: LUND-PK 2024."]
    a001 = agreements["001"]
    assert a001.invoicing == "yearly" and a001.invoicing_party_id == haninge.id
    y2019 = services.compensation_years(a001, 2019, 2019)[0]
    assert [amount for _k, amount in y2019.shares] == [Decimal("110000.00")] * 4
    assert services.party_names(a001)[haninge.id] == "Haninge kommun"


def test_a_third_is_stored_exactly(seeds, db):
    agreements, _h = seeds
    a = agreements["001"]
    ids = [p.organisation_id for p in a.parties]
    services.set_cost_shares(
        a,
        [
            {"organisation_id": ids[0], "share": "1/3"},
            {"organisation_id": ids[1], "share": "1/3"},
            {"organisation_id": ids[2], "share": "1/3"},
            {"organisation_id": ids[3], "share": "0"},
        ],
        None,
    )
    db.session.commit()
    db.session.expire_all()
    rows = db.session.execute(db.select(CostShare).order_by(CostShare.id)).scalars().all()
    assert [r.fraction for r in rows] == [Fraction(1, 3)] * 3 + [Fraction(0)]


def test_refused_shares_leave_the_old_ones(seeds, db):
    agreements, _h = seeds
    a = agreements["001"]
    ids = [p.organisation_id for p in a.parties]
    services.set_cost_shares(a, [{"organisation_id": i} for i in ids], None, method="equal")
    db.session.commit()
    with pytest.raises(ValidationError):
        services.set_cost_shares(
            a,
            [
                {"organisation_id": ids[0], "share": "0.5"},
                {"organisation_id": ids[1], "share": "0.4"},
            ],
            None,
        )
    db.session.rollback()
    assert [s.fraction for s in services.shares_of(a)] == [Fraction(1, 4)] * 4


def test_key_shares_follow_population(seeds, db):
    agreements, _h = seeds
    a = agreements["004"]
    ids = [p.organisation_id for p in a.parties]
    services.set_cost_shares(
        a,
        [
            {"organisation_id": ids[0], "key_value": "3"},
            {"organisation_id": ids[1], "key_value": "1"},
        ],
        None,
        method="key",
        key_label="klienter",
    )
    assert [s.fraction for s in services.shares_of(a)] == [Fraction(3, 4), Fraction(1, 4)]
    assert services.shares_of(a)[0].key_label == "klienter"


def test_money_changes_are_audited_and_bump_the_version(seeds, db):
    agreements, _h = seeds
    a = agreements["003"]
    version = a.version
    services.add_item(a, {"label": "PO", "amount": "100", "price_level_year": 2020}, None)
    db.session.commit()
    assert a.version == version + 1
    assert a.audit_entries[0].action == "compensation_added"


def test_overview_groups_by_kind_and_party(seeds, db):
    agreements, haninge = seeds
    load_demo_finance(agreements)
    db.session.commit()
    data = services.overview(2019)
    kinds = {k: t for k, t, _n in data.by_kind}
    assert kinds["overenskommelse"] == Decimal("440000")
    assert dict(data.by_party)["Haninge kommun"] == Decimal("110000.00")
    assert data.total == Decimal("440000")  # 003 starts 2021, 004 in 2023: not in 2019


def test_bad_year_range_is_refused(seeds):
    agreements, _h = seeds
    with pytest.raises(ValidationError):
        services.compensation_years(agreements["003"], 2025, 2020)
