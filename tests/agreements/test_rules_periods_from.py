"""periods_from: the shortcut past old periods gives exactly what stepping from the start gives."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from app.agreements import rules

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def terms_with_extensions(draw):
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
    end = start + timedelta(days=draw(st.integers(min_value=60, max_value=1500)))
    terms = rules.Terms(
        start_date=start,
        end_date=end,
        notice_period_months=draw(st.integers(min_value=1, max_value=2)),
        extension_months=draw(st.integers(min_value=1, max_value=36)),
        max_extensions=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=30))),
    )
    assume(not rules.validate_terms(terms))
    return terms


@given(terms_with_extensions(), days, st.integers(min_value=0, max_value=2000))
def test_periods_from_skips_exactly_the_periods_that_ended_before_the_day(terms, day, span):
    until = day + timedelta(days=span)
    stepped = [p for p in rules.periods(terms, until) if p.end is None or p.end >= day]
    assert list(rules.periods_from(terms, day, until)) == stepped


def test_period_containing_far_into_a_long_running_agreement_is_the_right_extension():
    # Seed 000: since 2008 with two-year extensions; 2022-06-30 lies in the period 2021–2022.
    terms = rules.Terms(
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        notice_period_months=6,
        extension_months=24,
    )
    period = rules.period_containing(terms, date(2022, 6, 30))
    assert (period.start, period.end, period.number) == (date(2021, 1, 1), date(2022, 12, 31), 6)


def test_periods_from_continues_open_ended_after_the_fixed_term():
    terms = rules.Terms(
        start_date=date(2020, 1, 1),
        end_date=date(2022, 12, 31),
        notice_period_months=6,
        continues_open_ended=True,
    )
    (period,) = rules.periods_from(terms, date(2025, 5, 1), date(2026, 1, 1))
    assert period.open_ended and period.start == date(2023, 1, 1)
