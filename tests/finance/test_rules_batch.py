"""The many-agreement paths give exactly what the one-line rule gives: lines_for_year (shared
factors), lines_total and year_figures (no per-line results)."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.finance import rules
from app.finance.rules import CompensationLine, IndexPoint

SERIES = {
    "OPI": {
        y: IndexPoint(y, Decimal(p), prelim)
        for y, p, prelim in [
            (2019, "2.7", False),
            (2020, "3.0", False),
            (2021, "1.5", False),
            (2022, "1.9", False),
            (2023, "3.5", True),
        ]
    },
    "EMPTY": {},
}

valid_lines = st.builds(
    CompensationLine,
    label=st.just("rad"),
    amount=st.decimals(min_value=0, max_value=10_000_000, places=2),
    price_level_year=st.integers(min_value=2017, max_value=2022),
    series_code=st.sampled_from([None, "OPI", "EMPTY"]),
    first_adjusted_year=st.one_of(st.none(), st.integers(min_value=2019, max_value=2024)),
    rounding=st.sampled_from(["final", "yearly"]),
    from_year=st.one_of(st.none(), st.integers(min_value=2018, max_value=2025)),
)


lines = valid_lines.filter(lambda line: not line.problems)  # J after P


# 300 × 1.015 = 304.5: a tie, rounded away from zero to 305 (not to the even 304).
TIE = CompensationLine("rad", Decimal(300), 2020, "OPI")
TIE_YEARLY = dataclasses.replace(TIE, rounding="yearly")


@given(st.lists(lines, min_size=1, max_size=12), st.integers(min_value=2016, max_value=2025))
@example([TIE, TIE_YEARLY], 2021)
def test_batched_lines_equal_lines_computed_one_by_one(batch, year):
    cache: rules.FactorCache = {}
    together = rules.lines_for_year(batch, year, SERIES, cache)
    again = rules.lines_for_year(batch, year, SERIES, cache)  # a warm cache changes nothing
    one_by_one = [rules.line_for_year(line, year, SERIES.get(line.series_code)) for line in batch]
    assert together == one_by_one
    assert again == one_by_one


def test_a_float_amount_is_refused_even_after_an_equal_decimal_was_accepted():
    good = CompensationLine("rad", Decimal("100"), 2019, "OPI")
    bad = CompensationLine("rad", 100.0, 2019, "OPI")
    rules.lines_for_year([good], 2021, SERIES)
    try:
        rules.lines_for_year([bad], 2021, SERIES)
    except (ValueError, TypeError) as exc:
        assert "flyttal" in str(exc) or "float" in str(exc)
    else:
        raise AssertionError("a float amount was accepted")


SHARE_SETS = [
    (),
    ((1, Fraction(1)),),
    ((1, Fraction(1, 3)), (2, Fraction(2, 3))),
    ((1, Fraction(1, 2)), (2, Fraction(1, 4)), (3, Fraction(1, 4))),
]


@given(
    st.lists(lines, max_size=8),
    st.integers(min_value=2016, max_value=2025),
    st.sampled_from([None, Decimal(0), Decimal("1.5"), Decimal(6)]),
    st.sampled_from([{}, {y: Decimal("402638") for y in range(2016, 2026)}]),
    st.sampled_from(SHARE_SETS),
)
@example([TIE], 2021, None, {}, ())
@example([TIE_YEARLY], 2021, None, {}, ())
def test_year_figures_are_compute_year_without_the_lines(batch, year, fte, rates, shares):
    cache: rules.FactorCache = {}
    full = rules.compute_year(batch, year, SERIES, fte, rates, shares)
    lean = rules.year_figures(batch, year, SERIES, fte, rates, shares, cache)
    again = rules.year_figures(batch, year, SERIES, fte, rates, shares, cache)
    names = [f.name for f in dataclasses.fields(rules.YearFigures)]
    assert [getattr(lean, n) for n in names] == [getattr(full, n) for n in names]
    assert again == lean
    total, preliminary, missing = rules.lines_total(batch, year, SERIES)
    assert (total, preliminary) == (full.total, full.preliminary)
    assert missing == [m for m in full.missing if isinstance(m, rules.MissingValue)]


def test_a_tie_is_rounded_away_from_zero_on_every_path():
    assert rules.line_for_year(TIE, 2021, SERIES["OPI"]).amount == 305
    assert rules.lines_for_year([TIE, TIE_YEARLY], 2021, SERIES)[0].amount == 305
    assert rules.lines_total([TIE, TIE_YEARLY], 2021, SERIES)[0] == 610
    assert rules.year_figures([TIE], 2021, SERIES).total == 305


def test_year_figures_refuse_what_compute_year_refuses():
    bad = CompensationLine("rad", Decimal("-1"), 2019, "OPI")
    for compute in (rules.compute_year, rules.year_figures):
        with pytest.raises(ValueError, match="negativt"):
            compute([bad], 2021, SERIES)
    good = [CompensationLine("rad", Decimal("100"), 2019, "OPI")]
    for compute in (rules.compute_year, rules.year_figures):
        with pytest.raises(ValueError, match="exakt 1"):
            compute(good, 2021, SERIES, shares=[(1, Fraction(1, 2))])


def test_an_agreement_without_lines_has_an_unknown_cost_not_zero():
    for compute in (rules.compute_year, rules.year_figures):
        result = compute([], 2023, SERIES, Decimal(2), {2023: Decimal("402638")})
        assert result.total is None and result.net is None
        assert result.statsbidrag == Decimal("805276.00")
        assert [m.message for m in result.missing] == ["Ingen ersättning registrerad."]
    assert rules.lines_total([], 2023, SERIES) == (None, False, [])


def test_a_line_from_a_later_year_is_not_part_of_earlier_years():
    """A tilläggsavtal's line (a call-off among them) counts from its year; the FTE of each
    year is the caller's (the terms in force that year)."""
    base = CompensationLine("Bas", Decimal(600), 2020, None)
    called = CompensationLine("Avrop", Decimal(100), 2020, None, from_year=2023)
    rates = {y: Decimal(10) for y in (2022, 2023)}
    for compute in (rules.compute_year, rules.year_figures):
        y2022 = compute([base, called], 2022, SERIES, Decimal(6), rates)
        y2023 = compute([base, called], 2023, SERIES, Decimal(7), rates)
        assert (y2022.total, y2022.statsbidrag) == (600, 60)
        assert (y2023.total, y2023.statsbidrag) == (700, 70)
    assert rules.line_for_year(called, 2022, None).amount == 0
