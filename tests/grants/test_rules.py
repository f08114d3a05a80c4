"""The pure rules of the yearly cycle: the split of a decision by FTE to the krona, the
statsbidrag basis, and the validation of a year's statistics."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.grants.rules import (
    EXPECTED,
    GRANTED,
    StatisticsInput,
    split_by_fte,
    statsbidrag,
    validate_statistics,
)

ftes = st.lists(
    st.decimals(min_value=0, max_value=50, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=8,
).filter(lambda xs: sum(xs) > 0)


@given(total=st.integers(min_value=0, max_value=10**10), weights=ftes)
def test_split_parts_add_up_to_the_decision_to_the_krona(total, weights):
    parts = split_by_fte(Decimal(total), list(enumerate(weights)))
    assert sum(p for _, p in parts) == Decimal(total)
    whole = sum(weights)
    for (_, part), w in zip(parts, weights, strict=True):
        assert part == part.to_integral_value()  # whole kronor
        exact = Decimal(total) * w / whole
        assert abs(part - exact) < 1  # each part within a krona of its exact share
        if w == 0:
            assert part == 0


def test_split_gives_the_leftover_krona_to_the_largest_remainder():
    # 1 000 001 kr over 6 and 3 FTE: exact 666 667.33 and 333 333.67; floors 666 667 and
    # 333 333 leave 1 kr, which goes to the larger remainder (0.67): 666 667 + 333 334.
    parts = split_by_fte(Decimal("1000001"), [("a", Decimal("6")), ("b", Decimal("3"))])
    assert parts == [("a", Decimal("666667")), ("b", Decimal("333334"))]


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (Decimal("10.50"), [("a", Decimal(1))], "hela kronor"),
        (Decimal("-1"), [("a", Decimal(1))], "negativt"),
        (Decimal("100"), [("a", Decimal(0))], "inga årsarbetare"),
        (Decimal("100"), [], "minst ett"),
    ],
)
def test_split_refuses_what_cannot_be_split(total, weights, message):
    with pytest.raises(ValueError, match=message):
        split_by_fte(total, weights)


def test_statsbidrag_is_expected_until_a_decision_is_recorded():
    # 6 FTE × 402 638 kr = 2 415 828 kr expected.
    assert statsbidrag(Decimal(6), Decimal(402638), None).amount == Decimal("2415828.00")
    assert statsbidrag(Decimal(6), Decimal(402638), None).basis == EXPECTED
    granted = statsbidrag(Decimal(6), Decimal(402638), Decimal("2300000"))
    assert (granted.amount, granted.basis) == (Decimal("2300000"), GRANTED)
    # A recorded decision counts even when no rate was entered for the year.
    assert statsbidrag(Decimal(6), None, Decimal("1")).amount == Decimal("1")
    assert statsbidrag(Decimal(6), None, None).amount is None


def _stats(**kw):
    base = {"persons_women": 100, "persons_men": 90, "persons_other": 7, "new_persons": 40}
    return StatisticsInput(**{**base, **kw})


def test_valid_statistics_have_no_problems():
    stats = _stats(
        ended_persons=30,
        contact_reasons={"Bostad": 20, "Ekonomi": 20},
        end_reasons={"Målen uppnådda": 30},
        by_municipality={1: 172, 2: 25},
    )
    assert validate_statistics(stats, 2021, 2021, None) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"persons_men": -1}, "persons_men"),
        ({"by_municipality": {1: 190, 2: 25}}, "by_municipality"),  # 215 > 197
        ({"contact_reasons": {"Bostad": 41}}, "contact_reasons"),  # > 40 new persons
        ({"ended_persons": 3, "end_reasons": {"Flytt": 4}}, "end_reasons"),
        ({"hours_per_week": Decimal("169")}, "hours_per_week"),
        ({"new_persons": 198}, "new_persons"),
    ],
)
def test_impossible_statistics_name_the_field(changes, field):
    assert field in validate_statistics(_stats(**changes), 2021, 2021, None)


def test_statistics_outside_the_agreement_years_are_refused_on_year():
    assert "year" in validate_statistics(_stats(), 2020, 2021, None)
    assert "year" in validate_statistics(_stats(), 2024, 2021, 2023)
    assert "year" not in validate_statistics(_stats(), 2023, 2021, 2023)
