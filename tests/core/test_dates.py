"""Tests for the calendar helpers in app.core.dates (DOMAIN.md, "Dates")."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.dates import (
    add_months,
    end_of_month,
    holiday_name,
    is_business_day,
    last_business_day_on_or_before,
    parse_iso_date,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
month_counts = st.integers(min_value=-1200, max_value=1200)
# Business-day checks build a holiday list per year; keep the years few and realistic.
recent_days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


# --- add_months --------------------------------------------------------------------------------


def test_adding_a_month_to_january_31_gives_the_last_of_february_in_a_leap_year():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_adding_a_month_to_january_31_gives_february_28_in_a_common_year():
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2022, 6, 30), 6, date(2022, 12, 30)),
        (date(2024, 3, 31), 3, date(2024, 6, 30)),
        (date(2025, 1, 15), -13, date(2023, 12, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 5, 17), 0, date(2024, 5, 17)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


@given(d=days, n=month_counts)
def test_add_months_keeps_the_day_or_uses_the_last_day_of_the_month(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == min(d.day, end_of_month(result).day)


@given(d=days, n=month_counts)
def test_add_months_and_back_returns_the_day_unless_it_was_clamped(d, n):
    there = add_months(d, n)
    back = add_months(there, -n)
    if there.day == d.day:
        assert back == d
    else:
        # Clamped on the way out: the way back lands in the same month, on a day no later.
        assert (back.year, back.month) == (d.year, d.month)
        assert back.day == there.day < d.day


@given(a=days, b=days, n=month_counts)
def test_add_months_never_reorders_days(a, b, n):
    low, high = sorted((a, b))
    assert add_months(low, n) <= add_months(high, n)


# --- end_of_month ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2024, 2, 10), date(2024, 2, 29)),
        (date(2023, 2, 1), date(2023, 2, 28)),
        (date(2100, 2, 1), date(2100, 2, 28)),
        (date(2024, 4, 30), date(2024, 4, 30)),
        (date(2024, 12, 1), date(2024, 12, 31)),
    ],
)
def test_end_of_month_is_the_last_day_of_that_month(d, expected):
    assert end_of_month(d) == expected


# --- business days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2025, 12, 31), "Nyårsafton"),
        (date(2025, 12, 24), "Julafton"),
        (date(2026, 6, 19), "Midsommarafton"),
        (date(2025, 4, 18), "Långfredagen"),
        (date(2025, 5, 29), "Kristi himmelsfärdsdag"),
        (date(2025, 6, 6), "Nationaldagen"),
        (date(2026, 1, 6), "Trettondedag jul"),
    ],
)
def test_holidays_and_holiday_eves_on_weekdays_are_not_business_days(d, name):
    assert d.weekday() < 5
    assert holiday_name(d) == name
    assert not is_business_day(d)


def test_saturdays_and_sundays_are_not_business_days():
    assert not is_business_day(date(2025, 8, 30))  # Saturday
    assert not is_business_day(date(2025, 8, 31))  # Sunday


def test_an_ordinary_sunday_has_no_holiday_name():
    assert holiday_name(date(2025, 8, 31)) is None


def test_an_ordinary_weekday_is_a_business_day():
    assert is_business_day(date(2025, 12, 30))
    assert holiday_name(date(2025, 12, 30)) is None


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 12, 31), date(2025, 12, 30)),  # nyårsafton, a Wednesday
        (date(2026, 6, 19), date(2026, 6, 18)),  # midsommarafton
        (date(2025, 8, 31), date(2025, 8, 29)),  # a Sunday goes back to Friday
        (date(2025, 4, 21), date(2025, 4, 17)),  # annandag påsk, over the Easter weekend
        (date(2025, 12, 26), date(2025, 12, 23)),  # annandag jul, juldagen, julafton
        (date(2025, 12, 30), date(2025, 12, 30)),  # already a business day
    ],
)
def test_last_business_day_on_or_before_skips_weekends_holidays_and_eves(d, expected):
    assert last_business_day_on_or_before(d) == expected


@settings(deadline=None)
@given(d=recent_days)
def test_last_business_day_is_a_business_day_with_none_later_up_to_the_day(d):
    result = last_business_day_on_or_before(d)
    assert result <= d
    assert is_business_day(result)
    later = result + timedelta(days=1)
    while later <= d:
        assert not is_business_day(later)
        later += timedelta(days=1)


def test_sweden_has_the_usual_number_of_business_days_in_2025():
    # 261 weekdays, less the twelve holidays and eves that fall on one.
    year = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    assert sum(is_business_day(d) for d in year) == 249


# --- parse_iso_date ----------------------------------------------------------------------------


def test_parse_iso_date_reads_year_month_day():
    assert parse_iso_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-1-5",
        "20240105",
        "2024-W05-3",
        "2024-01-05T00:00",
        " 2024-01-05",
        "2024-01-05\n",
        "05/01/2024",
        "",
        "٢٠٢٤-٠١-٠٥",
    ],
)
def test_parse_iso_date_refuses_anything_but_a_real_yyyy_mm_dd(value):
    with pytest.raises(ValueError, match="Ange datum som ÅÅÅÅ-MM-DD") as raised:
        parse_iso_date(value)
    assert str(raised.value).startswith("Ogiltigt datum: ")


def test_parse_iso_date_names_the_bad_value():
    with pytest.raises(ValueError, match='"2023-02-30"'):
        parse_iso_date("2023-02-30")


@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_parse_iso_date_reads_back_what_isoformat_writes(d):
    assert parse_iso_date(d.isoformat()) == d


@pytest.mark.parametrize("text", ["9999-12-31", "2200-01-01", "1899-12-31", "0001-01-01"])
def test_parse_iso_date_refuses_days_no_agreement_is_about(text):
    with pytest.raises(ValueError, match="ligger utanför 1900-01-01–2199-12-31"):
        parse_iso_date(text)
