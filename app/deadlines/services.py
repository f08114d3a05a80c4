"""Computing, storing and reading deadlines.

One function computes deadlines: ``compute_deadlines(agreements, as_of)``. It runs the
registered *producers* over a batch of agreements; ``deadlines_for(agreement, as_of)`` asks it
about one agreement, ``refresh_all`` about every agreement in bulk. The refreshes also store
each agreement's deadlines as of every day of a span around the refresh (``deadline_spans``,
see :func:`compute_spans`), so the dashboard and the API read any day of it; outside the span
they ask it on the fly, under a time budget.

Producers (the extension point for other packages)
--------------------------------------------------
A producer is ``fn(agreements: Sequence[Agreement], as_of: date) -> Iterable[DeadlineData]``,
registered with ``@register_producer``. It is called with batches of (up to a few hundred)
agreements: real ``Agreement`` objects from ``deadlines_for``, and ``AgreementFacts`` from
``refresh_all`` (the same attributes: id, title, stage, status, board_id,
responsible_person_id, the term fields, ``terminations`` (see ``termination_on``), ``obligations`` with
``fulfilments``; anything else, load by id for the batch). It must not write and
should issue at most a constant number of queries per batch (load what it needs for the whole
batch with one ``IN`` query), so that refreshing 10 000 agreements stays fast. Producers that
are not about one agreement (an index value nobody has entered yet) register with
``@register_global_producer``: ``fn(as_of) -> Iterable[DeadlineData]``; their rows carry
``agreement_id=None``. The finance engineer's ``index_missing`` producer belongs in one of
these, registered from a module that is imported at start-up (e.g. the package's views).

Every deadline has a stable ``key`` ("agreement:12:last_notice:2022-06-30") that the reminder
log refers to; it stays the same across refreshes as long as the deadline does.

Window: deadlines from ``as_of - RECENT_DAYS`` (so a reminder sweep that was down can catch up)
to ``as_of + HORIZON_DAYS``, plus obligations overdue for up to ``OVERDUE_LOOKBACK_DAYS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, text, union_all, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.agreements import lifecycle, rules
from app.agreements.models import (
    Agreement,
    AgreementParty,
    Obligation,
    ObligationFulfilment,
)
from app.agreements.services import (
    TERM_FIELDS,
    agreement_changed,
    last_day,
    live_amendments,
    live_notices,
    status_of,
    termination_end,
    terms_of,
)
from app.core import clock
from app.core.dates import add_months, last_business_day_on_or_before
from app.core.errors import DomainError
from app.core.paging import ListPage
from app.db import utcnow
from app.deadlines.models import (
    DEADLINE_KINDS,
    Deadline,
    DeadlineGlobalSpanState,
    DeadlineRefresh,
    DeadlineSpan,
    DeadlineSpanCoverage,
    DeadlineSpanRefresh,
    DeadlineValidity,
)
from app.extensions import db
from app.indexation.services import index_value_changed

__all__ = [
    "DeadlineData",
    "DeadlineView",
    "AsOfTooCostly",
    "HORIZON_DAYS",
    "compute_deadlines",
    "deadlines_for",
    "list_deadlines",
    "refresh_agreement",
    "refresh_all",
    "refresh_due",
    "register_global_producer",
    "register_global_span",
    "refresh_global",
    "register_producer",
    "stored_as_of",
]

HORIZON_DAYS = 731
RECENT_DAYS = 31
OVERDUE_LOOKBACK_DAYS = 365
# How many days after a refresh its stored rows still answer for (the daily refresh may be late).
STORED_ROWS_VALID_DAYS = 7
# Kinds that stay on the dashboard, marked overdue, once their date has passed undone: an unmet
# obligation, and an index value finance has still not entered.
OVERDUE_KINDS = ("obligation_due", "index_missing")
BATCH_SIZE = 500

ONE_DAY = timedelta(days=1)
# How far past the horizon a refresh looks, to know the day a deadline comes into the window:
# an agreement with nothing there is looked at again after this many days (see refresh_due).
LOOKAHEAD_DAYS = 366
_extra_horizon: ContextVar[int] = ContextVar("extra_horizon", default=0)
# While the as-of span is computed (see compute_spans), the producers give the deadlines of
# every as-of day from the first to the last of these at once (the terms read as of the first:
# the span is cut where they read otherwise).
_as_of_range: ContextVar[tuple[date, date] | None] = ContextVar("as_of_range", default=None)
# An agreement's span rows answer for this many days more than the span asks, spread over the
# agreements, so that the daily refresh recomputes a few of them each day, not all every day.
SPAN_SLACK_DAYS = 30


def _horizon_end(as_of: date) -> date:
    """The last day of the window the producers fill (beyond HORIZON_DAYS while a refresh
    looks ahead for the day its rows stop holding)."""
    return as_of + timedelta(days=HORIZON_DAYS + _extra_horizon.get())


def _window(as_of: date, behind: int) -> tuple[date, date]:
    """The first and last day of the deadlines a producer gives as of ``as_of``: from ``behind``
    days before it to the horizon (before the first and after the last day of an as-of range
    while the span is computed)."""
    first, last = _as_of_range.get() or (as_of, as_of)
    return first - timedelta(days=behind), _horizon_end(last)


@dataclass(frozen=True)
class DeadlineData:
    """A deadline as computed, before (or instead of) being stored."""

    key: str
    kind: str
    date: date
    title: str
    agreement_id: int | None = None
    obligation_id: int | None = None
    series_code: str | None = None
    year: int | None = None
    overdue: bool = False
    organisation_id: int | None = None  # a huvudman's deadline (no agreement)
    only_ended: bool | None = None  # index_missing: it concerns only ended agreements
    business_day: date = field(init=False)

    def __post_init__(self) -> None:
        if self.kind not in DEADLINE_KINDS:
            raise ValueError(f"unknown deadline kind {self.kind!r}")
        object.__setattr__(self, "business_day", last_business_day_on_or_before(self.date))

    def row(self, as_of: date, now) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "agreement_id": self.agreement_id,
            "obligation_id": self.obligation_id,
            "series_code": self.series_code,
            "year": self.year,
            "organisation_id": self.organisation_id,
            "date": self.date,
            "business_day": self.business_day,
            "title": self.title[:300],
            "overdue": self.overdue,
            "only_ended": self.only_ended,
            "as_of": as_of,
            "refreshed_at": now,
        }


Producer = Callable[[Sequence[Agreement], date], Iterable[DeadlineData]]
GlobalProducer = Callable[[date], Iterable[DeadlineData]]
_producers: list[Producer] = []
_global_producers: list[GlobalProducer] = []


def register_producer(fn: Producer) -> Producer:
    """Add a producer of deadlines about agreements (see the module docstring)."""
    if fn not in _producers:
        _producers.append(fn)
    return fn


def register_global_producer(fn: GlobalProducer) -> GlobalProducer:
    """Add a producer of deadlines that belong to no agreement (see the module docstring)."""
    if fn not in _global_producers:
        _global_producers.append(fn)
    return fn


GlobalSpan = Callable[[date, date], Iterable[tuple[DeadlineData, date, date]]]
#: ``maintain(first, last, full)``: bring the producer's stored span rows to answer for every
#: as-of day from ``first`` to ``last`` (``full``: recompute them whatever is stored).
GlobalSpanMaintainer = Callable[[date, date, bool], None]


@dataclass(frozen=True)
class _GlobalSpan:
    name: str
    span: GlobalSpan
    maintain: GlobalSpanMaintainer


_global_spans: dict[GlobalProducer, _GlobalSpan] = {}

#: How many as-of days past the span the stored rows of no agreement are computed for, so
#: that a register that did not change is not recomputed every day (see register_global_span).
GLOBAL_SPAN_SLACK_DAYS = 30


def register_global_span(
    producer: GlobalProducer,
    span: GlobalSpan,
    kind: str,
    maintain: GlobalSpanMaintainer | None = None,
) -> None:
    """Say how a global producer's deadlines read as of every day of a span at once:
    ``span(first, last)`` gives (deadline, the first as-of day it holds on, the first it no
    longer does) for the days from ``first`` to ``last``, exactly what ``producer`` gives as of
    each of them. Its deadlines are all of ``kind``. The span rows then answer for it (the
    daily rows of no agreement are read from them too); a producer without one is asked as of
    the day whenever the span rows answer (see ``_span_page``).

    ``maintain(first, last, full)`` keeps the stored rows (see :func:`replace_global_span_rows`
    and :func:`global_span_state`): it recomputes what may have changed. Without one, the rows
    are recomputed with ``span`` whenever :func:`register_fingerprint` changed or the span
    passes the days they were computed for (GLOBAL_SPAN_SLACK_DAYS ahead)."""
    if maintain is None:

        def maintain(first: date, last: date, full: bool) -> None:
            _maintain_by_fingerprint(kind, span, first, last, full)

    _global_spans[producer] = _GlobalSpan(kind, span, maintain)


def register_fingerprint() -> str:
    """Changes whenever an agreement (every change of its terms, parties, money, amendments
    and notices touches it), an organisation, an index value or a grant rate changes: one
    cheap query."""
    from app.finance.services import money_fingerprint
    from app.parties.models import Organisation

    organisations = db.session.execute(
        db.select(func.count(Organisation.id), func.max(Organisation.id))
    ).one()
    return repr((*money_fingerprint(), *organisations))


def global_span_state(name: str) -> DeadlineGlobalSpanState | None:
    return db.session.get(DeadlineGlobalSpanState, name)


def store_global_span_state(
    name: str, first: date, last: date, fingerprint: str | None, computed_at: datetime
) -> None:
    """Record what ``name``'s stored span rows answer for (see DeadlineGlobalSpanState)."""
    table = DeadlineGlobalSpanState.__table__
    db.session.execute(delete(table).where(table.c.name == name))
    db.session.execute(
        table.insert().values(
            name=name,
            covered_from=first,
            covered_to=last,
            fingerprint=fingerprint,
            computed_at=computed_at,
        )
    )


def replace_global_span_rows(
    kind: str,
    rows: Iterable[tuple[DeadlineData, date, date]],
    organisation_ids: Iterable[int] | None = None,
) -> None:
    """Replace the stored span rows of no agreement of ``kind`` (only those of
    ``organisation_ids``, when given) with ``rows``."""
    table = DeadlineSpan.__table__
    where = (table.c.agreement_id.is_(None)) & (table.c.kind == kind)
    if organisation_ids is None:
        db.session.execute(delete(table).where(where))
    else:
        ids = sorted(set(organisation_ids))
        for start in range(0, len(ids), 500):
            db.session.execute(
                delete(table).where(where, table.c.organisation_id.in_(ids[start : start + 500]))
            )
    values = [_span_row(d, since, until) for d, since, until in rows]
    if values:
        db.session.execute(table.insert(), values)


def _maintain_by_fingerprint(
    name: str, span: GlobalSpan, first: date, last: date, full: bool
) -> None:
    state = global_span_state(name)
    fingerprint = register_fingerprint()
    if (
        not full
        and state is not None
        and state.covered_from <= first
        and last <= state.covered_to
        and state.fingerprint == fingerprint
    ):
        return
    until = last + timedelta(days=GLOBAL_SPAN_SLACK_DAYS)
    replace_global_span_rows(name, list(span(first, until)))
    store_global_span_state(name, first, until, fingerprint, utcnow())


def _key(agreement_id: int, kind: str, day: date, *extra: Any) -> str:
    parts = ["agreement", str(agreement_id), kind, *map(str, extra), day.isoformat()]
    return ":".join(parts)


# --- The built-in producers --------------------------------------------------------------------


def _titles() -> dict[str, str]:
    """The titles' templates, translated once per batch (not once per deadline).

    Stored titles are shared by everyone, so they are always in the default language, whoever
    triggered the refresh."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _title_templates()


def _title_templates() -> dict[str, str]:
    return {
        "notice_end": _("Avtalet upphör efter uppsägning: %(title)s"),
        "last_notice": _("Sista dag för uppsägning (perioden slutar %(end)s): %(title)s"),
        "extension": _("Förlängs automatiskt: %(title)s"),
        "continuation": _("Övergår till att gälla tills vidare: %(title)s"),
        "term_end": _("Avtalstiden slutar: %(title)s"),
    }


@register_producer
def lifecycle_deadlines(agreements: Sequence[Agreement], as_of: date) -> Iterable[DeadlineData]:
    """Last days for notice, automatic extensions and term ends (or the end notice fixed)."""
    first, last = _window(as_of, RECENT_DAYS)
    titles = _titles()
    for agreement in agreements:
        if agreement.stage != "decided" or agreement.start_date is None:
            continue
        terms = terms_of(agreement, as_of)
        ends_by_notice = termination_end(agreement, as_of)
        natural_end = rules.final_end(terms)
        name = {"title": agreement.title}

        def make(kind: str, day: date, title: str, agreement_id: int = agreement.id):
            if first <= day <= last:
                yield DeadlineData(_key(agreement_id, kind, day), kind, day, title, agreement_id)

        # Periods that ended before the window give nothing: skip them without stepping. A
        # period that starts after the window may have its last day for notice in it.
        for period in rules.periods_from(terms, first - ONE_DAY, _notice_reach(terms, last)):
            if ends_by_notice is not None and (period.end is None or period.end >= ends_by_notice):
                yield from make("term_end", ends_by_notice, titles["notice_end"] % name)
                break
            if period.end is None:
                break
            # A period that ended long ago (before the window, with its notice before that)
            # gives nothing.
            if period.end + ONE_DAY < first:
                continue
            if ends_by_notice is None:
                notice_day = rules.last_notice_date(period.end, terms)
                yield from make(
                    "last_notice",
                    notice_day,
                    titles["last_notice"] % {**name, "end": period.end.isoformat()},
                )
            if natural_end is None or period.end < natural_end:
                yield from make(
                    "extension",
                    period.end + ONE_DAY,
                    titles["extension" if terms.extension_months else "continuation"] % name,
                )
            else:
                yield from make("term_end", period.end, titles["term_end"] % name)


def _notice_reach(terms: rules.Terms, last: date) -> date:
    """The latest start of a period whose last day for notice can fall on or before ``last``
    (the notice period after ``last``, and a few days for a notice ending at a month's end)."""
    reach = add_months(last, terms.notice_period_months or 0)
    return reach + timedelta(days=(terms.notice_period_days or 0) + 4)


@register_producer
def obligation_deadlines(agreements: Sequence[Agreement], as_of: date) -> Iterable[DeadlineData]:
    """Obligations falling due, and those overdue (not met) in the last year."""
    lookback, last = _window(as_of, OVERDUE_LOOKBACK_DAYS)
    for agreement in agreements:
        if agreement.stage != "decided" or agreement.start_date is None:
            continue
        ends = last_day(agreement, as_of)
        until = min(last, ends) if ends is not None else last
        start = max(agreement.start_date, lookback)
        for obligation in agreement.obligations:
            if not obligation.active:
                continue
            met = {f.due_date for f in obligation.fulfilments}
            for due in lifecycle.obligation_due_dates(obligation, start, until):
                if due in met:
                    continue
                yield DeadlineData(
                    _key(agreement.id, "obligation_due", due, obligation.id),
                    "obligation_due",
                    due,
                    f"{obligation.title}: {agreement.title}",
                    agreement.id,
                    obligation_id=obligation.id,
                    overdue=due < as_of,
                )


def compute_deadlines(agreements: Sequence[Agreement], as_of: date) -> list[DeadlineData]:
    """Every registered producer's deadlines for ``agreements`` as of ``as_of``, soonest first."""
    found: dict[str, DeadlineData] = {}
    for producer in _producers:
        for item in producer(agreements, as_of):
            found[item.key] = item
    return sorted(found.values(), key=lambda d: (d.date, d.kind, d.agreement_id or 0, d.key))


def compute_with_validity(
    agreements: Sequence[Any], as_of: date
) -> tuple[list[DeadlineData], dict[int, date]]:
    """:func:`compute_deadlines` as of ``as_of``, and per agreement the first day after it on
    which its deadlines or status could read otherwise — until then a refresh would find the
    same (the daily refresh skips it, see :func:`refresh_due`):

    - a deadline's day passes (the status at a period's end; not an obligation's overdue
      flag, see :func:`_mark_overdue`) or leaves the window behind (RECENT_DAYS, or
      OVERDUE_LOOKBACK_DAYS for an obligation);
    - a deadline comes into the window at its far edge: the producers look LOOKAHEAD_DAYS past
      it to find the first; with none there, the day after that look-ahead;
    - the agreement starts, an amendment takes effect or a notice counts from its receipt.
    """
    token = _extra_horizon.set(LOOKAHEAD_DAYS)
    try:
        found = compute_deadlines(agreements, as_of)
    finally:
        _extra_horizon.reset(token)
    edge = as_of + timedelta(days=HORIZON_DAYS)
    horizon = timedelta(days=HORIZON_DAYS)
    until = {a.id: as_of + timedelta(days=LOOKAHEAD_DAYS + 1) for a in agreements}

    def by(agreement_id: int | None, day: date) -> None:
        if agreement_id in until and as_of < day < until[agreement_id]:
            until[agreement_id] = day

    items = []
    for d in found:
        if d.date > edge:
            by(d.agreement_id, d.date - horizon)  # the day it comes into the window
            continue
        items.append(d)
        if d.kind == "obligation_due":
            # Its day passing turns only its overdue flag, which the refresh sets for every
            # agreement at once (:func:`_mark_overdue`); it leaves the window a year later.
            by(d.agreement_id, d.date + timedelta(days=OVERDUE_LOOKBACK_DAYS + 1))
            continue
        for day in (d.date, d.date + ONE_DAY, d.date + timedelta(days=RECENT_DAYS + 1)):
            by(d.agreement_id, day)
    for a in agreements:
        if a.start_date is not None:
            by(a.id, a.start_date)
        for amendment in getattr(a, "amendments", ()):
            by(a.id, amendment.effective_date)
        for notice in a.terminations:
            by(a.id, notice.received_date)
    return items, until


def _write_validity(until: dict[int, date]) -> None:
    """Replace the stored validity of these agreements."""
    table = DeadlineValidity.__table__
    ids = list(until)
    for start in range(0, len(ids), 500):
        db.session.execute(
            delete(table).where(table.c.agreement_id.in_(ids[start : start + 500])),
            execution_options={"synchronize_session": False},
        )
    if until:
        db.session.execute(
            table.insert(), [{"agreement_id": i, "valid_until": day} for i, day in until.items()]
        )


# --- The as-of span: deadlines as of every day, stored with the days they hold on ---------------


def span_days(as_of: date) -> tuple[date, date]:
    """The as-of days a refresh on ``as_of`` makes answerable from stored rows:
    ``AS_OF_SPAN_DAYS_BEFORE`` days before it to ``AS_OF_SPAN_DAYS_AFTER`` days after."""
    config = current_app.config
    return (
        as_of - timedelta(days=int(config.get("AS_OF_SPAN_DAYS_BEFORE", 366))),
        as_of + timedelta(days=int(config.get("AS_OF_SPAN_DAYS_AFTER", 731))),
    )


def as_of_cuts(agreement: Any, first: date, last: date) -> list[tuple[date, date]]:
    """The as-of days from ``first`` to ``last`` cut into intervals ``[from, to)`` over which
    the agreement's terms, end and notice read the same: they change only where an amendment
    takes effect or a notice counts from its receipt (a window's edges and a passed date are
    read against the day asked, not stored)."""
    days = {a.effective_date for a in getattr(agreement, "amendments", ())}
    days.update(t.received_date for t in agreement.terminations)
    starts = sorted({first, *(d for d in days if first < d <= last)})
    return list(zip(starts, [*starts[1:], last + ONE_DAY], strict=True))


def compute_spans(agreements: Sequence[Any], first: date, last: dict[int, date]) -> list[dict]:
    """Each agreement's deadlines as of every day from ``first`` to ``last[agreement id]``, as
    rows of ``deadline_spans``: a deadline that reads the same on consecutive as-of days is one
    row valid from the first of them to the day after the last. For any as-of day T in there,
    the rows valid on T with a date the producers would give as of T (RECENT_DAYS before it to
    HORIZON_DAYS after; obligations OVERDUE_LOOKBACK_DAYS before) are exactly their answer."""
    cuts = {a.id: as_of_cuts(a, first, last[a.id]) for a in agreements}
    calls: dict[tuple[date, date], list[Any]] = {}
    for a in agreements:
        for cut in cuts[a.id]:
            calls.setdefault(cut, []).append(a)
    found: dict[tuple[int, date], set[DeadlineData]] = {}
    for (since, until), group in calls.items():
        token = _as_of_range.set((since, until - ONE_DAY))
        try:
            for d in compute_deadlines(group, since):
                if d.agreement_id is not None:
                    # As stored: overdue is read against the day asked.
                    found.setdefault((d.agreement_id, since), set()).add(replace(d, overdue=False))
        finally:
            _as_of_range.reset(token)
    rows: list[dict] = []

    def close(d: DeadlineData, since: date, until: date) -> None:
        rows.append(_span_row(d, since, until))

    for a in agreements:
        held: dict[DeadlineData, date] = {}  # deadline → the first as-of day it holds on
        for since, _until in cuts[a.id]:
            here = found.get((a.id, since), set())
            for item in [i for i in held if i not in here]:
                close(item, held.pop(item), since)
            for item in here:
                held.setdefault(item, since)
        for item, since in held.items():
            close(item, since, last[a.id] + ONE_DAY)
    return rows


def _span_row(d: DeadlineData, since: date, until: date) -> dict[str, Any]:
    return {
        "agreement_id": d.agreement_id,
        "obligation_id": d.obligation_id,
        "key": d.key,
        "kind": d.kind,
        "date": d.date,
        "business_day": d.business_day,
        "title": d.title[:300],
        "organisation_id": d.organisation_id,
        "series_code": d.series_code,
        "year": d.year,
        "valid_from": since,
        "valid_to": until,
        "only_ended": d.only_ended,
    }


def _write_spans(
    agreements: Sequence[Any], first: date, last: dict[int, date], fresh: bool
) -> None:
    """Replace these agreements' span rows and coverage (``fresh``: none are stored)."""
    ids = [a.id for a in agreements]
    if not fresh:
        for table in (DeadlineSpan.__table__, DeadlineSpanCoverage.__table__):
            for start in range(0, len(ids), 500):
                db.session.execute(
                    delete(table).where(table.c.agreement_id.in_(ids[start : start + 500])),
                    execution_options={"synchronize_session": False},
                )
    rows = compute_spans(agreements, first, last)
    if rows:
        db.session.execute(DeadlineSpan.__table__.insert(), rows)
    if ids:
        db.session.execute(
            DeadlineSpanCoverage.__table__.insert(),
            [{"agreement_id": i, "covered_from": first, "covered_to": last[i]} for i in ids],
        )


def stored_span() -> tuple[date, date] | None:
    """The as-of days every agreement's span rows answer for, or None before any bulk refresh."""
    row = db.session.execute(
        db.select(DeadlineSpanRefresh.span_from, DeadlineSpanRefresh.span_to)
    ).first()
    return (row.span_from, row.span_to) if row is not None else None


def _span_due(first: date, last: date):
    """The ids (a subquery) of the agreements whose span rows do not answer for every as-of day
    from ``first`` to ``last``."""
    c = DeadlineSpanCoverage
    return (
        db.select(Agreement.id)
        .outerjoin(c, c.agreement_id == Agreement.id)
        .where(c.agreement_id.is_(None) | (c.covered_from > first) | (c.covered_to < last))
    )


def _global_span_rows(first: date, last: date) -> list[tuple[DeadlineData, date, date]]:
    """The deadlines of no agreement as of every day from ``first`` to ``last``, of the
    producers that say how they read over a span (see :func:`register_global_span`),
    computed now."""
    return [row for spanned in _global_spans.values() for row in spanned.span(first, last)]


def maintain_global_spans(first: date, last: date, full: bool = False) -> None:
    """Bring the stored span rows of no agreement to answer for the as-of days from ``first``
    to ``last``: each producer recomputes what may have changed (``full``: everything)."""
    for spanned in _global_spans.values():
        spanned.maintain(first, last, full)


def stored_global_span_rows(as_of: date) -> list[DeadlineData]:
    """The stored span rows of no agreement that hold on ``as_of``, as computed deadlines
    (overdue read against ``as_of``)."""
    s = DeadlineSpan
    rows = db.session.execute(
        db.select(
            s.key, s.kind, s.date, s.title, s.series_code, s.year, s.organisation_id, s.only_ended
        ).where(s.agreement_id.is_(None), s.valid_from <= as_of, s.valid_to > as_of)
    )
    return [
        DeadlineData(
            key=row.key,
            kind=row.kind,
            date=row.date,
            title=row.title,
            series_code=row.series_code,
            year=row.year,
            organisation_id=row.organisation_id,
            only_ended=row.only_ended,
            overdue=row.kind in OVERDUE_KINDS and row.date < as_of,
        )
        for row in rows
    ]


def _globals_on(as_of: date) -> list[DeadlineData]:
    """:func:`global_deadlines` as of a day of the stored span: the stored span rows that hold
    on ``as_of`` (the daily refresh does not walk the agreements for them), and the others
    asked as of the day."""
    found = {d.key: d for d in stored_global_span_rows(as_of)}
    found.update((d.key, d) for d in global_deadlines(as_of, without_span=True))
    return list(found.values())


def _refresh_spans(as_of: date, facts: list[Any] | None) -> None:
    """Bring every agreement's span rows to the span of ``as_of``: recompute ``facts`` (all of
    them: a full refresh, which also recomputes the rows of no agreement), or else only the
    agreements whose coverage falls short and the rows of no agreement that may have changed
    (:func:`maintain_global_spans`). A full refresh spreads the coverage's ends over
    SPAN_SLACK_DAYS days so that, later, a few agreements a day are recomputed; a recomputed
    one answers SPAN_SLACK_DAYS days more."""
    first, last = span_days(as_of)
    fresh = facts is not None
    if fresh:
        for table in (DeadlineSpan.__table__, DeadlineSpanCoverage.__table__):
            db.session.execute(delete(table), execution_options={"synchronize_session": False})
    else:
        facts = load_facts(_span_due(first, last))
    for start in range(0, len(facts), BATCH_SIZE):
        batch = facts[start : start + BATCH_SIZE]
        ends = {
            a.id: last + timedelta(days=a.id % SPAN_SLACK_DAYS if fresh else SPAN_SLACK_DAYS)
            for a in batch
        }
        _write_spans(batch, first, ends, fresh)
    maintain_global_spans(first, last, full=fresh)
    db.session.execute(delete(DeadlineSpanRefresh.__table__))
    db.session.execute(
        DeadlineSpanRefresh.__table__.insert().values(id=1, span_from=first, span_to=last)
    )


def _refresh_agreement_span(agreement: Agreement, as_of: date) -> None:
    """Recompute one agreement's span rows: over the register's span (it must answer there
    like every other agreement) and the span of ``as_of``."""
    first, last = span_days(as_of)
    stored = stored_span()
    if stored is not None:
        first, last = min(first, stored[0]), max(last, stored[1])
    _write_spans(
        [agreement], first, {agreement.id: last + timedelta(days=SPAN_SLACK_DAYS)}, fresh=False
    )


def deadlines_for(agreement: Agreement, as_of: date) -> list[DeadlineData]:
    """One agreement's deadlines as of ``as_of`` (no writes)."""
    return compute_deadlines([agreement], as_of)


def global_deadlines(
    as_of: date, without_span: bool = False, check: Callable[[], None] | None = None
) -> list[DeadlineData]:
    """The deadlines of no agreement as of ``as_of`` (``without_span``: only of the producers
    whose deadlines the span rows do not hold); ``check`` is called before each producer (a
    time budget)."""
    found: dict[str, DeadlineData] = {}
    for producer in _global_producers:
        if without_span and producer in _global_spans:
            continue
        if check is not None:
            check()
        for item in producer(as_of):
            found[item.key] = item
    return list(found.values())


# --- Storing -----------------------------------------------------------------------------------


def _write(items: list[DeadlineData], as_of: date) -> None:
    if items:
        now = utcnow()
        db.session.execute(Deadline.__table__.insert(), [d.row(as_of, now) for d in items])


def _write_changes(
    items: list[DeadlineData], stored: dict[str, tuple], seen: set[str], as_of: date
) -> int:
    """Insert the deadlines that are new, update those whose title, overdue flag or business
    day changed, and leave the rest alone (a daily refresh changes few rows). Returns how many
    deadlines ``items`` held."""
    new = [d for d in items if d.key not in stored]
    changed = [
        {
            "b_key": d.key,
            "title": d.title[:300],
            "overdue": d.overdue,
            "business_day": d.business_day,
            "only_ended": d.only_ended,
            "as_of": as_of,
        }
        for d in items
        if d.key in stored
        and stored[d.key] != (d.title[:300], d.overdue, d.business_day, d.only_ended)
    ]
    seen.update(d.key for d in items)
    _write(new, as_of)
    if changed:
        table = Deadline.__table__
        db.session.execute(
            update(table).where(table.c.key == bindparam("b_key")),
            changed,
            execution_options={"synchronize_session": False},
        )
    return len(items)


def refresh_agreement(agreement: Agreement, as_of: date) -> list[DeadlineData]:
    """Rebuild one agreement's stored deadlines and its cached status (no version bump)."""
    db.session.execute(
        delete(Deadline)
        .where(Deadline.agreement_id == agreement.id)
        .execution_options(synchronize_session=False)
    )
    items, until = compute_with_validity([agreement], as_of)
    _write(items, as_of)
    _write_validity(until)
    _refresh_agreement_span(agreement, as_of)
    status = status_of(agreement, as_of)
    if agreement.status != status:
        db.session.execute(
            update(Agreement.__table__)
            .where(Agreement.__table__.c.id == agreement.id)
            # The cached status is no change of the agreement: updated_at stays.
            .values(status=status, updated_at=Agreement.__table__.c.updated_at)
        )
        set_committed_value(agreement, "status", status)
    return items


def refresh_global(as_of: date) -> int:
    """Rebuild the deadlines that belong to no agreement (index values not yet entered), e.g.
    right after finance enters a value."""
    db.session.execute(
        delete(Deadline)
        .where(Deadline.agreement_id.is_(None))
        .execution_options(synchronize_session=False)
    )
    items = global_deadlines(as_of)
    _write(items, as_of)
    return len(items)


class AgreementFacts:
    """What the producers read of an agreement, loaded column by column for a bulk refresh.

    It has the attributes of ``Agreement`` the rules need (the terms, stage, status, title, id)
    and ``terminations`` (live ones, in order of receipt) and ``obligations`` (with ``fulfilments``) as simple
    objects, so 10 000 agreements load in a few plain queries instead of as ORM objects.
    """

    def __init__(self, row) -> None:
        self.__dict__.update(row._asdict())
        self.terminations: list[SimpleNamespace] = []
        self.obligations: list[SimpleNamespace] = []
        self.amendments: list[SimpleNamespace] = []


_FACT_COLUMNS = (
    "id",
    "title",
    "stage",
    "status",
    "board_id",
    "responsible_person_id",
    *TERM_FIELDS,
)


def due_for_refresh(as_of: date):
    """The ids (a subquery) of the agreements whose stored deadlines may not hold on
    ``as_of``: those whose validity has run out, and those with none stored."""
    v = DeadlineValidity
    return (
        db.select(Agreement.id)
        .outerjoin(v, v.agreement_id == Agreement.id)
        .where((v.valid_until <= as_of) | v.valid_until.is_(None))
    )


def load_facts(only=None) -> list[AgreementFacts]:
    """Every agreement's facts (or those whose id is in the subquery ``only``) with four
    queries, whatever the number of agreements."""
    columns = [getattr(Agreement, c) for c in _FACT_COLUMNS]
    stmt = db.select(*columns).order_by(Agreement.id)
    if only is not None:
        stmt = stmt.where(Agreement.id.in_(only))
    facts = {row.id: AgreementFacts(row) for row in db.session.execute(stmt)}
    for agreement_id, notices in live_notices().items():
        if agreement_id in facts:
            facts[agreement_id].terminations = notices
    for agreement_id, amendments in live_amendments().items():
        if agreement_id in facts:
            facts[agreement_id].amendments = amendments
    obligations: dict[int, SimpleNamespace] = {}
    ob = Obligation
    ob_stmt = db.select(
        ob.id,
        ob.agreement_id,
        ob.title,
        ob.recurrence,
        ob.due_month,
        ob.due_day,
        ob.due_date,
        ob.days_before,
        ob.active,
    ).order_by(ob.id)
    met_stmt = db.select(ObligationFulfilment.obligation_id, ObligationFulfilment.due_date)
    if only is not None:
        ob_stmt = ob_stmt.where(ob.agreement_id.in_(only))
        met_stmt = met_stmt.join(ob, ob.id == ObligationFulfilment.obligation_id).where(
            ob.agreement_id.in_(only)
        )
    for row in db.session.execute(ob_stmt):
        item = SimpleNamespace(**row._asdict(), fulfilments=[])
        obligations[row.id] = item
        facts[row.agreement_id].obligations.append(item)
    for row in db.session.execute(met_stmt):
        obligations[row.obligation_id].fulfilments.append(SimpleNamespace(due_date=row.due_date))
    return list(facts.values())


def refresh_all(as_of: date, progress: Callable[[int], Any] | None = None) -> int:
    """Recompute every agreement's deadlines and status as of ``as_of``, in bulk.

    Agreements are read with a fixed number of queries (``load_facts``) and computed in
    batches; only what changed is written (new deadlines inserted, changed ones updated, gone
    ones deleted, then every row stamped with ``as_of`` in one UPDATE), statuses with one
    executemany UPDATE (no version bump), and each agreement's validity (see
    :func:`compute_with_validity`). ``progress(n)`` is called after each batch with the number
    of agreements it held. Returns the number of deadlines written. The caller commits.
    """
    return _refresh(as_of, progress, only_due=False)


def refresh_due(as_of: date, progress: Callable[[int], Any] | None = None) -> int:
    """The daily refresh: :func:`refresh_all`'s result, recomputing only the agreements whose
    stored deadlines may not hold on ``as_of`` (:func:`due_for_refresh`) and the deadlines of no
    agreement. A day before the stored one (a clock put back, an operator's ``--as-of``)
    recomputes everything. Returns the number of deadlines written for the recomputed."""
    stored = stored_as_of()
    if _needs_full(as_of, stored):
        return refresh_all(as_of, progress)
    _mark_overdue(stored, as_of)
    return _refresh(as_of, progress, only_due=True)


def _mark_overdue(since: date, as_of: date) -> None:
    """The obligations whose day passed since the stored day ``since`` (not met: a met one has
    no row) are overdue as of ``as_of``: one UPDATE over the date index, instead of recomputing
    every agreement whose obligation fell due (on 31 March, most of a register)."""
    db.session.execute(
        update(Deadline)
        .where(
            Deadline.kind == "obligation_due",
            Deadline.agreement_id.is_not(None),
            Deadline.date >= since,
            Deadline.date < as_of,
            Deadline.overdue.is_(False),
        )
        .values(overdue=True)
        .execution_options(synchronize_session=False)
    )


def needs_full_refresh(as_of: date) -> bool:
    """Whether :func:`refresh_due` recomputes everything on ``as_of``: nothing refreshed yet,
    or a day before the stored one."""
    return _needs_full(as_of, stored_as_of())


def _needs_full(as_of: date, stored: date | None) -> bool:
    return stored is None or as_of < stored


def stored_rows(only=None):
    """The SELECT of the stored deadlines a refresh compares with what it computes: of the
    agreements whose ids the subquery ``only`` gives, and of no agreement (None: all). Two
    arms of a UNION ALL: asked as ``IN (only) OR IS NULL``, PostgreSQL cannot join the ids
    and, when they do not fit in ``work_mem`` (most of a national register due on one day),
    reads them again for every stored row."""
    stmt = db.select(
        Deadline.key, Deadline.title, Deadline.overdue, Deadline.business_day, Deadline.only_ended
    )
    if only is None:
        return stmt
    return union_all(
        stmt.where(Deadline.agreement_id.in_(only)), stmt.where(Deadline.agreement_id.is_(None))
    )


def _refresh(as_of: date, progress: Callable[[int], Any] | None, only_due: bool) -> int:
    db.session.flush()
    only = due_for_refresh(as_of) if only_due else None
    facts = load_facts(only)
    stored = {key: tuple(values) for key, *values in db.session.execute(stored_rows(only))}
    seen: set[str] = set()
    written = 0
    status_changes: list[dict[str, Any]] = []
    for start in range(0, len(facts), BATCH_SIZE):
        batch = facts[start : start + BATCH_SIZE]
        items, until = compute_with_validity(batch, as_of)
        written += _write_changes(items, stored, seen, as_of)
        _write_validity(until)
        for agreement in batch:
            status = status_of(agreement, as_of)  # type: ignore[arg-type]
            if agreement.status != status:
                status_changes.append({"b_id": agreement.id, "b_status": status})
        if progress is not None:
            progress(len(batch))
    _refresh_spans(as_of, None if only_due else facts)
    written += _write_changes(_globals_on(as_of), stored, seen, as_of)
    gone = [key for key in stored if key not in seen]
    for start in range(0, len(gone), 500):
        db.session.execute(
            delete(Deadline)
            .where(Deadline.key.in_(gone[start : start + 500]))
            .execution_options(synchronize_session=False)
        )
    if db.engine.dialect.name == "postgresql" and written >= 5000:
        # Many rows written at once: fresh planner statistics keep the dashboard on its indexes.
        db.session.execute(text("ANALYZE deadlines"))
        db.session.execute(text("ANALYZE deadline_spans"))
    # The stored rows as a whole now describe as_of (one row, whatever the number of them).
    db.session.execute(delete(DeadlineRefresh.__table__))
    db.session.execute(
        DeadlineRefresh.__table__.insert().values(id=1, as_of=as_of, refreshed_at=utcnow())
    )
    if status_changes:
        table = Agreement.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), updated_at=table.c.updated_at),
            status_changes,
        )
        # Loaded objects hold the old status; give them the new one without a reload.
        for change in status_changes:
            obj = db.session.identity_map.get(identity_key(Agreement, change["b_id"]))
            if obj is not None:
                set_committed_value(obj, "status", change["b_status"])
    return written


@agreement_changed.connect
def _on_agreement_changed(agreement: Agreement, **_extra: Any) -> None:
    # The edge of the system: the stored rows describe today, as the daily refresh does.
    refresh_agreement(agreement, clock.today())


@index_value_changed.connect
def _on_index_value_changed(_series: Any, **_extra: Any) -> None:
    # An entered value ends its "index value missing" deadline at once, not at the next refresh,
    # in the daily rows and in the span's.
    refresh_global(clock.today())
    span = stored_span()
    if span is not None:
        maintain_global_spans(*span)


# --- Reading -----------------------------------------------------------------------------------


@dataclass
class DeadlineView:
    """A computed deadline with its agreement, shaped like a stored ``Deadline`` row."""

    key: str
    kind: str
    date: date
    business_day: date
    title: str
    overdue: bool
    agreement_id: int | None
    obligation_id: int | None
    agreement: Agreement | None
    # index_missing deadlines name their series and year (the start page groups by them).
    series_code: str | None = None
    year: int | None = None
    organisation_id: int | None = None  # a huvudman's deadline


def stored_as_of() -> date | None:
    """The day the stored deadlines describe, as a whole: the day of the last bulk refresh (one
    agreement refreshed today says nothing of the others); before any, the oldest day among
    rows written one agreement at a time. None when nothing is stored."""
    day = db.session.execute(db.select(DeadlineRefresh.as_of)).scalar()
    if day is not None:
        return day
    return db.session.execute(db.select(func.min(Deadline.as_of))).scalar()


def stored_rows_answer_for(as_of: date, until: date) -> bool:
    """Whether the stored rows answer for ``as_of`` up to ``until``: the refresh day and the
    few days after it (the daily refresh may be late; dates are re-read against as_of), unless
    an amendment takes effect or a notice counts in between — then the terms themselves read
    otherwise, and the deadlines are computed."""
    stored = stored_as_of()
    if (
        stored is None
        or not stored <= as_of <= stored + timedelta(days=STORED_ROWS_VALID_DAYS)
        or until > stored + timedelta(days=HORIZON_DAYS)
    ):
        return False
    if as_of == stored:
        return True
    from app.agreements.models import Amendment, Termination

    between = db.union_all(
        db.select(Amendment.id).where(
            Amendment.withdrawn_at.is_(None),
            Amendment.effective_date > stored,
            Amendment.effective_date <= as_of,
        ),
        db.select(Termination.id).where(
            Termination.withdrawn_at.is_(None),
            Termination.received_date > stored,
            Termination.received_date <= as_of,
        ),
    )
    return db.session.execute(between.limit(1)).first() is None


def _agreement_filters(
    stmt,
    board_id,
    organisation_id,
    responsible_person_id,
    agreement_id=None,
    organisation_deadlines: bool = False,
):
    """Narrow a query of agreements (or of stored deadlines joined to their agreements) to the
    filters given. With ``organisation_deadlines`` (stored deadlines), a party filter keeps the
    organisation's own deadlines too (a huvudman's 1 March application)."""
    if agreement_id:
        stmt = stmt.where(Agreement.id == agreement_id)
    if board_id:
        stmt = stmt.where(Agreement.board_id == board_id)
    if responsible_person_id:
        stmt = stmt.where(Agreement.responsible_person_id == responsible_person_id)
    if organisation_id:
        of_party = Agreement.id.in_(
            db.select(AgreementParty.agreement_id).where(
                AgreementParty.organisation_id == organisation_id
            )
        )
        if organisation_deadlines and not (agreement_id or board_id or responsible_person_id):
            stmt = stmt.where(of_party | (Deadline.organisation_id == organisation_id))
        else:
            stmt = stmt.where(of_party)
    return stmt


def list_deadlines(
    as_of: date,
    within_days: int = 90,
    kinds: Sequence[str] | None = None,
    board_id: int | None = None,
    organisation_id: int | None = None,
    responsible_person_id: int | None = None,
    agreement_id: int | None = None,
    include_overdue: bool = True,
    page: int = 1,
    per_page: int = 100,
) -> ListPage:
    """Deadlines from ``as_of`` to ``as_of + within_days`` (and overdue obligations), soonest
    first, one page of them.

    When ``as_of`` is the day of the stored refresh, stored rows are read with one joined query
    (plus a count); for any other day they are computed on the fly with the same producers.
    """
    until = as_of + timedelta(days=within_days)
    kinds = [k for k in (kinds or []) if k in DEADLINE_KINDS]
    # Stored rows answer for the refresh day and the few days after it (see
    # stored_rows_answer_for); overdue is re-read against as_of below.
    if stored_rows_answer_for(as_of, until):
        window = Deadline.date.between(as_of, until)
        if include_overdue:
            # Stored rows of these kinds are the undone ones (meeting one refreshes the rows).
            window = window | (Deadline.kind.in_(OVERDUE_KINDS) & (Deadline.date < as_of))
        stmt = (
            db.select(Deadline)
            .outerjoin(Deadline.agreement)
            .options(
                db.contains_eager(Deadline.agreement).joinedload(Agreement.board),
                db.contains_eager(Deadline.agreement).joinedload(Agreement.responsible_person),
            )
            .where(window)
        )
        if kinds:
            stmt = stmt.where(Deadline.kind.in_(kinds))
        stmt = _agreement_filters(
            stmt,
            board_id,
            organisation_id,
            responsible_person_id,
            agreement_id,
            organisation_deadlines=True,
        )
        stmt = stmt.order_by(Deadline.date, Deadline.kind, Deadline.agreement_id, Deadline.key)
        result = db.paginate(
            stmt, page=page, per_page=per_page, max_per_page=500, error_out=False, count=False
        )
        items = list(result.items)
        for row in items:
            # Relative to this as_of, without marking the row changed.
            set_committed_value(row, "overdue", row.kind in OVERDUE_KINDS and row.date < as_of)
        filters = (board_id, organisation_id, responsible_person_id, agreement_id)
        counted = db.select(Deadline.id)
        if any(filters):
            counted = _agreement_filters(
                counted.outerjoin(Agreement, Agreement.id == Deadline.agreement_id),
                *filters,
                organisation_deadlines=True,
            )

        def window_of(kind: str):
            if include_overdue and kind in OVERDUE_KINDS:
                return Deadline.date <= until  # the overdue ones end the day before as_of
            return Deadline.date.between(as_of, until)

        total = count_by_kind(counted, Deadline, kinds or DEADLINE_KINDS, window_of)
        return ListPage(items, total, page, per_page)

    filters = (board_id, organisation_id, responsible_person_id, agreement_id)
    if span_answers_for(as_of):
        return _span_page(as_of, until, kinds, include_overdue, page, per_page, filters)
    return _computed_page(as_of, until, kinds, include_overdue, page, per_page, filters)


def span_answers_for(as_of: date) -> bool:
    """Whether the span rows answer for ``as_of`` (see :func:`span_rows`)."""
    span = stored_span()
    return span is not None and span[0] <= as_of <= span[1]


def span_rows(as_of: date, filters: Sequence[Any] = ()):
    """A query of the span rows valid on ``as_of`` (of agreements that pass ``filters``:
    board, organisation, responsible person, agreement; a filter leaves out the deadlines of no
    agreement, as :func:`_computed_page` does), as plain columns shaped like the stored
    deadlines; the caller adds the window of dates it shows (see :func:`span_window`)."""
    s = DeadlineSpan
    stmt = (
        db.select(
            s.key,
            s.kind,
            s.date,
            s.business_day,
            s.title,
            s.agreement_id,
            s.obligation_id,
            s.series_code,
            s.year,
            s.organisation_id,
            s.only_ended,
        )
    ).where(s.valid_from <= as_of, s.valid_to > as_of)
    if not any(filters):
        # Nothing of the agreements is asked: no join, so that a count is answered from the
        # index alone (``ix_deadline_spans_kind_date`` carries the days each row holds for).
        return stmt
    stmt = stmt.outerjoin(Agreement, Agreement.id == s.agreement_id)
    return _agreement_filters(stmt, *filters)


def span_window(as_of: date, until: date | None, overdue: bool, kind: str | None = None):
    """The span rows the producers would give as of ``as_of`` from it to ``until`` (None:
    none of those), and with ``overdue`` the overdue ones of the lookback. With ``kind``, the
    window of the rows of that kind only, as one range of dates where it can be (what an index
    in date order per kind answers without filtering)."""
    s = DeadlineSpan
    window = db.false()
    if until is not None:
        window = s.date.between(as_of, min(until, as_of + timedelta(days=HORIZON_DAYS)))
    if not overdue:
        return window
    # An unmet obligation is looked for a year back; a missing index value however old.
    lookback = as_of - timedelta(days=OVERDUE_LOOKBACK_DAYS)
    if kind is None:
        obligations = (s.kind == "obligation_due") & s.date.between(lookback, as_of - ONE_DAY)
        others = s.kind.in_(OVERDUE_KINDS) & (s.kind != "obligation_due") & (s.date < as_of)
        return window | others | obligations
    # The caller asks for this kind: one range of dates (the overdue days end the day before
    # the window begins), what an index per kind in date order answers without filtering.
    if kind not in OVERDUE_KINDS:
        return window
    last = as_of - ONE_DAY if until is None else min(until, as_of + timedelta(days=HORIZON_DAYS))
    if kind == "obligation_due":
        return s.date.between(lookback, last)
    return s.date <= last


def _in_order(columns: Any) -> tuple:
    """The lists' order, soonest first: date, kind, agreement, key (``ix_*_date_kind``)."""
    return (columns.date, columns.kind, columns.agreement_id, columns.key)


def first_in_order(
    base, table, kinds: Sequence[str], window: Callable[[str], Any], limit: int, offset: int = 0
) -> list:
    """Rows ``offset`` to ``offset + limit`` of ``base`` (which selects at least ``date``,
    ``kind``, ``agreement_id`` and ``key`` of ``table``) of ``kinds`` within ``window(kind)``
    in the lists' order, in one statement: kind by kind, each the start of an index range in
    that order (``ix_*_kind_date``), merged. One query over all the kinds with a window per
    kind would have to sort every row of the window first (tens of thousands on a national
    register, ×10 from 10 000 to 100 000 agreements); this reads ``offset + limit`` per kind."""
    parts = [
        db.select(
            base.where(table.kind == kind, window(kind))
            .order_by(*_in_order(table))
            .limit(offset + limit)
            .subquery()
        )
        for kind in kinds
    ]
    if not parts:
        return []
    merged = union_all(*parts).subquery()
    stmt = db.select(merged).order_by(*_in_order(merged.c)).offset(offset).limit(limit)
    return db.session.execute(stmt).all()


def count_by_kind(base, table, kinds: Sequence[str], window: Callable[[str], Any]) -> int:
    """How many rows ``base`` has of ``kinds`` within ``window(kind)``: one statement, a count
    per kind over its range of dates (on PostgreSQL, without filters, an index-only scan of
    ``ix_deadline_spans_kind_date``, which carries the days each row holds for)."""
    if not kinds:
        return 0
    given = [] if base.whereclause is None else [base.whereclause]
    counts = [
        db.select(func.count())
        .select_from(*base.get_final_froms())
        .where(*given, table.kind == kind, window(kind))
        .scalar_subquery()
        for kind in kinds
    ]
    return sum(int(n or 0) for n in db.session.execute(db.select(*counts)).one())


def _order(d: Any) -> tuple:
    return (d.date, d.kind, d.agreement_id or 0, d.key)


def _chosen(
    items: Iterable[Any], as_of: date, until: date, kinds: Sequence[str], include_overdue: bool
) -> list[Any]:
    return [
        d
        for d in items
        if (as_of <= d.date <= until or (include_overdue and d.overdue and d.date < as_of))
        and (not kinds or d.kind in kinds)
    ]


def _chosen_globals(
    as_of: date,
    until: date,
    kinds: Sequence[str],
    include_overdue: bool,
    filters: Sequence[Any],
    without_span: bool = False,
    check: Callable[[], None] | None = None,
) -> list[DeadlineData]:
    """The deadlines of no agreement computed as of ``as_of`` (``without_span``: only those the
    span rows do not hold), none when the agreements are filtered, soonest first."""
    if any(filters):
        return []
    found = global_deadlines(as_of, without_span, check)
    return sorted(_chosen(found, as_of, until, kinds, include_overdue), key=_order)


def _span_page(
    as_of: date,
    until: date,
    kinds: Sequence[str],
    include_overdue: bool,
    page: int,
    per_page: int,
    filters: tuple,
) -> ListPage:
    """:func:`_computed_page`'s answer read from the span rows: one counted, indexed query
    however many agreements, merged with the few deadlines of no agreement."""
    base = span_rows(as_of, filters)
    asked = list(kinds) or list(DEADLINE_KINDS)

    def window(kind: str):
        return span_window(as_of, until, include_overdue, kind)

    # The exact total API.md asks for: it grows with the register (see README, "Sizing").
    count = count_by_kind(base, DeadlineSpan, asked, window)
    extra = _chosen_globals(as_of, until, kinds, include_overdue, filters, without_span=True)
    total = count + len(extra)
    offset = (page - 1) * per_page
    # The page's rows are among the agreements' rows from ``first`` on (the deadlines of no
    # agreement before the page push it back by at most their number) and those of no
    # agreement after the first row read.
    first = max(0, min(offset - len(extra), count - 1))
    read = [
        SimpleNamespace(
            **row._asdict(),
            overdue=row.kind in OVERDUE_KINDS and row.date < as_of,
        )
        for row in first_in_order(
            base, DeadlineSpan, asked, window, per_page + len(extra), offset=first
        )
    ]
    at = first
    if first and read:
        before = [d for d in extra if _order(d) < _order(read[0])]
        at += len(before)
        extra = extra[len(before) :]
    merged = sorted(read + extra, key=_order)
    shown = merged[offset - at : offset - at + per_page]
    return ListPage(_views(shown), total, page, per_page)


class AsOfTooCostly(DomainError):
    """Deadlines as of a day other than the stored refresh would take longer to work out than
    ``AS_OF_TIME_BUDGET_SECONDS`` allows (503, code ``as_of_too_costly``): the worker is freed
    instead of being tied up. Narrower filters (a board, a party, a person, one agreement), a
    day within a week after the stored refresh, or the daily refresh itself answer at once."""

    status = 503
    code = "as_of_too_costly"


_BUDGET_STARTED = "avtalskollen.as_of_computing_since"


def _as_of_budget(as_of: date) -> Callable[[], None]:
    """A check that raises :class:`AsOfTooCostly` once the request has spent
    ``AS_OF_TIME_BUDGET_SECONDS`` computing deadlines. The clock starts at the request's first
    computed page and is shared by every later one of the same request: the start page computes
    its list and its sections, and together they stay within one budget."""
    budget = float(current_app.config.get("AS_OF_TIME_BUDGET_SECONDS", 10))
    if has_request_context():
        started = request.environ.setdefault(_BUDGET_STARTED, time.monotonic())
    else:
        started = time.monotonic()

    def check() -> None:
        if time.monotonic() - started > budget:
            raise AsOfTooCostly(
                _(
                    "Frister per %(day)s räknas fram avtal för avtal och skulle ta längre tid än "
                    "%(seconds)s sekunder. Välj en dag nära den senaste uppdateringen, eller "
                    "begränsa urvalet (nämnd, part, ansvarig).",
                    day=as_of.isoformat(),
                    seconds=f"{budget:g}",
                )
            )

    check()
    return check


def _computed_page(
    as_of: date,
    until: date,
    kinds: Sequence[str],
    include_overdue: bool,
    page: int,
    per_page: int,
    filters: tuple,
) -> ListPage:
    """Deadlines computed on the fly for a day the stored rows do not describe, with bounded
    memory and time: agreements are read in batches of ``BATCH_SIZE`` (keyset on id, each batch
    let go of before the next), only the chosen deadlines' plain values are kept, and the page's
    agreements are loaded at the end. Past ``AS_OF_TIME_BUDGET_SECONDS`` (default 10) it stops
    with :class:`AsOfTooCostly` rather than keep the worker."""
    check_budget = _as_of_budget(as_of)
    base = _agreement_filters(
        db.select(Agreement).where(Agreement.stage == "decided"), *filters
    ).options(
        db.selectinload(Agreement.terminations),
        db.selectinload(Agreement.amendments),
        db.selectinload(Agreement.obligations).selectinload(Obligation.fulfilments),
    )
    chosen: list[DeadlineData] = []
    last_id = 0
    while True:
        batch = (
            db.session.execute(
                base.where(Agreement.id > last_id).order_by(Agreement.id).limit(BATCH_SIZE)
            )
            .unique()
            .scalars()
            .all()
        )
        if not batch:
            break
        last_id = batch[-1].id
        chosen.extend(
            _chosen(compute_deadlines(batch, as_of), as_of, until, kinds, include_overdue)
        )
        for agreement in batch:
            if agreement not in db.session.dirty:
                db.session.expunge(agreement)  # with its notices and obligations (cascade)
        del batch
        check_budget()
    chosen += _chosen_globals(as_of, until, kinds, include_overdue, filters, check=check_budget)
    chosen.sort(key=_order)
    start = (page - 1) * per_page
    return ListPage(_views(chosen[start : start + per_page]), len(chosen), page, per_page)


def view_of(d: Any, agreement: Agreement | None = None) -> DeadlineView:
    """A deadline (computed, or a span row) as a view, with its agreement when given."""
    return DeadlineView(
        d.key,
        d.kind,
        d.date,
        d.business_day,
        d.title,
        d.overdue,
        d.agreement_id,
        d.obligation_id,
        agreement,
        d.series_code,
        d.year,
        d.organisation_id,
    )


def _views(shown: Sequence[Any]) -> list[DeadlineView]:
    """Deadlines (computed, or span rows) as views with their agreements, loaded in one query."""
    ids = {d.agreement_id for d in shown if d.agreement_id}
    by_id = {
        a.id: a
        for a in db.session.execute(
            db.select(Agreement)
            .where(Agreement.id.in_(ids))
            .options(db.joinedload(Agreement.board), db.joinedload(Agreement.responsible_person))
        ).scalars()
    }
    return [view_of(d, by_id.get(d.agreement_id) if d.agreement_id else None) for d in shown]
