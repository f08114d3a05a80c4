"""The rules of an index series, as pure functions: a year's point (the yearly change in
percent, preliminary or final), the years the product accepts, and reading a percentage the way
finance staff type it. Finance's indexation arithmetic builds on these; the series' pages and
services need nothing else, so index series do not depend on finance."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["MAX_YEAR", "MIN_YEAR", "IndexPoint", "Series", "parse_percent", "validate_percent"]

#: Years outside this range are taken for typing mistakes.
MIN_YEAR = 1900
MAX_YEAR = 2200
_PERCENT_MIN = Decimal(-50)
_PERCENT_MAX = Decimal(100)
_PERCENT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@dataclass(frozen=True)
class IndexPoint:
    """One year of an index series: the yearly change in percent (``Decimal("4.6")`` = 4.6 %)."""

    year: int
    percent: Decimal
    preliminary: bool = False


#: One index series: year → point.
Series = Mapping[int, IndexPoint]


def parse_percent(value: str | int | Decimal) -> Decimal:
    """Read a yearly index change in percent ("4,6", "4.6", "−1,2", Decimal, int).

    Raises a Swedish :class:`ValueError` for anything that is not a finite number (floats
    included) or lies below −50 % or above 100 %.
    """
    if isinstance(value, float | bool):
        raise ValueError("Procentsatsen måste anges exakt (som text eller Decimal), inte flyttal.")
    if isinstance(value, int | Decimal):
        d = Decimal(value)
    elif isinstance(value, str):
        s = value.strip().replace("\u2212", "-").replace(",", ".").removesuffix("%").strip()
        # Plain decimals only: Decimal() alone would take "1e2", "1_000" and non-ASCII digits.
        if len(s) > 20 or not _PERCENT_TEXT.fullmatch(s):
            raise ValueError(f"”{value}” är inte ett tal.")
        d = Decimal(s)
    else:
        raise ValueError("Procentsatsen är inte ett tal.")
    if not d.is_finite():
        raise ValueError("Procentsatsen är inte ett tal.")
    if d < _PERCENT_MIN:
        raise ValueError(f"En förändring under {_PERCENT_MIN} % är inte rimlig.")
    if d > _PERCENT_MAX:
        raise ValueError(f"En förändring över {_PERCENT_MAX} % är inte rimlig.")
    return d


def validate_percent(p: str | int | Decimal) -> str | None:
    """Swedish message when ``p`` is not a usable yearly change (not a number, < −50, > 100)."""
    try:
        parse_percent(p)
    except ValueError as exc:
        return str(exc)
    return None
