"""lines_for_year: computing many lines with shared factors gives exactly what computing each
line on its own gives."""

from decimal import Decimal

from hypothesis import given
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

lines = st.builds(
    CompensationLine,
    label=st.just("rad"),
    amount=st.decimals(min_value=0, max_value=10_000_000, places=2),
    price_level_year=st.integers(min_value=2017, max_value=2022),
    series_code=st.sampled_from([None, "OPI", "EMPTY"]),
    first_adjusted_year=st.none(),
    rounding=st.sampled_from(["final", "yearly"]),
)


@given(st.lists(lines, min_size=1, max_size=12), st.integers(min_value=2016, max_value=2025))
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
