"""Terms as of a day: the original terms of an agreement plus its amendments (tilläggsavtal).

Pure functions following DOMAIN.md ("Amendments"): no database, no request, no clock. An
amendment is a `Change` (its effective day D and only the fields it names); `segments` folds
the changes, in order of D, into a `Timeline` of terms, and `Timeline.on(T)` gives the terms in
force on T, with which every rule of ``rules.py`` reads the agreement as it stood that day.

The terms in force from D on start with the period that contained D (by the terms before the
amendment): that period ends on the amendment's ``end_date`` where it names one (``None``:
tills vidare from D), else where it ended; the periods after it follow the amended extension
terms counted from the day after its end. A ``max_extensions`` the amendment names counts from
there, else the extensions left under the old cap carry over; the notice settings are the
amended ones for every period that ends on or after D. Asked as of a day before D, nothing of
the amendment shows.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from app.agreements.rules import (
    CONTINUATION,
    Period,
    RuleViolation,
    Terms,
    period_containing,
    periods,
    validate_terms,
)

__all__ = [
    "DATE_FIELDS",
    "OTHER_FIELDS",
    "Change",
    "Timeline",
    "amend",
    "segments",
]

ONE_DAY = timedelta(days=1)

#: The date terms an amendment may change (``start_date`` never: that is a correction).
DATE_FIELDS = (
    "end_date",
    "notice_period_months",
    "notice_period_days",
    "notice_must_be_written",
    "notice_ends_at_month_end",
    "extension_months",
    "max_extensions",
    "continues_open_ended",
)
#: The other things an amendment may change; the rule carries their values untouched.
OTHER_FIELDS = ("fte", "parties", "compensation")


@dataclass(frozen=True)
class Change:
    """An amendment as the rules see it: the day it takes effect and what it names."""

    effective_date: date
    changes: Mapping[str, Any]
    key: Any = None  # the caller's id, for telling which amendment a segment came from


@dataclass(frozen=True)
class Segment:
    """The terms in force from ``effective`` on (None: from the start), and ``values``: the
    other fields in force then (``fte``, ``parties``, …, as the caller passed them)."""

    effective: date | None
    terms: Terms
    values: Mapping[str, Any]
    key: Any = None


@dataclass(frozen=True)
class Timeline:
    """An agreement's terms over its life: one segment per amendment, after the original."""

    segments: tuple[Segment, ...]
    _days: tuple[date, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_days", tuple(s.effective for s in self.segments[1:] if s.effective)
        )

    def segment_on(self, day: date | None) -> Segment:
        """The segment in force on ``day`` (None: the latest, as the record stands now)."""
        if day is None:
            return self.segments[-1]
        return self.segments[bisect.bisect_right(self._days, day)]

    def on(self, day: date | None) -> Terms:
        """The date terms in force on ``day``."""
        return self.segment_on(day).terms

    def values_on(self, day: date | None) -> Mapping[str, Any]:
        """The other fields (``fte``, ``parties``, …) in force on ``day``."""
        return self.segment_on(day).values

    @property
    def amended(self) -> bool:
        return len(self.segments) > 1

    def periods(self, until: date) -> Iterator[Period]:
        """Every period of the agreement's life that begins on or before ``until``, each by
        the terms in force while it ran (the last one by the latest terms), numbered over the
        whole life. They tile the timeline like ``rules.periods`` does."""
        for i, segment in enumerate(self.segments):
            limit = until
            if i + 1 < len(self.segments):
                limit = min(until, self.segments[i + 1].terms.start_date - ONE_DAY)
            for period in periods(segment.terms, limit):
                yield _renumbered(segment.terms, period)

    def amendment_days(self) -> tuple[date, ...]:
        return self._days


def _renumbered(terms: Terms, period: Period) -> Period:
    if period.is_continuation or not terms.period_offset:
        return period
    return replace(period, number=period.number + terms.period_offset)


def _violation(field: str, code: str, message: str) -> RuleViolation:
    return RuleViolation(code, message, field)


def amend(terms: Terms, effective: date, changes: Mapping[str, Any]) -> Terms:
    """Return the terms in force from ``effective`` on, after an amendment naming ``changes``.

    Raises RuleViolation (with the field) when the amendment cannot apply: a day before the
    start or after the agreement has ended, an end before the day it takes effect, or terms
    that break a rule of DOMAIN.md.
    """
    if effective < terms.start_date:
        raise _violation(
            "effective_date",
            "amendment_before_start",
            f"Ett tilläggsavtal kan inte gälla från före avtalets start ({terms.start_date}).",
        )
    period = period_containing(terms, effective)
    if period is None:
        raise _violation(
            "effective_date",
            "amendment_after_end",
            "Avtalet har upphört den dagen; ett nytt avtal behövs i stället för ett tillägg.",
        )
    values = {f: getattr(terms, f) for f in DATE_FIELDS}
    end = period.end
    if "end_date" in changes:
        end = changes["end_date"]
        if end is None:
            # Tills vidare from D: nothing extends or continues unless the amendment says so.
            values.update(extension_months=None, max_extensions=None, continues_open_ended=False)
        elif end < effective:
            raise _violation(
                "end_date",
                "end_before_amendment",
                f"Slutdatumet kan inte vara före den dag tilläggsavtalet börjar gälla "
                f"({effective}).",
            )
    for name in DATE_FIELDS[1:]:
        if name in changes:
            values[name] = changes[name]
    # Notice in months or in days: naming one replaces the other.
    if changes.get("notice_period_months") is not None and "notice_period_days" not in changes:
        values["notice_period_days"] = None
    if changes.get("notice_period_days") is not None and "notice_period_months" not in changes:
        values["notice_period_months"] = None

    done = period.number if period.number > 0 else 0
    # Periods are counted anew from the day after the period containing D only where the
    # amendment changes the end or how the agreement goes on; otherwise they keep their days
    # (an amendment of the notice period alone moves no period).
    rebase = "end_date" in changes or any(
        name in changes and changes[name] != getattr(terms, name)
        for name in ("extension_months", "continues_open_ended")
    )
    if not rebase:
        done_before = 0
        start, offset = terms.start_date, terms.period_offset
        end = terms.end_date
    else:
        done_before = done
        start = period.start
        offset = terms.period_offset + (1 if period.is_continuation else done)
    if "max_extensions" not in changes and values["extension_months"] is None:
        values["max_extensions"] = None
    elif "max_extensions" in changes:
        if changes["max_extensions"] is not None:
            values["max_extensions"] = changes["max_extensions"] + done - done_before
    elif terms.max_extensions is not None and terms.extension_months is not None:
        values["max_extensions"] = max(terms.max_extensions - done_before, 0)
    values["end_date"] = end
    amended = Terms(start_date=start, period_offset=offset, **values)
    errors = validate_terms(amended)
    if errors:
        name, message = next(iter(errors.items()))
        if name == "end_date" and "end_date" not in changes:
            name = "effective_date"
        raise RuleViolation("invalid_terms", message, name)
    return amended


def segments(
    original: Terms,
    changes: Iterable[Change],
    values: Mapping[str, Any] | None = None,
) -> Timeline:
    """Fold ``changes`` in order of their day (ties in the order given) into a Timeline.

    ``values`` are the original's other fields (``fte``, ``parties``, …); each change naming
    one of them replaces it from its day on. Raises RuleViolation for the first change that
    cannot apply (``RuleViolation.key`` tells which)."""
    base = dict(values or {})
    result = [Segment(None, original, base)]
    for change in sorted(changes, key=lambda c: c.effective_date):
        previous = result[-1]
        try:
            terms = amend(previous.terms, change.effective_date, change.changes)
        except RuleViolation as exc:
            exc.key = change.key  # type: ignore[attr-defined]
            raise
        merged = dict(previous.values)
        merged.update({k: v for k, v in change.changes.items() if k not in DATE_FIELDS})
        result.append(Segment(change.effective_date, terms, merged, change.key))
    return Timeline(tuple(result))


def single(original: Terms, values: Mapping[str, Any] | None = None) -> Timeline:
    """The Timeline of an agreement without amendments."""
    return Timeline((Segment(None, original, dict(values or {})),))


def compensation_years(
    sources: Sequence[tuple[int | None, Any]],
) -> list[tuple[Any, int | None, int | None]]:
    """Which years each source of compensation lines counts in.

    ``sources`` are (from_year, key) in the order the lines were agreed: the original's lines
    (from_year None) first, then each amendment's, in order of its day. An amendment's lines
    replace the earlier lines from its year on; earlier years keep theirs. Answers
    (key, from_year, until_year) per source: it counts in the years from_year ≤ Y < until_year
    (None: no bound).
    """
    answer = []
    for i, (from_year, key) in enumerate(sources):
        later = [f for f, _ in sources[i + 1 :] if f is not None]
        until = min(later) if later else None
        answer.append((key, from_year, until))
    return answer


def first_year_counted(effective: date, start: date) -> int:
    """The first year whose yearly figures (statsbidrag per FTE) use what an amendment from
    ``effective`` sets: a year reads the terms in force on its first day (or the agreement's
    start), so an amendment during a year counts from the next."""
    return (
        effective.year
        if effective <= max(date(effective.year, 1, 1), start)
        else effective.year + 1
    )


def value_in_year(original: Any, changes: Sequence[tuple[int, Any]], year: int) -> Any:
    """The value in force in ``year``: the last of ``changes`` (first year counted, value),
    in order, counted by then, else ``original``."""
    value = original
    for first_year, changed in changes:
        if first_year <= year:
            value = changed
    return value


__all__ += [
    "CONTINUATION",
    "Segment",
    "compensation_years",
    "first_year_counted",
    "single",
    "value_in_year",
]
