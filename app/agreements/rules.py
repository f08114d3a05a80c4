"""The lifecycle rules of an agreement: term periods, notice, termination, status, obligations.

Pure functions over the dataclasses below, following DOMAIN.md ("Dates"). No database, no request
and no clock: every question is asked as of a date the caller passes. Months are always added
with `app.core.dates.add_months`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from app.core.dates import (
    add_months,
    date_out_of_range,
    end_of_month,
    last_business_day_on_or_before,
)

__all__ = [
    "CONTINUATION",
    "STAGES",
    "STATUSES",
    "AgreementDates",
    "Period",
    "RecurrenceRule",
    "RuleViolation",
    "TerminationOutcome",
    "Terms",
    "agreement_dates",
    "final_end",
    "last_notice_date",
    "lifecycle_status",
    "notice_runs_until",
    "obligation_occurrences",
    "period_containing",
    "periods",
    "termination_effective_end",
    "validate_recurrence",
    "validate_terms",
]

ONE_DAY = timedelta(days=1)
#: Upper bounds of the term fields: anything beyond is a typing mistake, and would carry the
#: arithmetic past the years a calendar date can hold.
MAX_NOTICE_MONTHS = 120
MAX_NOTICE_DAYS = 3660
MAX_EXTENSION_MONTHS = 120
MAX_EXTENSIONS = 1000

#: `Period.number` of the open-ended (tills vidare) continuation after a fixed term.
CONTINUATION = -1

#: What people record about an agreement.
STAGES = ("procurement", "draft", "decided", "archived")

#: What `lifecycle_status` answers.
STATUSES = (
    "procurement",
    "draft",
    "decided",
    "in_force",
    "extended",
    "notice_given",
    "ended",
    "archived",
)

_MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


class RuleViolation(Exception):
    """A rule of DOMAIN.md refuses the input.

    `code` is a stable machine string (for the API's error body), `message` a Swedish sentence
    for people, and `field` the form field it concerns, where there is one.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Terms:
    """The dated terms of an agreement, as recorded on it."""

    start_date: date
    end_date: date | None  # None = tills vidare
    notice_period_months: int | None = None
    notice_period_days: int | None = None
    notice_must_be_written: bool = False
    notice_ends_at_month_end: bool = False
    extension_months: int | None = None  # None = no automatic extension
    max_extensions: int | None = None  # None = no cap
    continues_open_ended: bool = False  # fixed term, then tills vidare
    #: Periods before these terms' first one: terms in force after an amendment start with the
    #: period that contained its day (see ``app.agreements.terms``), which keeps its number.
    period_offset: int = 0


@dataclass(frozen=True)
class Period:
    """One stretch of an agreement's timeline.

    `number` is 0 for the initial term, k for the k-th automatic extension and `CONTINUATION`
    for the tills vidare continuation after a fixed term. `end` is None when open-ended.
    """

    start: date
    end: date | None
    number: int
    open_ended: bool

    @property
    def is_continuation(self) -> bool:
        return self.number == CONTINUATION


@dataclass(frozen=True)
class TerminationOutcome:
    """What a notice received on a given day does.

    `late` means it came after the current period's last day for notice, so the agreement runs
    a period longer (or, with no period after, still ends at the current period's end).
    `period` is the period the notice was received in; `last_notice_date` is that period's.
    """

    effective_end: date
    late: bool
    period: Period
    last_notice_date: date | None


@dataclass(frozen=True)
class AgreementDates:
    """The API's `dates` block as of a day, plus what the pages and reminders also need."""

    current_period_start: date | None
    current_period_end: date | None
    last_notice_date: date | None
    last_notice_business_day: date | None
    next_end_if_notice_today: date | None
    period_number: int | None
    extends_automatically_on: date | None
    ended: bool


@dataclass(frozen=True)
class RecurrenceRule:
    """When an obligation falls due: once, or every year / half year / quarter / month."""

    kind: Literal["once", "yearly", "semiannual", "quarterly", "monthly"]
    month: int | None = None
    day: int | None = None
    once_date: date | None = None


# --- Terms -------------------------------------------------------------------------------------


def validate_terms(terms: Terms) -> dict[str, str]:
    """Return a Swedish message per form field that breaks a rule; an empty dict means valid."""
    errors: dict[str, str] = {}
    months, days = terms.notice_period_months, terms.notice_period_days

    for name in ("start_date", "end_date"):
        value = getattr(terms, name)
        if value is not None and (message := date_out_of_range(value)):
            errors[name] = message
    if errors:
        return errors

    if terms.end_date is not None and terms.end_date < terms.start_date:
        errors["end_date"] = "Slutdatum kan inte vara före startdatum."

    if months is None and days is None:
        errors["notice_period_months"] = "Ange en uppsägningstid, i månader eller i dagar."
    elif months is not None and days is not None:
        errors["notice_period_days"] = (
            "Ange uppsägningstiden antingen i månader eller i dagar, inte båda."
        )
    elif months is not None and months <= 0:
        errors["notice_period_months"] = "Uppsägningstiden måste vara minst en månad."
    elif days is not None and days <= 0:
        errors["notice_period_days"] = "Uppsägningstiden måste vara minst en dag."
    elif months is not None and months > MAX_NOTICE_MONTHS:
        errors["notice_period_months"] = (
            f"Uppsägningstiden kan vara högst {MAX_NOTICE_MONTHS} månader."
        )
    elif days is not None and days > MAX_NOTICE_DAYS:
        errors["notice_period_days"] = f"Uppsägningstiden kan vara högst {MAX_NOTICE_DAYS} dagar."

    if terms.extension_months is not None:
        if terms.end_date is None:
            errors["extension_months"] = (
                "Ett avtal som gäller tills vidare kan inte förlängas automatiskt; "
                "ange ett slutdatum eller ta bort förlängningen."
            )
        elif terms.extension_months <= 0:
            errors["extension_months"] = "Förlängningen måste vara minst en månad."
        elif terms.extension_months > MAX_EXTENSION_MONTHS:
            errors["extension_months"] = (
                f"En förlängning kan vara högst {MAX_EXTENSION_MONTHS} månader åt gången."
            )

    if terms.max_extensions is not None:
        if terms.extension_months is None:
            errors["max_extensions"] = (
                "Ett högsta antal förlängningar kräver att avtalet förlängs automatiskt."
            )
        elif terms.max_extensions < 0:
            errors["max_extensions"] = "Antalet förlängningar kan inte vara negativt."
        elif terms.max_extensions > MAX_EXTENSIONS:
            errors["max_extensions"] = f"Högst {MAX_EXTENSIONS} förlängningar."

    if terms.continues_open_ended:
        if terms.end_date is None:
            errors["continues_open_ended"] = (
                "Avtalet gäller redan tills vidare; det behöver ett slutdatum för att "
                "övergå till att gälla tills vidare."
            )
        elif terms.extension_months is not None:
            errors["continues_open_ended"] = (
                "Ett avtal kan inte både förlängas automatiskt och övergå till att gälla "
                "tills vidare; välj det ena."
            )

    # A notice period longer than the first term is allowed (a short first term that then
    # extends a year at a time): the first last day for notice then falls before the start,
    # and the first one that can be met is that of a later period.
    return errors


def _require_valid(terms: Terms) -> None:
    errors = validate_terms(terms)
    if errors:
        field, message = next(iter(errors.items()))
        raise RuleViolation("invalid_terms", message, field)


def _no_notice_period() -> RuleViolation:
    return RuleViolation("invalid_terms", "Avtalet saknar uppsägningstid.", "notice_period_months")


def _plus_notice(d: date, terms: Terms) -> date:
    if terms.notice_period_months is not None:
        return add_months(d, terms.notice_period_months)
    if terms.notice_period_days is not None:
        return d + timedelta(days=terms.notice_period_days)
    raise _no_notice_period()


# --- Notice ------------------------------------------------------------------------------------


def notice_runs_until(received: date, terms: Terms) -> date:
    """Return the day notice received on `received` has run its course: R + N months (or days)."""
    return _plus_notice(received, terms)


def last_notice_date(period_end: date, terms: Terms) -> date:
    """Return the latest day R whose notice has run its course by `period_end` (E).

    With months: the latest R with R + N months <= E; with days: R = E - D.
    """
    if terms.notice_period_months is None:
        if terms.notice_period_days is None:
            raise _no_notice_period()
        return period_end - timedelta(days=terms.notice_period_days)
    # E - N months always qualifies; later days may too where months are clamped
    # (E = 2024-06-30, N = 3: 31 March + 3 months is 30 June as well).
    candidate = add_months(period_end, -terms.notice_period_months)
    while add_months(candidate + ONE_DAY, terms.notice_period_months) <= period_end:
        candidate += ONE_DAY
    return candidate


def _open_ended_notice_end(received: date, terms: Terms) -> date:
    runs_until = notice_runs_until(received, terms)
    return end_of_month(runs_until) if terms.notice_ends_at_month_end else runs_until


# --- Periods -----------------------------------------------------------------------------------


def _extension(terms: Terms, k: int) -> Period:
    # Counted from F each time (never chained from the previous end), so that a term that
    # starts at a month's end does not drift to earlier days.
    assert terms.end_date is not None and terms.extension_months is not None
    first = terms.end_date + ONE_DAY
    return Period(
        start=add_months(first, (k - 1) * terms.extension_months),
        end=add_months(first, k * terms.extension_months) - ONE_DAY,
        number=k,
        open_ended=False,
    )


def _initial(terms: Terms) -> Period:
    return Period(
        start=terms.start_date,
        end=terms.end_date,
        number=0,
        open_ended=terms.end_date is None,
    )


def _next_period(terms: Terms, period: Period) -> Period | None:
    """Return the period that follows `period` by itself, or None where the agreement ends."""
    if period.end is None:
        return None
    if terms.extension_months is not None:
        if terms.max_extensions is not None and period.number >= terms.max_extensions:
            return None
        return _extension(terms, period.number + 1)
    if terms.continues_open_ended:
        return Period(start=period.end + ONE_DAY, end=None, number=CONTINUATION, open_ended=True)
    return None


def periods(terms: Terms, until: date) -> Iterator[Period]:
    """Yield every period of the agreement that begins on or before `until`, in order.

    The periods tile the timeline: each begins the day after the previous one ends.
    """
    _require_valid(terms)
    period: Period | None = _initial(terms)
    while period is not None and period.start <= until:
        yield period
        period = _next_period(terms, period)


def _first_extension_ending_on_or_after(terms: Terms, day: date) -> int:
    """The smallest k >= 1 whose k-th extension ends on or after `day`, found by arithmetic
    rather than by stepping through every period since the start."""
    assert terms.end_date is not None and terms.extension_months is not None
    first = terms.end_date + ONE_DAY
    months = (day.year - first.year) * 12 + (day.month - first.month)
    k = max(1, months // terms.extension_months)
    while k > 1 and _extension(terms, k - 1).end >= day:
        k -= 1
    while _extension(terms, k).end < day:
        k += 1
    return k


def periods_from(terms: Terms, day: date, until: date) -> Iterator[Period]:
    """Yield the periods that end on or after `day` (or never end) and begin on or before
    `until`: ``periods(terms, until)`` without the ones that ended before `day`, computed
    directly so that an agreement running since 2008 costs no more than a new one."""
    _require_valid(terms)
    period: Period | None
    if terms.end_date is None or day <= terms.end_date:
        period = _initial(terms)
    elif terms.extension_months is not None:
        k = _first_extension_ending_on_or_after(terms, day)
        if terms.max_extensions is not None and k > terms.max_extensions:
            return
        period = _extension(terms, k)
    elif terms.continues_open_ended:
        period = _next_period(terms, _initial(terms))
    else:
        return
    while period is not None and period.start <= until:
        yield period
        period = _next_period(terms, period)


def final_end(terms: Terms) -> date | None:
    """Return the agreement's natural last day if nobody gives notice; None if it has none."""
    _require_valid(terms)
    if terms.end_date is None or terms.continues_open_ended:
        return None
    if terms.extension_months is not None:
        if terms.max_extensions is None:
            return None
        if terms.max_extensions > 0:
            return _extension(terms, terms.max_extensions).end
    return terms.end_date


def period_containing(terms: Terms, as_of: date) -> Period | None:
    """Return the period that contains `as_of`.

    Before the start that is the initial period; after the natural final end there is none.
    """
    _require_valid(terms)
    if as_of < terms.start_date:
        return _initial(terms)
    last = final_end(terms)
    if last is not None and as_of > last:
        return None
    return next(periods_from(terms, as_of, as_of))


# --- Termination -------------------------------------------------------------------------------


def termination_effective_end(terms: Terms, received: date, written: bool) -> TerminationOutcome:
    """Return the day the agreement ends by a notice received on `received`.

    On or before the current period's last day for notice: that period's end. Later: the end
    of the period after, or R + N months where the agreement goes on tills vidare. With no
    period after, it ends at the current period's end all the same (`late` is set).
    """
    _require_valid(terms)
    if terms.notice_must_be_written and not written:
        raise RuleViolation(
            "notice_not_written",
            "Uppsägningen måste vara skriftlig enligt avtalet.",
            "written",
        )
    if received < terms.start_date:
        raise RuleViolation(
            "notice_before_start",
            f"Uppsägningen kan inte tas emot före avtalets startdatum {terms.start_date}.",
            "received_date",
        )
    current = period_containing(terms, received)
    if current is None:
        raise RuleViolation(
            "notice_after_end",
            f"Avtalet har redan upphört ({final_end(terms)}); det kan inte sägas upp.",
            "received_date",
        )

    if current.end is None:
        return TerminationOutcome(
            effective_end=_open_ended_notice_end(received, terms),
            late=False,
            period=current,
            last_notice_date=None,
        )

    current_deadline = last_notice_date(current.end, terms)
    period: Period = current
    deadline = current_deadline
    while received > deadline:
        following = _next_period(terms, period)
        if following is None:
            break
        if following.end is None:
            # Gone on tills vidare: notice runs, but never ends it before the fixed term's end.
            end = max(current.end, _open_ended_notice_end(received, terms))
            return TerminationOutcome(end, True, current, current_deadline)
        # Normally the period after suffices; an extension shorter than the notice period may
        # need more than one before the notice has run its course.
        period = following
        assert period.end is not None
        deadline = last_notice_date(period.end, terms)
    return TerminationOutcome(
        effective_end=period.end,
        late=received > current_deadline,
        period=current,
        last_notice_date=current_deadline,
    )


def _effective_end_or_none(terms: Terms, received: date) -> date | None:
    try:
        return termination_effective_end(terms, received, written=True).effective_end
    except RuleViolation:
        return None


# --- The dates block and the status ------------------------------------------------------------


def _upcoming_last_notice_date(terms: Terms, period: Period, as_of: date) -> date | None:
    """Return the next last day for notice on or after `as_of`, starting from `period`."""
    candidate: Period | None = period
    while candidate is not None and candidate.end is not None:
        deadline = last_notice_date(candidate.end, terms)
        if as_of <= deadline:
            return deadline
        candidate = _next_period(terms, candidate)
    return None


def agreement_dates(
    terms: Terms, as_of: date, termination_end: date | None = None
) -> AgreementDates:
    """Return the agreement's dates as they stand on `as_of`.

    `termination_end` is the end fixed by a recorded notice, if any. Fields that do not apply
    are None; once the agreement has ended, all of them are.
    """
    period = period_containing(terms, as_of)
    if period is None or (termination_end is not None and as_of > termination_end):
        return AgreementDates(None, None, None, None, None, None, None, ended=True)

    following = _next_period(terms, period)
    extends_on = period.end + ONE_DAY if following is not None and period.end else None

    if termination_end is not None:
        period_end = termination_end if period.end is None else min(period.end, termination_end)
        if extends_on is not None and termination_end < extends_on:
            extends_on = None
        return AgreementDates(
            current_period_start=period.start,
            current_period_end=period_end,
            last_notice_date=None,
            last_notice_business_day=None,
            next_end_if_notice_today=termination_end,
            period_number=_number(terms, period),
            extends_automatically_on=extends_on,
            ended=False,
        )

    deadline = _upcoming_last_notice_date(terms, period, as_of)
    return AgreementDates(
        current_period_start=period.start,
        current_period_end=period.end,
        last_notice_date=deadline,
        last_notice_business_day=(
            last_business_day_on_or_before(deadline) if deadline is not None else None
        ),
        next_end_if_notice_today=_effective_end_or_none(terms, as_of),
        period_number=_number(terms, period),
        extends_automatically_on=extends_on,
        ended=False,
    )


def lifecycle_status(
    terms: Terms, as_of: date, stage: str, termination_end: date | None = None
) -> str:
    """Return the agreement's status on `as_of` from its recorded `stage` and its dates.

    Until it is decided (signed, approved) the recorded stage is the status, and an archived
    agreement stays archived; a decided one is read off the calendar.
    """
    if stage not in STAGES:
        raise ValueError(f"Okänt skede: {stage!r}.")
    if stage != "decided":
        return stage
    if as_of < terms.start_date:
        return "decided"
    period = period_containing(terms, as_of)
    if period is None or (termination_end is not None and as_of > termination_end):
        return "ended"
    if termination_end is not None:
        return "notice_given"
    return "in_force" if _number(terms, period) == 0 else "extended"


def _number(terms: Terms, period: Period) -> int:
    """The period's number over the agreement's whole life (``terms`` may start later)."""
    if period.is_continuation:
        return CONTINUATION
    return period.number + terms.period_offset


# --- Obligations -------------------------------------------------------------------------------

_MONTH_OFFSETS = {"yearly": (0,), "semiannual": (0, 6), "quarterly": (0, 3, 6, 9)}


def validate_recurrence(rule: RecurrenceRule) -> dict[str, str]:
    """Return a Swedish message per field of `rule` that cannot be right; empty means valid."""
    errors: dict[str, str] = {}
    if rule.kind == "once":
        if rule.once_date is None:
            errors["once_date"] = "Ange det datum då skyldigheten ska vara uppfylld."
        return errors
    if rule.kind not in _MONTH_OFFSETS and rule.kind != "monthly":
        errors["kind"] = "Välj en gång, varje år, varje halvår, varje kvartal eller varje månad."
        return errors

    if rule.day is None or not 1 <= rule.day <= 31:
        errors["day"] = "Dagen måste vara ett tal från 1 till 31."
    if rule.kind == "monthly":
        # A monthly duty falls on the day in every month; a day the month lacks means its
        # last day (31 -> 30 April), so no month is asked for.
        return errors

    if rule.month is None or not 1 <= rule.month <= 12:
        errors["month"] = "Månaden måste vara ett tal från 1 till 12."
    if errors:
        return errors

    assert rule.month is not None and rule.day is not None
    month_name = _MONTH_NAMES[rule.month - 1]
    if rule.month == 2 and rule.day == 29:
        errors["day"] = (
            "29 februari finns bara under skottår, så skyldigheten skulle inte infalla varje år. "
            "Välj 28 februari eller 1 mars."
        )
    elif rule.day > calendar.monthrange(2023, rule.month)[1]:
        errors["day"] = f"{rule.day} {month_name} finns inte. Välj en dag som finns i {month_name}."
    return errors


def obligation_occurrences(rule: RecurrenceRule, start: date, until: date) -> list[date]:
    """Return the days from `start` to `until` (both included) on which `rule` falls due.

    Half-yearly and quarterly dates are counted from the rule's day in each year, so a day
    clamped in a short month comes back in the next (31 March, 30 June, 30 September,
    31 December).
    """
    errors = validate_recurrence(rule)
    if errors:
        field, message = next(iter(errors.items()))
        raise RuleViolation("invalid_recurrence", message, field)
    if until < start:
        return []

    if rule.kind == "once":
        assert rule.once_date is not None
        return [rule.once_date] if start <= rule.once_date <= until else []

    assert rule.day is not None
    found: list[date] = []
    if rule.kind == "monthly":
        month_start = start.replace(day=1)
        while month_start <= until:
            last_day = calendar.monthrange(month_start.year, month_start.month)[1]
            found.append(month_start.replace(day=min(rule.day, last_day)))
            month_start = add_months(month_start, 1)
    else:
        assert rule.month is not None
        # Starting a year early catches the later dates of a rule anchored late in a year.
        for year in range(start.year - 1, until.year + 1):
            anchor = date(year, rule.month, rule.day)
            found.extend(add_months(anchor, offset) for offset in _MONTH_OFFSETS[rule.kind])
    return sorted(d for d in set(found) if start <= d <= until)
