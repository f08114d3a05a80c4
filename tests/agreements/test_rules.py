"""Tests for the lifecycle rules of an agreement in app.agreements.rules (DOMAIN.md, "Dates").

The seed agreements are written out as Terms below. Seed 000 says only that the agreement has run
since 2008-01-01 and extends two years at a time, so that one period ends 2020-12-31 and the next
2022-12-31; a three-year initial term to 2010-12-31 followed by 24-month extensions is the reading
that fits. Its notice period is taken to be six months. Seeds 001 and 004 state no notice
period; three months is assumed for both.
"""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.agreements.rules import (
    CONTINUATION,
    AgreementDates,
    Period,
    RecurrenceRule,
    RuleViolation,
    Terms,
    agreement_dates,
    final_end,
    last_notice_date,
    lifecycle_status,
    notice_runs_until,
    obligation_occurrences,
    period_containing,
    periods,
    termination_effective_end,
    validate_recurrence,
    validate_terms,
)
from app.core.dates import add_months

ONE_DAY = timedelta(days=1)

SEED_000_ATVIDABERG = Terms(
    start_date=date(2008, 1, 1),
    end_date=date(2010, 12, 31),
    notice_period_months=6,
    extension_months=24,
)
SEED_001_OSTRA_SODERTORN = Terms(
    start_date=date(2019, 1, 1),
    end_date=date(2020, 12, 31),
    notice_period_months=3,
)
SEED_003_LEANLINK = Terms(
    start_date=date(2021, 1, 1),
    end_date=None,
    notice_period_months=12,
    notice_must_be_written=True,
)
SEED_004_PO_SKANE = Terms(
    start_date=date(2023, 1, 1),
    end_date=date(2024, 12, 31),
    notice_period_months=3,
)
CAPPED = Terms(
    start_date=date(2020, 1, 1),
    end_date=date(2021, 12, 31),
    notice_period_months=3,
    extension_months=12,
    max_extensions=2,
)
THEN_TILLS_VIDARE = Terms(
    start_date=date(2020, 1, 1),
    end_date=date(2022, 12, 31),
    notice_period_months=6,
    continues_open_ended=True,
)


def ends(terms: Terms, until: date) -> list[date | None]:
    return [p.end for p in periods(terms, until)]


# --- Notice and the last day for notice --------------------------------------------------------


@pytest.mark.parametrize(
    ("period_end", "months", "expected"),
    [
        (date(2022, 12, 31), 6, date(2022, 6, 30)),
        (date(2024, 6, 30), 3, date(2024, 3, 31)),
        (date(2025, 4, 29), 2, date(2025, 2, 28)),
        (date(2024, 2, 29), 1, date(2024, 1, 31)),
        (date(2025, 2, 28), 12, date(2024, 2, 29)),
        (date(2025, 12, 31), 12, date(2024, 12, 31)),
    ],
)
def test_last_notice_date_is_the_latest_day_whose_notice_runs_out_by_the_end(
    period_end, months, expected
):
    terms = Terms(date(2000, 1, 1), period_end, notice_period_months=months)
    assert last_notice_date(period_end, terms) == expected


def test_notice_from_march_31_with_three_months_runs_to_june_30():
    terms = Terms(date(2024, 1, 1), None, notice_period_months=3)
    assert notice_runs_until(date(2024, 3, 31), terms) == date(2024, 6, 30)


def test_notice_from_march_1_with_two_months_runs_past_april_29():
    terms = Terms(date(2025, 1, 1), date(2025, 4, 29), notice_period_months=2)
    assert notice_runs_until(date(2025, 3, 1), terms) == date(2025, 5, 1)
    assert notice_runs_until(date(2025, 2, 28), terms) == date(2025, 4, 28)


def test_notice_in_days_runs_that_many_days_and_the_deadline_is_counted_back():
    terms = Terms(date(2024, 1, 1), date(2024, 12, 31), notice_period_days=90)
    assert notice_runs_until(date(2024, 10, 2), terms) == date(2024, 12, 31)
    assert last_notice_date(date(2024, 12, 31), terms) == date(2024, 10, 2)


def test_notice_in_days_on_a_fixed_term_ends_it_at_the_period_end():
    terms = Terms(date(2024, 1, 1), date(2024, 12, 31), notice_period_days=90)
    on_time = termination_effective_end(terms, date(2024, 10, 2), written=True)
    assert (on_time.effective_end, on_time.late) == (date(2024, 12, 31), False)
    assert termination_effective_end(terms, date(2024, 10, 3), written=True).late


month_ends = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))


@given(period_end=month_ends, months=st.integers(min_value=1, max_value=60))
def test_notice_on_the_last_day_for_notice_runs_out_in_time_and_a_day_later_does_not(
    period_end, months
):
    terms = Terms(date(1900, 1, 1), period_end, notice_period_months=months)
    deadline = last_notice_date(period_end, terms)
    assert notice_runs_until(deadline, terms) <= period_end
    assert notice_runs_until(deadline + ONE_DAY, terms) > period_end


@given(period_end=month_ends, notice_days=st.integers(min_value=1, max_value=1000))
def test_notice_in_days_on_the_last_day_for_notice_runs_out_exactly_at_the_end(
    period_end, notice_days
):
    terms = Terms(date(1900, 1, 1), period_end, notice_period_days=notice_days)
    deadline = last_notice_date(period_end, terms)
    assert notice_runs_until(deadline, terms) == period_end
    assert notice_runs_until(deadline + ONE_DAY, terms) > period_end


# --- Seed 000: Linköping and Åtvidaberg, extends two years at a time ---------------------------


def test_seed_000_extends_two_years_at_a_time_to_2022_12_31():
    assert ends(SEED_000_ATVIDABERG, date(2022, 12, 31))[-3:] == [
        date(2018, 12, 31),
        date(2020, 12, 31),
        date(2022, 12, 31),
    ]
    assert final_end(SEED_000_ATVIDABERG) is None


def test_seed_000_last_day_for_notice_before_the_2020_end_is_june_30():
    dates = agreement_dates(SEED_000_ATVIDABERG, date(2020, 3, 1))
    assert dates == AgreementDates(
        current_period_start=date(2019, 1, 1),
        current_period_end=date(2020, 12, 31),
        last_notice_date=date(2020, 6, 30),
        last_notice_business_day=date(2020, 6, 30),
        next_end_if_notice_today=date(2020, 12, 31),
        period_number=5,
        extends_automatically_on=date(2021, 1, 1),
        ended=False,
    )


def test_after_the_deadline_the_next_last_day_for_notice_comes_from_the_next_period_end():
    dates = agreement_dates(SEED_000_ATVIDABERG, date(2020, 7, 1))
    assert dates.current_period_end == date(2020, 12, 31)
    assert dates.last_notice_date == date(2022, 6, 30)
    assert dates.next_end_if_notice_today == date(2022, 12, 31)


def test_after_an_extension_the_last_day_for_notice_is_computed_from_the_new_period_end():
    dates = agreement_dates(SEED_000_ATVIDABERG, date(2021, 1, 1))
    assert (dates.current_period_start, dates.current_period_end) == (
        date(2021, 1, 1),
        date(2022, 12, 31),
    )
    assert dates.last_notice_date == date(2022, 6, 30)
    assert dates.extends_automatically_on == date(2023, 1, 1)
    assert lifecycle_status(SEED_000_ATVIDABERG, date(2021, 1, 1), "decided") == "extended"


def test_notice_on_the_last_day_for_notice_ends_the_current_period():
    outcome = termination_effective_end(SEED_000_ATVIDABERG, date(2020, 6, 30), written=True)
    assert outcome.effective_end == date(2020, 12, 31)
    assert not outcome.late
    assert outcome.last_notice_date == date(2020, 6, 30)
    assert outcome.period == Period(date(2019, 1, 1), date(2020, 12, 31), 5, False)


def test_notice_after_deadline_rolls_to_next_period():
    outcome = termination_effective_end(SEED_000_ATVIDABERG, date(2020, 7, 1), written=True)
    assert outcome.effective_end == date(2022, 12, 31)
    assert outcome.late
    assert outcome.period.end == date(2020, 12, 31)


def test_seed_000_in_its_initial_term_is_in_force():
    assert lifecycle_status(SEED_000_ATVIDABERG, date(2009, 5, 1), "decided") == "in_force"


# --- Seed 003: Leanlink, tills vidare with twelve months' written notice ------------------------


def test_seed_003_open_ended_has_no_period_end_and_no_last_day_for_notice():
    dates = agreement_dates(SEED_003_LEANLINK, date(2024, 3, 15))
    assert dates == AgreementDates(
        current_period_start=date(2021, 1, 1),
        current_period_end=None,
        last_notice_date=None,
        last_notice_business_day=None,
        next_end_if_notice_today=date(2025, 3, 15),
        period_number=0,
        extends_automatically_on=None,
        ended=False,
    )
    assert final_end(SEED_003_LEANLINK) is None
    assert list(periods(SEED_003_LEANLINK, date(2030, 1, 1))) == [
        Period(date(2021, 1, 1), None, 0, True)
    ]


def test_seed_003_written_notice_ends_it_twelve_months_later():
    outcome = termination_effective_end(SEED_003_LEANLINK, date(2024, 2, 29), written=True)
    assert outcome.effective_end == date(2025, 2, 28)
    assert not outcome.late
    assert outcome.last_notice_date is None


def test_unwritten_notice_is_refused_where_the_agreement_asks_for_writing():
    with pytest.raises(RuleViolation) as raised:
        termination_effective_end(SEED_003_LEANLINK, date(2024, 3, 15), written=False)
    assert raised.value.code == "notice_not_written"
    assert raised.value.field == "written"
    assert "skriftlig" in raised.value.message


def test_unwritten_notice_is_accepted_where_writing_is_not_required():
    outcome = termination_effective_end(SEED_004_PO_SKANE, date(2024, 5, 1), written=False)
    assert outcome.effective_end == date(2024, 12, 31)


def test_notice_received_before_the_start_is_refused():
    with pytest.raises(RuleViolation) as raised:
        termination_effective_end(SEED_003_LEANLINK, date(2020, 12, 31), written=True)
    assert raised.value.code == "notice_before_start"
    assert raised.value.field == "received_date"
    assert "2021-01-01" in raised.value.message


def test_open_ended_notice_ends_at_month_end_where_the_agreement_says_so():
    terms = Terms(date(2021, 1, 1), None, notice_period_months=3, notice_ends_at_month_end=True)
    outcome = termination_effective_end(terms, date(2024, 3, 10), written=True)
    assert outcome.effective_end == date(2024, 6, 30)


def test_open_ended_notice_in_days_ends_that_many_days_later():
    terms = Terms(date(2021, 1, 1), None, notice_period_days=30)
    outcome = termination_effective_end(terms, date(2024, 12, 15), written=True)
    assert outcome.effective_end == date(2025, 1, 14)


# --- Seed 004 and seed 001: fixed terms without extension --------------------------------------


def test_seed_004_fixed_term_shows_its_last_day_for_notice_until_it_passes():
    dates = agreement_dates(SEED_004_PO_SKANE, date(2024, 9, 30))
    assert dates.last_notice_date == date(2024, 9, 30)
    assert dates.extends_automatically_on is None
    assert final_end(SEED_004_PO_SKANE) == date(2024, 12, 31)


def test_fixed_term_has_no_last_day_for_notice_once_it_has_passed():
    dates = agreement_dates(SEED_004_PO_SKANE, date(2024, 10, 1))
    assert dates.last_notice_date is None
    assert dates.last_notice_business_day is None
    assert dates.current_period_end == date(2024, 12, 31)
    # Notice is still accepted; the term ends when it would have anyway.
    assert dates.next_end_if_notice_today == date(2024, 12, 31)


def test_late_notice_on_a_term_without_extension_ends_it_at_its_end_and_is_marked_late():
    outcome = termination_effective_end(SEED_004_PO_SKANE, date(2024, 11, 15), written=True)
    assert (outcome.effective_end, outcome.late) == (date(2024, 12, 31), True)


def test_seed_004_has_ended_the_day_after_its_end_date():
    dates = agreement_dates(SEED_004_PO_SKANE, date(2025, 1, 1))
    assert dates == AgreementDates(None, None, None, None, None, None, None, ended=True)
    assert lifecycle_status(SEED_004_PO_SKANE, date(2025, 1, 1), "decided") == "ended"
    assert lifecycle_status(SEED_004_PO_SKANE, date(2024, 12, 31), "decided") == "in_force"


def test_notice_received_after_the_agreement_has_ended_is_refused():
    with pytest.raises(RuleViolation) as raised:
        termination_effective_end(SEED_001_OSTRA_SODERTORN, date(2021, 1, 1), written=True)
    assert raised.value.code == "notice_after_end"
    assert raised.value.field == "received_date"


def test_seed_001_is_a_single_fixed_period():
    assert list(periods(SEED_001_OSTRA_SODERTORN, date(2030, 1, 1))) == [
        Period(date(2019, 1, 1), date(2020, 12, 31), 0, False)
    ]
    assert period_containing(SEED_001_OSTRA_SODERTORN, date(2020, 12, 31)) is not None
    assert period_containing(SEED_001_OSTRA_SODERTORN, date(2021, 1, 1)) is None


# --- Before the start ---------------------------------------------------------------------------


def test_before_the_start_the_initial_period_is_shown_and_notice_is_not_yet_possible():
    dates = agreement_dates(SEED_004_PO_SKANE, date(2022, 12, 6))
    assert (dates.current_period_start, dates.current_period_end) == (
        date(2023, 1, 1),
        date(2024, 12, 31),
    )
    assert dates.last_notice_date == date(2024, 9, 30)
    assert dates.next_end_if_notice_today is None
    assert dates.period_number == 0
    assert period_containing(SEED_004_PO_SKANE, date(2020, 1, 1)) == Period(
        date(2023, 1, 1), date(2024, 12, 31), 0, False
    )


def test_signed_agreement_that_has_not_started_is_decided():
    assert lifecycle_status(SEED_004_PO_SKANE, date(2022, 12, 20), "decided") == "decided"


# --- Month ends and leap years -----------------------------------------------------------------


def test_extensions_counted_from_the_day_after_the_first_end_do_not_drift():
    terms = Terms(date(2023, 3, 1), date(2024, 2, 29), notice_period_months=3, extension_months=12)
    assert ends(terms, date(2028, 1, 1)) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_monthly_extensions_from_a_31st_keep_ending_the_day_before_it():
    terms = Terms(date(2023, 12, 31), date(2024, 1, 30), notice_period_days=10, extension_months=1)
    assert ends(terms, date(2024, 5, 15)) == [
        date(2024, 1, 30),
        date(2024, 2, 28),
        date(2024, 3, 30),
        date(2024, 4, 29),
        date(2024, 5, 30),
    ]


def test_a_term_starting_on_the_31st_extends_to_month_ends():
    terms = Terms(date(2024, 1, 31), date(2024, 4, 30), notice_period_months=1, extension_months=3)
    assert ends(terms, date(2025, 2, 1)) == [
        date(2024, 4, 30),
        date(2024, 7, 31),
        date(2024, 10, 31),
        date(2025, 1, 31),
        date(2025, 4, 30),
    ]
    assert last_notice_date(date(2024, 7, 31), terms) == date(2024, 6, 30)


def test_a_period_ending_february_29_has_its_last_day_for_notice_on_a_month_end():
    terms = Terms(date(2023, 3, 1), date(2024, 2, 29), notice_period_months=6)
    assert last_notice_date(date(2024, 2, 29), terms) == date(2023, 8, 31)


# --- Extension cap ----------------------------------------------------------------------------


def test_extension_cap_gives_a_natural_final_end():
    assert ends(CAPPED, date(2030, 1, 1)) == [
        date(2021, 12, 31),
        date(2022, 12, 31),
        date(2023, 12, 31),
    ]
    assert final_end(CAPPED) == date(2023, 12, 31)


def test_before_the_last_extension_the_next_last_day_for_notice_is_that_of_the_last_period():
    dates = agreement_dates(CAPPED, date(2022, 10, 1))
    assert dates.current_period_end == date(2022, 12, 31)
    assert dates.last_notice_date == date(2023, 9, 30)
    assert dates.extends_automatically_on == date(2023, 1, 1)


def test_when_the_cap_is_reached_there_is_no_last_day_for_notice_once_it_passes():
    on_deadline = agreement_dates(CAPPED, date(2023, 9, 30))
    assert on_deadline.last_notice_date == date(2023, 9, 30)
    assert on_deadline.last_notice_business_day == date(2023, 9, 29)  # the 30th is a Saturday
    assert on_deadline.extends_automatically_on is None

    after = agreement_dates(CAPPED, date(2023, 10, 1))
    assert after.last_notice_date is None
    assert after.next_end_if_notice_today == date(2023, 12, 31)


def test_late_notice_in_the_last_period_ends_it_at_its_end_anyway():
    outcome = termination_effective_end(CAPPED, date(2023, 10, 1), written=True)
    assert (outcome.effective_end, outcome.late) == (date(2023, 12, 31), True)
    assert outcome.period.number == 2


def test_capped_agreement_has_ended_after_its_final_end():
    assert agreement_dates(CAPPED, date(2024, 1, 1)).ended
    assert lifecycle_status(CAPPED, date(2024, 1, 1), "decided") == "ended"
    assert lifecycle_status(CAPPED, date(2023, 12, 31), "decided") == "extended"
    with pytest.raises(RuleViolation, match="redan upphört"):
        termination_effective_end(CAPPED, date(2024, 1, 1), written=True)


def test_zero_extensions_allowed_means_the_first_end_is_final():
    terms = Terms(
        date(2020, 1, 1),
        date(2020, 12, 31),
        notice_period_months=3,
        extension_months=12,
        max_extensions=0,
    )
    assert final_end(terms) == date(2020, 12, 31)
    assert ends(terms, date(2030, 1, 1)) == [date(2020, 12, 31)]


def test_an_extension_shorter_than_the_notice_period_rolls_as_far_as_the_notice_needs():
    terms = Terms(date(2024, 1, 1), date(2024, 12, 31), notice_period_months=3, extension_months=1)
    # Notice on 2024-11-15 runs to 2025-02-15: past January's period, within February's.
    outcome = termination_effective_end(terms, date(2024, 11, 15), written=True)
    assert outcome.effective_end == date(2025, 2, 28)
    assert outcome.late
    assert agreement_dates(terms, date(2024, 11, 15)).last_notice_date == date(2024, 11, 30)


# --- Fixed term, then tills vidare -------------------------------------------------------------


def test_a_fixed_term_then_tills_vidare_continues_open_ended():
    assert list(periods(THEN_TILLS_VIDARE, date(2030, 1, 1))) == [
        Period(date(2020, 1, 1), date(2022, 12, 31), 0, False),
        Period(date(2023, 1, 1), None, CONTINUATION, True),
    ]
    assert final_end(THEN_TILLS_VIDARE) is None
    continuation = period_containing(THEN_TILLS_VIDARE, date(2024, 1, 1))
    assert continuation is not None and continuation.is_continuation


def test_notice_in_time_before_tills_vidare_ends_the_fixed_term():
    outcome = termination_effective_end(THEN_TILLS_VIDARE, date(2022, 6, 30), written=True)
    assert (outcome.effective_end, outcome.late) == (date(2022, 12, 31), False)


def test_late_notice_before_tills_vidare_ends_when_the_notice_has_run():
    outcome = termination_effective_end(THEN_TILLS_VIDARE, date(2022, 7, 15), written=True)
    assert (outcome.effective_end, outcome.late) == (date(2023, 1, 15), True)


def test_notice_during_tills_vidare_ends_the_agreement_when_the_notice_has_run():
    outcome = termination_effective_end(THEN_TILLS_VIDARE, date(2024, 3, 10), written=True)
    assert outcome.effective_end == date(2024, 9, 10)
    assert outcome.period.number == CONTINUATION


def test_tills_vidare_continuation_runs_notice_to_month_end_where_the_agreement_says_so():
    terms = Terms(
        date(2020, 1, 1),
        date(2022, 12, 31),
        notice_period_months=6,
        continues_open_ended=True,
        notice_ends_at_month_end=True,
    )
    assert termination_effective_end(terms, date(2022, 7, 15), True).effective_end == date(
        2023, 1, 31
    )
    assert termination_effective_end(terms, date(2024, 3, 10), True).effective_end == date(
        2024, 9, 30
    )


def test_dates_before_tills_vidare_show_the_fixed_deadline_then_none():
    before = agreement_dates(THEN_TILLS_VIDARE, date(2022, 6, 1))
    assert before.last_notice_date == date(2022, 6, 30)
    assert before.extends_automatically_on == date(2023, 1, 1)

    after = agreement_dates(THEN_TILLS_VIDARE, date(2022, 7, 1))
    assert after.last_notice_date is None
    assert after.next_end_if_notice_today == date(2023, 1, 1)

    open_ended = agreement_dates(THEN_TILLS_VIDARE, date(2023, 2, 1))
    assert (open_ended.current_period_start, open_ended.current_period_end) == (
        date(2023, 1, 1),
        None,
    )
    assert open_ended.period_number == CONTINUATION
    assert open_ended.next_end_if_notice_today == date(2023, 8, 1)
    assert lifecycle_status(THEN_TILLS_VIDARE, date(2023, 2, 1), "decided") == "extended"


# --- Holidays at the deadline ----------------------------------------------------------------


def test_last_day_for_notice_on_nyarsafton_is_safely_received_the_day_before():
    terms = Terms(date(2025, 7, 1), date(2026, 6, 30), notice_period_months=6)
    dates = agreement_dates(terms, date(2025, 9, 1))
    assert dates.last_notice_date == date(2025, 12, 31)
    assert dates.last_notice_business_day == date(2025, 12, 30)


def test_last_day_for_notice_on_midsommarafton_is_safely_received_the_day_before():
    terms = Terms(date(2025, 9, 20), date(2026, 9, 19), notice_period_months=3)
    dates = agreement_dates(terms, date(2026, 1, 1))
    assert dates.last_notice_date == date(2026, 6, 19)
    assert dates.last_notice_business_day == date(2026, 6, 18)


def test_last_day_for_notice_on_a_sunday_is_safely_received_on_the_friday():
    terms = Terms(date(2025, 3, 1), date(2026, 2, 28), notice_period_months=6)
    dates = agreement_dates(terms, date(2025, 5, 1))
    assert dates.last_notice_date == date(2025, 8, 31)
    assert dates.last_notice_business_day == date(2025, 8, 29)


def test_a_period_ending_on_a_holiday_keeps_its_contractual_end():
    terms = Terms(date(2024, 1, 1), date(2025, 12, 31), notice_period_months=6, extension_months=12)
    dates = agreement_dates(terms, date(2025, 3, 1))
    assert dates.current_period_end == date(2025, 12, 31)
    assert dates.extends_automatically_on == date(2026, 1, 1)
    assert dates.last_notice_date == date(2025, 6, 30)
    # Notice on the contractual day still counts, although it is not a business day.
    weekend_terms = Terms(date(2025, 3, 1), date(2026, 2, 28), notice_period_months=6)
    outcome = termination_effective_end(weekend_terms, date(2025, 8, 31), written=True)
    assert not outcome.late


# --- A recorded termination -------------------------------------------------------------------


def test_a_recorded_termination_replaces_the_deadlines_with_its_end():
    dates = agreement_dates(SEED_000_ATVIDABERG, date(2020, 8, 1), date(2020, 12, 31))
    assert dates.last_notice_date is None
    assert dates.last_notice_business_day is None
    assert dates.next_end_if_notice_today == date(2020, 12, 31)
    assert dates.current_period_end == date(2020, 12, 31)
    assert dates.extends_automatically_on is None
    assert (
        lifecycle_status(SEED_000_ATVIDABERG, date(2020, 8, 1), "decided", date(2020, 12, 31))
        == "notice_given"
    )


def test_a_late_recorded_termination_still_lets_the_next_extension_take_effect():
    dates = agreement_dates(SEED_000_ATVIDABERG, date(2020, 8, 1), date(2022, 12, 31))
    assert dates.current_period_end == date(2020, 12, 31)
    assert dates.extends_automatically_on == date(2021, 1, 1)
    assert dates.next_end_if_notice_today == date(2022, 12, 31)


def test_a_recorded_termination_of_an_open_ended_agreement_gives_it_an_end():
    dates = agreement_dates(SEED_003_LEANLINK, date(2024, 6, 1), date(2025, 3, 15))
    assert dates.current_period_end == date(2025, 3, 15)
    assert dates.next_end_if_notice_today == date(2025, 3, 15)


def test_an_agreement_has_ended_after_its_recorded_termination():
    dates = agreement_dates(SEED_003_LEANLINK, date(2025, 3, 16), date(2025, 3, 15))
    assert dates.ended
    assert dates.current_period_start is None
    status = lifecycle_status(SEED_003_LEANLINK, date(2025, 3, 16), "decided", date(2025, 3, 15))
    assert status == "ended"
    status = lifecycle_status(SEED_003_LEANLINK, date(2025, 3, 15), "decided", date(2025, 3, 15))
    assert status == "notice_given"


# --- Status ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["procurement", "draft", "archived"])
def test_a_recorded_stage_before_decision_or_after_archiving_is_the_status(stage):
    assert lifecycle_status(SEED_003_LEANLINK, date(2024, 1, 1), stage) == stage


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="Okänt skede"):
        lifecycle_status(SEED_003_LEANLINK, date(2024, 1, 1), "signed")


# --- Validating terms --------------------------------------------------------------------------


def test_the_seed_terms_are_valid():
    for terms in (
        SEED_000_ATVIDABERG,
        SEED_001_OSTRA_SODERTORN,
        SEED_003_LEANLINK,
        SEED_004_PO_SKANE,
        CAPPED,
        THEN_TILLS_VIDARE,
    ):
        assert validate_terms(terms) == {}


START = date(2024, 1, 1)
END = date(2025, 12, 31)


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (Terms(START, date(2023, 12, 31), notice_period_months=1), "end_date"),
        (Terms(START, END), "notice_period_months"),
        (Terms(START, END, notice_period_months=3, notice_period_days=30), "notice_period_days"),
        (Terms(START, END, notice_period_months=0), "notice_period_months"),
        (Terms(START, END, notice_period_days=-5), "notice_period_days"),
        (Terms(START, None, notice_period_months=3, extension_months=12), "extension_months"),
        (Terms(START, END, notice_period_months=3, extension_months=0), "extension_months"),
        (Terms(START, END, notice_period_months=3, max_extensions=2), "max_extensions"),
        (
            Terms(START, END, notice_period_months=3, extension_months=12, max_extensions=-1),
            "max_extensions",
        ),
        (
            Terms(START, None, notice_period_months=3, continues_open_ended=True),
            "continues_open_ended",
        ),
        (
            Terms(
                START, END, notice_period_months=3, extension_months=12, continues_open_ended=True
            ),
            "continues_open_ended",
        ),
        (Terms(START, END, notice_period_months=121), "notice_period_months"),
        (Terms(START, END, notice_period_days=3661), "notice_period_days"),
        (
            Terms(START, END, notice_period_months=3, extension_months=10**9),
            "extension_months",
        ),
        (
            Terms(START, END, notice_period_months=3, extension_months=12, max_extensions=10**6),
            "max_extensions",
        ),
        (Terms(START, date(9999, 12, 31), notice_period_months=3), "end_date"),
        (Terms(date(1, 1, 1), END, notice_period_months=3), "start_date"),
    ],
)
def test_validate_terms_names_the_field_that_breaks_a_rule(terms, field):
    errors = validate_terms(terms)
    assert field in errors
    assert errors[field].endswith(".")


def test_a_notice_period_longer_than_the_first_term_is_allowed():
    # 2024-10-01 – 2024-12-31, then a year at a time, 6 months' notice: the first term's last
    # day for notice (2024-06-30) is before the start, so notice during it ends the year after.
    terms = Terms(
        date(2024, 10, 1), date(2024, 12, 31), notice_period_months=6, extension_months=12
    )
    assert validate_terms(terms) == {}
    dates = agreement_dates(terms, date(2024, 11, 15))
    assert (dates.current_period_end, dates.last_notice_date) == (
        date(2024, 12, 31),
        date(2025, 6, 30),
    )
    assert dates.next_end_if_notice_today == date(2025, 12, 31)
    outcome = termination_effective_end(terms, date(2024, 10, 1), True)
    assert (outcome.effective_end, outcome.late) == (date(2025, 12, 31), True)


def test_a_notice_period_as_long_as_the_whole_term_is_still_accepted():
    assert validate_terms(Terms(START, END, notice_period_months=24)) == {}
    assert validate_terms(Terms(START, date(2024, 1, 31), notice_period_days=31)) == {}


def test_computing_with_invalid_terms_is_refused():
    with pytest.raises(RuleViolation) as raised:
        list(periods(Terms(START, END, notice_period_months=3, extension_months=0), END))
    assert raised.value.code == "invalid_terms"
    assert raised.value.field == "extension_months"


# --- Property tests on periods and termination -------------------------------------------------


@st.composite
def extending_terms(draw, capped: bool = False) -> Terms:
    start = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)))
    notice = draw(st.integers(min_value=1, max_value=24))
    initial_months = draw(st.integers(min_value=notice, max_value=60))
    return Terms(
        start_date=start,
        end_date=add_months(start, initial_months) - ONE_DAY,
        notice_period_months=notice,
        extension_months=draw(st.integers(min_value=1, max_value=36)),
        max_extensions=draw(st.integers(min_value=0, max_value=10)) if capped else None,
    )


@given(terms=extending_terms(capped=True))
def test_periods_tile_the_timeline_without_gap_or_overlap(terms):
    assert validate_terms(terms) == {}
    found = list(periods(terms, date(2200, 1, 1)))
    assert found[0].start == terms.start_date
    assert len(found) == (terms.max_extensions or 0) + 1
    for number, (earlier, later) in enumerate(zip(found, found[1:], strict=False), start=1):
        assert later.start == earlier.end + ONE_DAY
        assert later.start <= later.end
        assert later.number == number
    assert found[-1].end == final_end(terms)


@given(terms=extending_terms(), k=st.integers(min_value=1, max_value=40))
def test_the_kth_extension_ends_k_lengths_after_the_first_end_less_a_day(terms, k):
    first = terms.end_date + ONE_DAY
    expected_end = add_months(first, k * terms.extension_months) - ONE_DAY
    found = list(periods(terms, expected_end))
    assert found[k].end == expected_end


@given(terms=extending_terms(), offset=st.integers(min_value=0, max_value=20 * 366))
def test_the_current_period_contains_the_as_of_date(terms, offset):
    as_of = terms.start_date + timedelta(days=offset)
    period = period_containing(terms, as_of)
    assert period is not None
    assert period.start <= as_of <= period.end


@given(terms=extending_terms(), offset=st.integers(min_value=0, max_value=20 * 366))
def test_notice_ends_the_agreement_at_the_first_period_end_it_has_run_out_by(terms, offset):
    received = terms.start_date + timedelta(days=offset)
    runs_until = notice_runs_until(received, terms)
    outcome = termination_effective_end(terms, received, written=True)
    assert outcome.effective_end == min(
        p.end for p in periods(terms, runs_until + ONE_DAY) if p.end >= runs_until
    )
    assert outcome.late == (received > outcome.last_notice_date)


@given(terms=extending_terms(), offset=st.integers(min_value=0, max_value=20 * 366))
def test_the_shown_last_day_for_notice_is_the_last_day_notice_keeps_the_nearest_end(terms, offset):
    as_of = terms.start_date + timedelta(days=offset)
    deadline = agreement_dates(terms, as_of).last_notice_date
    assert deadline is not None and deadline >= as_of
    on_deadline = termination_effective_end(terms, deadline, written=True).effective_end
    after = termination_effective_end(terms, deadline + ONE_DAY, written=True).effective_end
    assert notice_runs_until(deadline, terms) <= on_deadline < after


# --- Obligations -------------------------------------------------------------------------------


def test_yearly_obligation_falls_on_march_31_each_year():
    rule = RecurrenceRule("yearly", month=3, day=31)
    assert obligation_occurrences(rule, date(2021, 1, 1), date(2023, 12, 31)) == [
        date(2021, 3, 31),
        date(2022, 3, 31),
        date(2023, 3, 31),
    ]


def test_occurrences_include_both_ends_of_the_range():
    rule = RecurrenceRule("yearly", month=3, day=31)
    assert obligation_occurrences(rule, date(2022, 3, 31), date(2023, 3, 31)) == [
        date(2022, 3, 31),
        date(2023, 3, 31),
    ]
    assert obligation_occurrences(rule, date(2023, 4, 1), date(2023, 3, 31)) == []


def test_semiannual_obligation_falls_on_the_day_and_six_months_later():
    rule = RecurrenceRule("semiannual", month=3, day=31)
    assert obligation_occurrences(rule, date(2024, 1, 1), date(2025, 4, 30)) == [
        date(2024, 3, 31),
        date(2024, 9, 30),
        date(2025, 3, 31),
    ]


def test_semiannual_obligation_anchored_late_in_the_year_comes_round_early_in_the_next():
    rule = RecurrenceRule("semiannual", month=10, day=15)
    assert obligation_occurrences(rule, date(2024, 1, 1), date(2024, 12, 31)) == [
        date(2024, 4, 15),
        date(2024, 10, 15),
    ]


def test_quarterly_obligation_returns_to_the_31st_after_a_shorter_month():
    rule = RecurrenceRule("quarterly", month=3, day=31)
    assert obligation_occurrences(rule, date(2024, 1, 1), date(2024, 12, 31)) == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 9, 30),
        date(2024, 12, 31),
    ]


def test_monthly_obligation_on_the_31st_falls_on_each_month_end():
    rule = RecurrenceRule("monthly", day=31)
    assert obligation_occurrences(rule, date(2024, 1, 15), date(2024, 4, 30)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert obligation_occurrences(rule, date(2023, 2, 1), date(2023, 2, 28)) == [date(2023, 2, 28)]


def test_one_off_obligation_falls_once_within_the_range():
    rule = RecurrenceRule("once", once_date=date(2024, 6, 1))
    assert obligation_occurrences(rule, date(2024, 1, 1), date(2024, 12, 31)) == [date(2024, 6, 1)]
    assert obligation_occurrences(rule, date(2024, 6, 2), date(2024, 12, 31)) == []


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        (RecurrenceRule("yearly", month=2, day=30), "day", "30 februari finns inte"),
        (RecurrenceRule("yearly", month=4, day=31), "day", "31 april finns inte"),
        (RecurrenceRule("yearly", month=2, day=29), "day", "skottår"),
        (RecurrenceRule("quarterly", month=2, day=29), "day", "skottår"),
        (RecurrenceRule("yearly", month=13, day=1), "month", "1 till 12"),
        (RecurrenceRule("yearly", month=None, day=1), "month", "1 till 12"),
        (RecurrenceRule("semiannual", month=3, day=0), "day", "1 till 31"),
        (RecurrenceRule("monthly", day=32), "day", "1 till 31"),
        (RecurrenceRule("monthly"), "day", "1 till 31"),
        (RecurrenceRule("once"), "once_date", "datum"),
        (RecurrenceRule("weekly", day=1), "kind", "varje månad"),  # type: ignore[arg-type]
    ],
)
def test_validate_recurrence_refuses_dates_that_do_not_exist_every_year(rule, field, words):
    errors = validate_recurrence(rule)
    assert words in errors[field]


def test_valid_recurrences_pass():
    assert validate_recurrence(RecurrenceRule("yearly", month=3, day=31)) == {}
    assert validate_recurrence(RecurrenceRule("yearly", month=2, day=28)) == {}
    assert validate_recurrence(RecurrenceRule("monthly", day=31)) == {}
    assert validate_recurrence(RecurrenceRule("once", once_date=date(2024, 1, 1))) == {}


def test_occurrences_of_an_impossible_rule_are_refused():
    with pytest.raises(RuleViolation) as raised:
        obligation_occurrences(
            RecurrenceRule("yearly", month=2, day=30), date(2024, 1, 1), date(2025, 1, 1)
        )
    assert raised.value.code == "invalid_recurrence"
    assert raised.value.field == "day"


recurring_rules = st.builds(
    RecurrenceRule,
    kind=st.sampled_from(["yearly", "semiannual", "quarterly", "monthly"]),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
).filter(lambda rule: not validate_recurrence(rule))
occurrence_starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 12, 31))


@given(rule=recurring_rules, start=occurrence_starts, span=st.integers(0, 3 * 366))
def test_occurrences_are_sorted_unique_and_within_the_range(rule, start, span):
    until = start + timedelta(days=span)
    found = obligation_occurrences(rule, start, until)
    assert found == sorted(set(found))
    assert all(start <= d <= until for d in found)


@given(rule=recurring_rules, start=occurrence_starts)
def test_a_year_from_any_start_holds_as_many_occurrences_as_the_kind_says(rule, start):
    # A year from 29 February ends on 27 February and can miss a 28 February occurrence.
    assume((start.month, start.day) != (2, 29))
    found = obligation_occurrences(rule, start, add_months(start, 12) - ONE_DAY)
    assert len(found) == {"yearly": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}[rule.kind]
