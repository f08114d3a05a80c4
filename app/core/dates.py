"""Calendar helpers: adding months, month ends, Swedish business days and strict date parsing.

Pure functions over `datetime.date` (DOMAIN.md, "Dates"). Nothing here reads the clock: callers
pass the day they ask about.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

__all__ = [
    "add_months",
    "end_of_month",
    "holiday_name",
    "is_business_day",
    "last_business_day_on_or_before",
    "parse_iso_date",
]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Dates outside this range are taken for typing mistakes (or placeholders such as 9999-12-31):
#: an agreement's dates, and the days it is asked about, lie well inside it, with room for a
#: century of extensions.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

# Older releases of `holidays` list every Sunday for Sweden under this name; a Sunday is not a
# business day either way, but it is no holiday worth naming.
_SUNDAY_NAMES = frozenset({"Söndag", "Sunday"})


def add_months(d: date, n: int) -> date:
    """Return `d` plus `n` months (negative `n` goes back).

    The day of the month is kept; where that day does not exist the last day of the month is
    used, as lag (1930:173) 1 § says: 2024-01-31 + 1 month = 2024-02-29.
    """
    year, month_index = divmod(d.year * 12 + (d.month - 1) + n, 12)
    month = month_index + 1
    day = d.day
    if day > 28:  # only then can the month be too short (the deadline refresh calls this a lot)
        day = min(day, _days_in_month(year, month))
    return date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def end_of_month(d: date) -> date:
    """Return the last day of the month `d` falls in."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


@lru_cache(maxsize=256)
def _holidays(year: int) -> Mapping[date, str]:
    # "public" plus "de_facto" is the list of lag (1930:173) 2 §: the public holidays and
    # midsommarafton, julafton and nyårsafton.
    found = holidays.country_holidays(
        "SE", years=year, categories=("public", "de_facto"), language="sv"
    )
    named: dict[date, str] = {}
    for day, name in found.items():
        parts = [part for part in name.split("; ") if part not in _SUNDAY_NAMES]
        if parts:
            named[day] = "; ".join(parts)
    # Read-only, because the cached value is shared by every caller.
    return MappingProxyType(named)


def holiday_name(d: date) -> str | None:
    """Return the Swedish name of the holiday (or eve) on `d`, or None if there is none."""
    return _holidays(d.year).get(d)


def is_business_day(d: date) -> bool:
    """Return whether `d` is a business day: not a Saturday, Sunday, holiday or holiday eve."""
    return d.weekday() < 5 and holiday_name(d) is None


def last_business_day_on_or_before(d: date) -> date:
    """Return the latest business day on or before `d` (the day notice is safely received)."""
    while not is_business_day(d):
        d -= timedelta(days=1)
    return d


def parse_iso_date(value: str) -> date:
    """Parse a strict `YYYY-MM-DD` date between :data:`EARLIEST` and :data:`LATEST`; raise
    ValueError with a Swedish message otherwise."""
    # fromisoformat alone would also accept forms such as "20240131" and "2024-W05-3".
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if message := date_out_of_range(parsed):
                raise ValueError(message)
            return parsed
    raise ValueError(f'Ogiltigt datum: "{value}". Ange datum som ÅÅÅÅ-MM-DD.')


def date_out_of_range(d: date) -> str | None:
    """A Swedish message when ``d`` lies outside :data:`EARLIEST` – :data:`LATEST`."""
    if EARLIEST <= d <= LATEST:
        return None
    return f"Datumet {d.isoformat()} ligger utanför {EARLIEST.isoformat()}–{LATEST.isoformat()}."
