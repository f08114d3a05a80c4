"""The start page's sections, "decisions first": what the deadlines mean for the people who act.

``group_start_page`` is pure (deadline rows and agreement facts in, sections out):

- **decisions**: the last days for notice and the automatic extensions within the window, one
  row per agreement and period, each saying what happens if nothing is done ("förlängs 24
  månader till 2028-12-31"); an agreement with a recorded notice shows its end instead;
- **due**: obligations falling due within the window, index values to enter and the
  huvudman's 1 March application to Länsstyrelsen;
- **overdue**: unmet obligations of agreements that still run, one row per obligation with its
  dates, and missing index values, one row per series with its years;
- **ended**: the same kinds of gaps that concern only agreements that have ended: not overdue
  (nobody can act on them any more), listed apart.

``start_page`` loads what the grouping needs (the deadlines through ``list_deadlines``, the
agreements with their terms, and which agreements a missing index value concerns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from app.agreements import rules
from app.agreements.services import last_day, termination_end, terms_of
from app.core import bulk
from app.core.dates import last_business_day_on_or_before

DECISION_KINDS = ("last_notice", "extension", "term_end")
DUE_KINDS = ("obligation_due", "index_missing", "grant_application")
ONE_DAY = timedelta(days=1)


@dataclass
class DecisionRow:
    """A decision to take (or an end to prepare for) about one agreement."""

    kind: str  # last_notice | extension | term_end
    date: date
    business_day: date
    agreement: Any
    consequence: str
    extends_on: date | None = None  # the day the next period starts, if nothing is done
    next_end: date | None = None  # that period's last day (None: tills vidare)
    notice_recorded: bool = False


@dataclass
class DueRow:
    """An obligation falling due, or an index value to enter, within the window."""

    date: date
    business_day: date
    agreement: Any
    obligation_id: int | None
    title: str
    series_code: str | None = None
    organisation_id: int | None = None  # a huvudman's 1 March application
    year: int | None = None


@dataclass
class GapGroup:
    """Overdue (or, for ended agreements, merely open) items grouped: one obligation of one
    agreement with its dates, or one index series with its missing years."""

    kind: str  # obligation | index
    title: str
    first_date: date
    dates: list[date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    agreement: Any = None
    obligation_id: int | None = None
    series_code: str | None = None


@dataclass
class StartPage:
    as_of: date
    until: date
    decisions: list[DecisionRow]
    due: list[DueRow]
    overdue: list[GapGroup]
    ended: list[GapGroup]
    #: Sections cut at their row cap (``SECTION_ROWS``/``OVERDUE_ROWS``): the page says so.
    truncated: frozenset[str] = frozenset()


def _has_ended(agreement: Any, as_of: date) -> bool:
    end = last_day(agreement, as_of)
    return end is not None and end < as_of


def _period_after(terms: rules.Terms, period_end: date) -> rules.Period | None:
    for period in rules.periods_from(terms, period_end + ONE_DAY, period_end + ONE_DAY):
        if period.start == period_end + ONE_DAY:
            return period
    return None


def _period_by_last_notice(
    terms: rules.Terms, notice_day: date, as_of: date
) -> rules.Period | None:
    """The period whose last day for notice is ``notice_day``."""
    horizon = notice_day + timedelta(days=3700)
    for period in rules.periods_from(terms, notice_day, horizon):
        if period.end is None:
            return None
        if rules.last_notice_date(period.end, terms) == notice_day:
            return period
        if period.end > horizon:
            return None
    return None


def what_happens(terms: rules.Terms, period_end: date) -> tuple[str, date | None, date | None]:
    """What happens at the end of the period ending ``period_end`` if nobody gives notice:
    (sentence, the day the next period starts or None, its last day or None)."""
    following = _period_after(terms, period_end)
    if following is None:
        return (
            _("Avtalet upphör %(end)s även utan uppsägning.", end=period_end.isoformat()),
            None,
            None,
        )
    if following.end is None:
        return (
            _(
                "Om inget görs gäller avtalet tills vidare från %(start)s.",
                start=following.start.isoformat(),
            ),
            following.start,
            None,
        )
    return (
        _(
            "Om inget görs förlängs avtalet %(months)s månader till %(end)s.",
            months=terms.extension_months,
            end=following.end.isoformat(),
        ),
        following.start,
        following.end,
    )


def group_start_page(
    items: Iterable[Any],
    as_of: date,
    until: date,
    agreements: dict[int, Any],
    index_agreements: Callable[[str, int], Sequence[int]] | None = None,
    ended_ids: set[int] | None = None,
) -> StartPage:
    """Group deadline rows (stored ``Deadline`` rows or computed ones: kind, date,
    business_day, title, agreement_id, obligation_id, series_code, year) into the start
    page's sections. ``agreements`` maps id → agreement (with terms and terminations);
    ``index_agreements(code, year)`` names the agreements a missing index value concerns (a
    gap that concerns only ended agreements is not overdue); ``ended_ids``, when given, says
    which agreements have ended without loading them (else ``agreements`` is asked)."""
    decisions: list[DecisionRow] = []
    due: list[DueRow] = []
    obligation_gaps: dict[tuple[int, int | None], GapGroup] = {}
    index_gaps: dict[str, GapGroup] = {}
    ended_index: dict[str, GapGroup] = {}
    ended: list[GapGroup] = []
    decided: set[tuple[int, date]] = set()  # (agreement, period end) already shown

    rows = sorted(items, key=lambda d: (d.date, d.kind, d.agreement_id or 0))
    for d in rows:
        agreement = agreements.get(d.agreement_id) if d.agreement_id else None
        if d.kind in DECISION_KINDS:
            if agreement is None or not (as_of <= d.date <= until):
                continue
            row = _decision(d, agreement, as_of, decided)
            if row is not None:
                decisions.append(row)
        elif d.kind == "obligation_due":
            if agreement is None:
                continue
            if d.date >= as_of:
                if d.date <= until:
                    due.append(DueRow(d.date, d.business_day, agreement, d.obligation_id, d.title))
                continue
            key = (agreement.id, d.obligation_id)
            group = obligation_gaps.get(key)
            if group is None:
                group = obligation_gaps[key] = GapGroup(
                    "obligation",
                    d.title,
                    d.date,
                    agreement=agreement,
                    obligation_id=d.obligation_id,
                )
            group.dates.append(d.date)
        elif d.kind == "grant_application":
            if as_of <= d.date <= until:
                due.append(
                    DueRow(
                        d.date,
                        d.business_day,
                        agreement,
                        None,
                        d.title,
                        organisation_id=getattr(d, "organisation_id", None),
                        year=d.year,
                    )
                )
        elif d.kind == "index_missing" and d.series_code and d.year:
            if d.date > until:
                continue
            if d.date >= as_of:
                due.append(
                    DueRow(d.date, d.business_day, None, None, d.title, series_code=d.series_code)
                )
                continue
            concerned = list(index_agreements(d.series_code, d.year)) if index_agreements else []
            if getattr(d, "only_ended", None) is not None:
                only_ended = d.only_ended  # a stored row says
            elif ended_ids is not None:
                only_ended = bool(concerned) and all(a in ended_ids for a in concerned)
            else:
                only_ended = bool(concerned) and all(
                    a in agreements and _has_ended(agreements[a], as_of) for a in concerned
                )
            target = ended_index if only_ended else index_gaps
            group = target.get(d.series_code)
            if group is None:
                group = target[d.series_code] = GapGroup(
                    "index",
                    _("Indexvärde saknas: %(code)s", code=d.series_code),
                    d.date,
                    series_code=d.series_code,
                )
            group.years.append(d.year)
    overdue: list[GapGroup] = []
    for group in obligation_gaps.values():
        if ended_ids is not None:
            gone = group.agreement.id in ended_ids
        else:
            gone = _has_ended(group.agreement, as_of)
        (ended if gone else overdue).append(group)
    overdue.extend(index_gaps.values())
    ended.extend(ended_index.values())
    overdue.sort(key=lambda g: (g.first_date, g.title))
    ended.sort(key=lambda g: (g.first_date, g.title))
    return StartPage(as_of, until, decisions, due, overdue, ended)


def _decision(d: Any, agreement: Any, as_of: date, decided: set) -> DecisionRow | None:
    terms = terms_of(agreement, as_of)  # a later amendment does not exist yet (DOMAIN)
    notice_end = termination_end(agreement, as_of)
    if notice_end is not None:
        if d.kind != "term_end" or (agreement.id, notice_end) in decided:
            return None
        decided.add((agreement.id, notice_end))
        return DecisionRow(
            "term_end",
            d.date,
            d.business_day,
            agreement,
            _("Uppsägning registrerad: avtalet upphör %(end)s.", end=d.date.isoformat()),
            notice_recorded=True,
        )
    if d.kind == "last_notice":
        period = _period_by_last_notice(terms, d.date, as_of)
        if period is None or period.end is None:
            return None
        period_end = period.end
    elif d.kind == "extension":
        period_end = d.date - ONE_DAY
    else:
        period_end = d.date
    if (agreement.id, period_end) in decided:
        return None
    decided.add((agreement.id, period_end))
    sentence, extends_on, next_end = what_happens(terms, period_end)
    if d.kind == "extension":
        sentence = _("Sista dag för uppsägning har passerat. %(what)s", what=sentence)
    return DecisionRow(
        d.kind,
        d.date,
        d.business_day or last_business_day_on_or_before(d.date),
        agreement,
        sentence,
        extends_on=extends_on,
        next_end=next_end,
    )


#: At most this many rows are read for each section of the start page (the full list, paged,
#: is below it): a national register has thousands of coming obligations.
SECTION_ROWS = 100
OVERDUE_ROWS = 300


def start_page(
    as_of: date,
    within_days: int,
    board_id: int | None = None,
    organisation_id: int | None = None,
    responsible_person_id: int | None = None,
    kinds: Sequence[str] | None = None,
) -> StartPage:
    """The start page's sections as of ``as_of`` for the next ``within_days`` days (only
    deadlines of ``kinds`` when given). Reads the stored deadlines as plain columns, a bounded
    number per section, when they describe ``as_of``; computes them otherwise."""
    from app.agreements.models import Agreement
    from app.extensions import db

    until = as_of + timedelta(days=within_days)
    filters = {
        "board_id": board_id,
        "organisation_id": organisation_id,
        "responsible_person_id": responsible_person_id,
    }
    truncated: frozenset[str] = frozenset()
    stored = _stored_rows(as_of, until, kinds, filters)
    if stored is None:
        from app.deadlines.services import list_deadlines

        items = list_deadlines(
            as_of, within_days=within_days, kinds=kinds, per_page=100_000, **filters
        ).items
        daily = False
    else:
        items, truncated, daily = stored
    ids: set[int] = {d.agreement_id for d in items if d.agreement_id}
    # Stored rows (daily or span) say whether a missing index value concerns only ended
    # agreements; computed ones are told by the finance figures.
    concerned = (
        _index_gap_agreements(as_of)
        if any(d.kind == "index_missing" and getattr(d, "only_ended", None) is None for d in items)
        else {}
    )
    ended_ids = _ended_among(ids.union(*concerned.values()))
    agreements = {
        a.id: a
        for a in db.session.execute(
            db.select(Agreement)
            .where(Agreement.id.in_(ids))
            .options(
                db.selectinload(Agreement.terminations),
                db.selectinload(Agreement.amendments),  # the terms in force (tilläggsavtal)
                db.joinedload(Agreement.board),
                db.joinedload(Agreement.responsible_person),
            )
        )
        .unique()
        .scalars()
    }
    page = group_start_page(
        items,
        as_of,
        until,
        agreements,
        lambda code, year: concerned.get((code, year), ()),
        ended_ids=ended_ids,
    )
    page.truncated = truncated
    return page


#: Ids asked in one IN list at most (see app.core.bulk).
IN_CHUNK = bulk.IN_CHUNK


def _ended_among(ids: set[int]) -> set[int]:
    """The ended agreements among ``ids`` (their stored status), asked ``IN_CHUNK`` at a time
    (a missing index value can concern every agreement of the register)."""
    from app.agreements.models import Agreement
    from app.extensions import db

    ended: set[int] = set()
    for chunk in bulk.in_chunks(ids, IN_CHUNK):
        ended.update(
            db.session.execute(
                db.select(Agreement.id).where(Agreement.status == "ended", Agreement.id.in_(chunk))
            ).scalars()
        )
    return ended


def _stored_rows(
    as_of: date, until: date, kinds, filters
) -> tuple[list, frozenset[str], bool] | None:
    """The stored deadlines the sections need, as plain rows, a bounded number per section,
    the sections that had more rows than that, and whether they are the daily rows (else the
    span's, with the deadlines of no agreement computed as of ``as_of``); None when neither
    describes ``as_of`` (then they are computed)."""
    from app.agreements.models import Agreement
    from app.deadlines import services
    from app.deadlines.models import Deadline, DeadlineSpan
    from app.extensions import db

    daily = services.stored_rows_answer_for(as_of, until)
    if daily:
        base = db.select(
            Deadline.key,
            Deadline.kind,
            Deadline.date,
            Deadline.business_day,
            Deadline.title,
            Deadline.agreement_id,
            Deadline.obligation_id,
            Deadline.series_code,
            Deadline.year,
            Deadline.organisation_id,
            Deadline.only_ended,
        ).outerjoin(Agreement, Agreement.id == Deadline.agreement_id)
        base = services._agreement_filters(base, **filters, organisation_deadlines=True)
        table, extra = Deadline, []
        windows = (
            lambda _kind: Deadline.date.between(as_of, until),
            lambda _kind: Deadline.date < as_of,
        )
    elif services.span_answers_for(as_of):
        chosen = (filters["board_id"], filters["organisation_id"], filters["responsible_person_id"])
        base = services.span_rows(as_of, chosen)
        table = DeadlineSpan
        extra = services._chosen_globals(
            as_of, until, list(kinds or ()), True, chosen, without_span=True
        )
        windows = (
            lambda kind: services.span_window(as_of, until, overdue=False, kind=kind),
            lambda kind: services.span_window(as_of, None, overdue=True, kind=kind),
        )
    else:
        return None
    if kinds:
        base = base.where(table.kind.in_(list(kinds)))
    within, before = windows
    sections = {
        "decisions": (DECISION_KINDS, within, SECTION_ROWS, lambda d: as_of <= d.date),
        "due": (DUE_KINDS, within, SECTION_ROWS, lambda d: as_of <= d.date),
        "overdue": (services.OVERDUE_KINDS, before, OVERDUE_ROWS, lambda d: d.date < as_of),
    }
    rows: list = []
    cut: set[str] = set()
    for name, (section_kinds, window, cap, wanted) in sections.items():
        found = services.first_in_order(base, table, section_kinds, window, cap + 1)
        more = [services.view_of(d) for d in extra if d.kind in section_kinds and wanted(d)]
        if more:
            found = sorted([*found, *more], key=services._order)[: cap + 1]
        if len(found) > cap:  # one row more than shown: the section says it is cut
            cut.add(name)
            found = found[:cap]
        rows.extend(found)
    return rows, frozenset(cut), daily


def _index_gap_agreements(as_of: date) -> dict[tuple[str, int], tuple[int, ...]]:
    """(series, year) → the agreements a missing index value concerns; remembered with the
    finance figures until money or agreement data changes."""
    from app.finance.services import _remember, index_missing_deadlines

    return _remember(
        ("index_gap_agreements", as_of),
        lambda: {(g.series_code, g.year): g.agreement_ids for g in index_missing_deadlines(as_of)},
    )
