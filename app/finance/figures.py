"""The yearly figures of every agreement, kept in the database (``finance_year_figures`` and
its shares), so that the overview, its chart, the settlement and the API across agreements are
SQL aggregates: the same for every worker on every machine, warm or cold, and no worker holds
the whole register in memory.

What is kept: for each non-archived agreement and each year of a window around today
(``FINANCE_YEARS_BACK`` before, ``FINANCE_YEARS_AHEAD`` after) in which it runs, the year's
figures (:func:`app.finance.rules.year_figures`) and, for a year whose index value went from
preliminary to final, what it has to settle. The figures as of a day depend on the day only
through what had not happened yet (an amendment taking effect later, a notice received later,
a decision made later; :func:`app.finance.services.not_yet`), so each agreement's rows are kept
per span of as-of days between those days: most agreements have one span, every day alike.

When they are recomputed: an agreement whose money, terms, parties, amendments, notices or
grant decisions change is recomputed in the transaction that changes it (a session hook, so no
service can forget it); a new or changed index value recomputes the agreements whose lines
follow the series, a grant rate every agreement — at once when they are at most
``FINANCE_INLINE_LIMIT``, else they are queued (``finance_figures_stale``) for the scheduler and
``flask finance refresh``, and the pages say how many wait. A year outside the window is
computed on the fly by the callers in :mod:`app.finance.services`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import case, delete, event, func, or_, text
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementParty, Amendment, Termination
from app.agreements.services import live_amendments, live_notices
from app.core import clock
from app.extensions import db
from app.finance import rollups, rules
from app.finance.models import (
    CompensationItem,
    CostShare,
    FiguresStale,
    FiguresState,
    YearFigure,
    YearFigureShare,
)
from app.grants.models import GrantDecision, GrantRate
from app.indexation.models import IndexValue

BATCH_SIZE = 500
_CHUNK = 1000  # rows read at a time when every row of a year is streamed (exports)

Progress = Callable[[int, int], Any] | None


# --------------------------------------------------------------------------------------------
# What is kept
# --------------------------------------------------------------------------------------------


def kept_years(today: date) -> tuple[int, int]:
    """The years the stored figures cover when built on ``today``."""
    cfg = current_app.config
    back = int(cfg.get("FINANCE_YEARS_BACK", 10))
    ahead = int(cfg.get("FINANCE_YEARS_AHEAD", 3))
    return today.year - back, today.year + ahead


def current_state() -> FiguresState | None:
    return db.session.execute(db.select(FiguresState).order_by(FiguresState.id).limit(1)).scalar()


def ensure_built() -> FiguresState:
    """The stored figures' state, building them first when they never were (a new database, or
    the first start after the upgrade that added them; ``flask finance refresh`` does the same
    ahead of time, with progress). Committed at once when nothing else is pending in the
    session, so the work is done once."""
    state = current_state()
    if state is not None:
        return state
    untouched = not (db.session.new or db.session.dirty or db.session.deleted)
    refresh_all()
    if untouched:
        db.session.commit()
    state = current_state()
    assert state is not None
    return state


def covers(year: int) -> bool:
    """Whether ``year``'s figures across agreements are read from the stored rows."""
    return year in covered_years()


def covered_years() -> range:
    """The years read from the stored rows (building them first when they never were)."""
    state = ensure_built()
    return range(state.first_year, state.last_year + 1)


def stale_count() -> int:
    """How many agreements' figures wait to be recomputed (the pages say so)."""
    return db.session.execute(db.select(func.count()).select_from(FiguresStale)).scalar() or 0


# --------------------------------------------------------------------------------------------
# Missing facts as stored text
# --------------------------------------------------------------------------------------------


def encode_missing(missing: Sequence[Any]) -> str | None:
    if not missing:
        return None
    out = []
    for m in missing:
        if isinstance(m, rules.MissingValue):
            out.append({"t": "index", "s": m.series_code, "y": m.year})
        elif isinstance(m, rules.MissingGrant):
            out.append({"t": "grant", "y": m.year})
        else:
            out.append({"t": "none"})
    return json.dumps(out, separators=(",", ":"))


def decode_missing(text: str | None) -> list[Any]:
    if not text:
        return []
    out: list[Any] = []
    for m in json.loads(text):
        if m["t"] == "index":
            out.append(rules.MissingValue(m["s"], m["y"]))
        elif m["t"] == "grant":
            out.append(rules.MissingGrant(m["y"]))
        else:
            out.append(rules.NoCompensation())
    return out


# --------------------------------------------------------------------------------------------
# Computing and writing
# --------------------------------------------------------------------------------------------


@dataclass
class _Inputs:
    """What every agreement's figures read besides its own data, loaded once per refresh."""

    series: dict[str, rules.Series]
    rates: dict[int, Decimal]
    #: year → the series as invoiced before a final value replaced a preliminary one
    before: dict[int, dict[str, rules.Series]]
    #: year → the codes whose value for that year was replaced
    replaced_codes: dict[int, set[str]]

    @classmethod
    def load(cls) -> _Inputs:
        from app.grants.amounts import grant_rates
        from app.indexation import services as indexation

        series = indexation.series_points()
        before: dict[int, dict[str, rules.Series]] = {}
        codes: dict[int, set[str]] = defaultdict(set)
        for code, points in indexation.replaced_preliminaries().items():
            for year, point in points.items():
                codes[year].add(code)
                side = before.setdefault(year, {c: dict(p) for c, p in series.items()})
                side.setdefault(code, {})[year] = point
        return cls(series, grant_rates(), before, dict(codes))


@dataclass
class _Batch:
    """A batch of agreements' own data read once (a handful of queries), then read as of any
    day in Python: an agreement with several spans costs no more queries than one with one."""

    rows: dict[int, Any]
    notices: dict[int, list]
    amendments: dict[int, list]
    days: dict[int, date]  # every amendment's day, withdrawn or not (as load_money reads them)
    items: dict[int, list]
    shares: dict[int, list]
    code_by_id: dict[int, str]
    decisions: dict[int, list]

    @classmethod
    def load(cls, ids: Sequence[int]) -> _Batch:
        from app.finance import services
        from app.grants.amounts import decision_rows

        items, shares, code_by_id = services.money_rows(list(ids))
        days = dict(
            db.session.execute(
                db.select(Amendment.id, Amendment.effective_date).where(
                    Amendment.agreement_id.in_(ids)
                )
            ).all()
        )
        return cls(
            {r.id: r for r in services.ref_rows(ids)},
            live_notices(ids),
            live_amendments(ids),
            days,
            _by_agreement(items),
            _by_agreement(shares),
            code_by_id,
            _by_agreement(decision_rows(ids)),
        )

    def as_of(self, as_of: date | None, ids: Sequence[int]):
        """(refs by id, money, granted) of ``ids`` as they stood on ``as_of``."""
        from app.finance import services
        from app.grants.amounts import granted_from

        rows = [self.rows[i] for i in ids if i in self.rows]
        refs = services.refs_from(rows, self.notices, self.amendments, as_of)
        not_yet = set() if as_of is None else {a for a, d in self.days.items() if d > as_of}
        order = {i: [a.id for a in self.amendments.get(i, ())] for i in ids}
        money = services.money_from(
            [r for i in ids for r in self.items.get(i, ())],
            [r for i in ids for r in self.shares.get(i, ())],
            self.code_by_id,
            not_yet,
            order,
        )
        granted = granted_from([r for i in ids for r in self.decisions.get(i, ())], as_of)
        return {r.id: r for r in refs}, money, granted


def _by_agreement(rows: Iterable) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for row in rows:
        found[row[0]].append(row)
    return found


def _breakpoints(ids: Sequence[int]) -> dict[int, list[date]]:
    """agreement id → the days its figures change as of (amendments taking effect, notices
    received, decisions made), sorted, in one query."""
    stmt = db.union_all(
        db.select(Amendment.agreement_id, Amendment.effective_date).where(
            Amendment.agreement_id.in_(ids), Amendment.withdrawn_at.is_(None)
        ),
        db.select(Termination.agreement_id, Termination.received_date).where(
            Termination.agreement_id.in_(ids), Termination.withdrawn_at.is_(None)
        ),
        db.select(GrantDecision.agreement_id, GrantDecision.decided_on).where(
            GrantDecision.agreement_id.in_(ids), GrantDecision.decided_on.is_not(None)
        ),
    )
    days: dict[int, set[date]] = defaultdict(set)
    for agreement_id, day in db.session.execute(stmt):
        days[agreement_id].add(day)
    return {i: sorted(d) for i, d in days.items()}


def _spans(ids: Sequence[int]) -> dict[date | None, list[tuple[int, date | None, date | None]]]:
    """as-of day to compute with → [(agreement id, valid_from, valid_to)]: one span of every
    day for an agreement without breakpoints (computed with everything known), else the days
    before the first breakpoint and from each one to the next."""
    points = _breakpoints(ids)
    groups: dict[date | None, list[tuple[int, date | None, date | None]]] = defaultdict(list)
    for agreement_id in ids:
        days = points.get(agreement_id)
        if not days:
            groups[None].append((agreement_id, None, None))
            continue
        bounds: list[date | None] = [None, *days, None]
        for k in range(len(days) + 1):
            valid_from, valid_to = bounds[k], bounds[k + 1]
            as_of = valid_from if valid_from is not None else days[0] - timedelta(days=1)
            groups[as_of].append((agreement_id, valid_from, valid_to))
    return groups


def _compute(
    ids: Sequence[int], first: int, last: int, inputs: _Inputs
) -> tuple[list[dict], list[dict]]:
    """The figure and share rows of ``ids`` for the years ``first`` … ``last``."""
    from app.finance import services

    batch = _Batch.load(ids)
    figure_rows: list[dict] = []
    share_rows: list[dict] = []
    factors: rules.FactorCache = {}
    settle_caches: dict[int, tuple[rules.FactorCache, rules.FactorCache]] = {}
    empty = services.AgreementMoney()
    for as_of, members in _spans(ids).items():
        group = sorted({m[0] for m in members})
        refs, money, granted = batch.as_of(as_of, group)
        for agreement_id, valid_from, valid_to in members:
            ref = refs.get(agreement_id)
            if ref is None:  # archived
                continue
            m = money.get(agreement_id, empty)
            codes = {line.series_code for line in m.lines if line.series_code}
            span = {"agreement_id": agreement_id, "valid_from": valid_from, "valid_to": valid_to}
            for year in range(first, last + 1):
                if not services.runs_in_year(ref, year):
                    continue
                fte = ref.fte_in(year)
                fig = rules.year_figures(
                    m.lines,
                    year,
                    inputs.series,
                    fte,
                    inputs.rates,
                    m.shares,
                    factors,
                    granted.get(agreement_id),
                )
                row = {
                    **span,
                    "year": year,
                    "title": ref.title,
                    "kind": ref.kind,
                    "board_id": ref.board_id,
                    "has_lines": bool(m.lines),
                    "total": fig.total,
                    "statsbidrag": fig.statsbidrag,
                    "net": fig.net,
                    "complete": fig.total is not None and fig.net is not None,
                    "preliminary": fig.preliminary,
                    "statsbidrag_basis": fig.statsbidrag_basis,
                    "missing": encode_missing(fig.missing),
                    "has_shares": bool(fig.shares),
                    "settles": False,
                    "settle_total_difference": None,
                    "settle_net_difference": None,
                }
                shares: dict[int, dict] = {}

                for position, (org_id, amount) in enumerate(fig.shares):
                    shares[org_id] = _share_row(span, year, ref, org_id, position, amount)
                if codes & inputs.replaced_codes.get(year, set()):
                    s = rules.settlement(
                        m.lines,
                        year,
                        inputs.before[year],
                        inputs.series,
                        fte,
                        inputs.rates,
                        m.shares,
                        settle_caches.setdefault(year, ({}, {})),
                        granted.get(agreement_id),
                    )
                    if s.total_difference != 0 or s.missing:
                        row["settles"] = True
                        row["settle_total_difference"] = s.total_difference
                        row["settle_net_difference"] = s.net_difference
                        for share in s.shares:
                            entry = shares.get(share.key)
                            if entry is None:
                                entry = shares[share.key] = _share_row(
                                    span, year, ref, share.key, len(shares)
                                )
                            entry["settle_difference"] = share.difference
                figure_rows.append(row)
                share_rows.extend(shares.values())
    return figure_rows, share_rows


# Writers of the stored figures take this PostgreSQL advisory lock for the rest of their
# transaction, so two transactions recomputing the same agreement (an edit beside an index
# change) never both delete the old rows and both insert new ones: the second waits, and its
# DELETE then sees the first one's rows. SQLite serialises writers by itself.
_WRITERS_LOCK = 0x41766B46  # "AvkF"


def _lock_writers() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITERS_LOCK})


def _share_row(span: dict, year: int, ref: Any, org_id: int, position: int, amount=None) -> dict:
    return {
        **span,
        "year": year,
        "kind": ref.kind,
        "board_id": ref.board_id,
        "organisation_id": org_id,
        "position": position,
        "amount": amount,
        "settle_difference": None,
    }


def _write(ids: Sequence[int], figure_rows: list[dict], share_rows: list[dict]) -> None:
    """Replace the figures of ``ids``, and their part of the kept year sums."""
    day = rollups.state_day()
    before = rollups.contribution(day, ids) if day else None
    for model in (YearFigure, YearFigureShare, FiguresStale):
        db.session.execute(delete(model).where(model.agreement_id.in_(ids)))
    if figure_rows:
        db.session.execute(YearFigure.__table__.insert(), figure_rows)
    if share_rows:
        db.session.execute(YearFigureShare.__table__.insert(), share_rows)
    if before is not None:
        rollups.apply(before, rollups.contribution(day, ids))


def _batches(ids: Sequence[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def refresh(ids: Iterable[int], progress: Progress = None) -> int:
    """Recompute the stored figures of ``ids`` (in batches); the number of agreements."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    state = current_state()
    if state is None:
        return refresh_all(progress)
    _lock_writers()
    inputs = _Inputs.load()
    done = 0
    for batch in _batches(ids):
        _write(batch, *_compute(batch, state.first_year, state.last_year, inputs))
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return done


def refresh_all(progress: Progress = None, today: date | None = None) -> int:
    """Rebuild every stored figure for the years around ``today`` (default: today), in batches
    with bounded memory; the number of agreements."""
    first, last = kept_years(today or clock.today())
    _lock_writers()
    for model in (YearFigure, YearFigureShare, FiguresStale, FiguresState):
        db.session.execute(delete(model))
    db.session.add(FiguresState(first_year=first, last_year=last))
    db.session.flush()
    ids = list(
        db.session.execute(
            db.select(Agreement.id).where(Agreement.stage != "archived").order_by(Agreement.id)
        ).scalars()
    )
    inputs = _Inputs.load()
    done = 0
    for batch in _batches(ids):
        figure_rows, share_rows = _compute(batch, first, last, inputs)
        if figure_rows:
            db.session.execute(YearFigure.__table__.insert(), figure_rows)
        if share_rows:
            db.session.execute(YearFigureShare.__table__.insert(), share_rows)
        done += len(batch)
        if progress:
            progress(done, len(ids))
    rollups.rebuild(today or clock.today())
    return done


def roll_up(today: date) -> bool:
    """The daily job: the kept year sums made to describe ``today`` (if they do not); whether
    they were rebuilt."""
    if current_state() is None or rollups.state_day() == today:
        return False
    _lock_writers()
    rollups.rebuild(today)
    return True


def vacuum() -> None:
    """After a rebuild (PostgreSQL): mark the new pages all-visible and gather statistics, so
    a year's sums are index-only scans at once rather than after autovacuum comes by. Runs
    outside any transaction; commit first."""
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for model in (YearFigure, YearFigureShare, *rollups.MODELS):
            conn.execute(text(f"VACUUM (ANALYZE) {model.__tablename__}"))


def refresh_stale(progress: Progress = None, limit: int | None = None) -> int:
    """Work off the queued agreements (at most ``limit``); the number recomputed."""
    stmt = db.select(FiguresStale.agreement_id).order_by(FiguresStale.agreement_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return refresh(list(db.session.execute(stmt).scalars()), progress)


def refresh_if_years_moved(today: date, progress: Progress = None) -> bool:
    """The daily job: a new year moves the window, and everything is rebuilt for it."""
    state = current_state()
    if state is not None and (state.first_year, state.last_year) == kept_years(today):
        return False
    refresh_all(progress, today)
    return True


# --------------------------------------------------------------------------------------------
# Keeping them current: a session hook
# --------------------------------------------------------------------------------------------

_PENDING = "finance_figures_pending"
_SERIES = "finance_figures_series"
_ALL = "finance_figures_all"
_BUSY = "finance_figures_busy"
_OWN_ROWS = (CompensationItem, CostShare, Amendment, Termination, GrantDecision, AgreementParty)


def _collect(session: Session, _flush_context: Any) -> None:
    """After each flush: the agreements whose figures the flushed changes concern."""
    if session.info.get(_BUSY):
        return
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Agreement):
            if obj not in session.deleted and obj.__dict__.get("id") is not None:
                pending.add(obj.__dict__["id"])
        elif isinstance(obj, _OWN_ROWS):
            agreement_id = obj.__dict__.get("agreement_id")
            if agreement_id is not None:
                pending.add(agreement_id)
        elif isinstance(obj, IndexValue):
            series_id = obj.__dict__.get("series_id")
            if series_id is not None:
                session.info.setdefault(_SERIES, set()).add(series_id)
        elif isinstance(obj, GrantRate):
            session.info[_ALL] = True


def _forget(session: Session, *_args: Any) -> None:
    for key in (_PENDING, _SERIES, _ALL):
        session.info.pop(key, None)


def _apply(session: Session) -> None:
    """Before each commit: recompute what the transaction changed (or queue it, when an index
    value or a grant rate concerns more than ``FINANCE_INLINE_LIMIT`` agreements)."""
    if session.info.get(_BUSY) or not has_app_context() or session is not db.session():
        return
    session.flush()  # what the commit would flush, collected by _collect
    if not any(session.info.get(k) for k in (_PENDING, _SERIES, _ALL)):
        return
    session.info[_BUSY] = True
    try:
        pending = set(session.info.pop(_PENDING, set()))
        series = session.info.pop(_SERIES, set())
        everything = session.info.pop(_ALL, False)
        if current_state() is None:
            return  # nothing kept yet: the first reading builds everything
        _lock_writers()
        wide = None
        if everything:
            wide = db.select(Agreement.id).where(Agreement.stage != "archived")
        elif series:
            wide = db.select(CompensationItem.agreement_id).where(
                CompensationItem.series_id.in_(series)
            )
        if wide is not None:
            wide_ids = set(db.session.execute(wide.distinct()).scalars()) - pending
            limit = int(current_app.config.get("FINANCE_INLINE_LIMIT", 2000))
            if len(wide_ids) + len(pending) > limit:
                _queue(wide_ids)
            else:
                pending |= wide_ids
        refresh(pending)
    finally:
        session.info[_BUSY] = False


def _queue(ids: set[int]) -> None:
    queued = set(db.session.execute(db.select(FiguresStale.agreement_id)).scalars())
    rows = [{"agreement_id": i} for i in sorted(ids - queued)]
    for batch in _batches(rows, 5000):
        db.session.execute(FiguresStale.__table__.insert(), batch)


def install() -> None:
    """Listen to every session (once per process)."""
    rollups.install()
    if event.contains(Session, "after_flush", _collect):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _apply)
    event.listen(Session, "after_rollback", _forget)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _span(model, as_of: date | None):
    if as_of is None:
        return model.valid_to.is_(None)
    return or_(model.valid_from.is_(None), model.valid_from <= as_of) & or_(
        model.valid_to.is_(None), model.valid_to > as_of
    )


@dataclass(frozen=True)
class Selection:
    """Which stored rows: a year as of a day, optionally one kind, board or party."""

    year: int
    as_of: date | None = None
    kind: str | None = None
    board_id: int | None = None
    organisation_id: int | None = None

    def where(self, model) -> list:
        conds = [model.year == self.year, _span(model, self.as_of)]
        if self.kind:
            conds.append(model.kind == self.kind)
        if self.board_id:
            conds.append(model.board_id == self.board_id)
        if self.organisation_id:
            conds.append(
                model.agreement_id.in_(
                    db.select(AgreementParty.agreement_id).where(
                        AgreementParty.organisation_id == self.organisation_id
                    )
                )
            )
        return conds


@dataclass
class Sums:
    count: int
    complete: int
    total: Decimal
    statsbidrag: Decimal
    net: Decimal
    missing_count: int
    preliminary_count: int
    unshared_net: Decimal
    #: the sum of every known total, and how many totals are unknown (the API's list)
    total_known: Decimal
    unknown_totals: int
    #: (board id, total, net) and (kind, total, net) of the complete figures
    by_board: list[tuple[Any, Decimal, Decimal]] = field(default_factory=list)
    by_kind: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)


_ORE = Decimal("0.01")


def _dec(value: Any) -> Decimal:
    """A summed amount as an exact Decimal (SQLite sums its numbers as binary floats)."""
    return Decimal(str(value or 0)).quantize(_ORE)


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value))), 0)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sums(sel: Selection) -> Sums:
    """The selection's sums, and per board and per kind, from one scan grouped by board and
    kind (the groups are few; on PostgreSQL an index-only scan of the covering index
    ``ix_finance_year_figures_sums``)."""
    f = YearFigure
    stmt = (
        db.select(
            f.board_id,
            f.kind,
            func.count(),
            _count_if(f.complete),
            _sum_if(f.complete, f.total),
            _sum_if(f.complete, f.statsbidrag),
            _sum_if(f.complete, f.net),
            _count_if(f.missing.is_not(None)),
            _count_if(f.preliminary),
            _sum_if(f.complete & ~f.has_shares, f.net),
            func.coalesce(func.sum(f.total), 0),
            _count_if(f.total.is_(None)),
        )
        .where(*sel.where(f))
        .group_by(f.board_id, f.kind)
    )
    rows = (
        rollups.sum_rows(sel)
        if rollups.answers_for(sel.as_of, sel.organisation_id)
        else db.session.execute(stmt)
    )
    counts = [0] * 5  # count, complete, missing, preliminary, unknown totals
    amounts = [Decimal(0)] * 5  # total, statsbidrag, net, unshared net, known totals
    boards: dict[Any, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    kinds: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (
        board_id,
        kind,
        n,
        complete,
        total,
        sb,
        net,
        missing,
        prel,
        unshared,
        known,
        unknown,
    ) in rows:
        total, sb, net, unshared, known = map(_dec, (total, sb, net, unshared, known))
        for i, v in enumerate((n, complete, missing, prel, unknown)):
            counts[i] += int(v)
        for i, v in enumerate((total, sb, net, unshared, known)):
            amounts[i] += v
        boards[board_id][0] += total
        boards[board_id][1] += net
        kinds[kind][0] += total
        kinds[kind][1] += net
    return Sums(
        count=counts[0],
        complete=counts[1],
        total=amounts[0],
        statsbidrag=amounts[1],
        net=amounts[2],
        missing_count=counts[2],
        preliminary_count=counts[3],
        unshared_net=amounts[3],
        total_known=amounts[4],
        unknown_totals=counts[4],
        by_board=[(k, v[0], v[1]) for k, v in boards.items()],
        by_kind=[(k, v[0], v[1]) for k, v in kinds.items()],
    )


def missing_tallies(sel: Selection) -> list[tuple[list, int]]:
    """Each distinct list of missing facts in the selection and how many agreements lack just
    that (a few rows: one missing index value is the same list for every agreement)."""
    f = YearFigure
    stmt = (
        db.select(f.missing, func.count())
        .where(*sel.where(f), f.missing.is_not(None))
        .group_by(f.missing)
    )
    if rollups.answers_for(sel.as_of, sel.organisation_id):
        rows = rollups.missing_rows(sel)
    else:
        rows = db.session.execute(stmt).all()
    return [(decode_missing(text), int(n)) for text, n in rows if n]


def party_sums(sel: Selection, column: str = "amount") -> list[tuple[int, Decimal]]:
    s = YearFigureShare
    value = getattr(s, column)
    stmt = (
        db.select(s.organisation_id, func.sum(value))
        .where(*sel.where(s), value.is_not(None))
        .group_by(s.organisation_id)
    )
    if column == "amount" and rollups.answers_for(sel.as_of, sel.organisation_id):
        return [(org, _dec(v)) for org, v in rollups.party_rows(sel)]
    return [(org, _dec(v)) for org, v in db.session.execute(stmt)]


def year_totals(
    from_year: int, to_year: int, as_of: date | None
) -> dict[int, tuple[Decimal, bool]]:
    """year → (total compensation of the agreements with lines, whether any total is
    unknown), over every stored year in the range, in one query."""
    f = YearFigure
    stmt = (
        db.select(
            f.year,
            func.coalesce(func.sum(f.total), 0),
            _count_if(f.has_lines & f.total.is_(None)),
        )
        .where(f.year.between(from_year, to_year), _span(f, as_of), f.has_lines)
        .group_by(f.year)
    )
    if rollups.answers_for(as_of):
        rows = rollups.year_totals(from_year, to_year)
    else:
        rows = db.session.execute(stmt).all()
    return {y: (_dec(t), int(gaps or 0) > 0) for y, t, gaps in rows}


def figure_rows(
    sel: Selection, offset: int, limit: int, extra=None
) -> list[tuple[YearFigure, list[tuple[int, Decimal]]]]:
    """A slice of the stored rows in the list's order (title), each with its shares."""
    f = YearFigure
    stmt = db.select(f).where(*sel.where(f))
    if extra is not None:
        stmt = stmt.where(extra)
    stmt = stmt.order_by(f.title, f.agreement_id).offset(offset).limit(limit)
    rows = list(db.session.execute(stmt).scalars())
    for row in rows:
        db.session.expunge(row)  # plain values: no flush ever writes them back
    if not rows:
        return []
    s = YearFigureShare
    shares: dict[tuple, list[tuple[int, Decimal]]] = defaultdict(list)
    for agreement_id, valid_from, org_id, amount in db.session.execute(
        db.select(s.agreement_id, s.valid_from, s.organisation_id, s.amount)
        .where(
            s.agreement_id.in_([r.agreement_id for r in rows]),
            *sel.where(s),
            s.amount.is_not(None),
        )
        .order_by(s.agreement_id, s.position)
    ):
        shares[(agreement_id, valid_from)].append((org_id, amount))
    return [(r, shares.get((r.agreement_id, r.valid_from), [])) for r in rows]


def count(sel: Selection) -> int:
    f = YearFigure
    stmt = db.select(func.count()).select_from(f).where(*sel.where(f))
    return int(db.session.execute(stmt).scalar() or 0)


def settle_sums(sel: Selection) -> tuple[int, int, Decimal]:
    """(agreements with something to settle, those still missing a value, the net
    difference of the others)."""
    f = YearFigure
    if rollups.answers_for(sel.as_of, sel.organisation_id):
        row = rollups.settle_row(sel)
    else:
        row = db.session.execute(
            db.select(
                func.count(),
                _count_if(f.settle_net_difference.is_(None)),
                func.coalesce(func.sum(f.settle_net_difference), 0),
            ).where(*sel.where(f), f.settles)
        ).one()
    return int(row[0]), int(row[1]), _dec(row[2])


def ids_in_order(sel: Selection, offset: int, limit: int, extra=None) -> list[int]:
    f = YearFigure
    stmt = db.select(f.agreement_id).where(*sel.where(f))
    if extra is not None:
        stmt = stmt.where(extra)
    stmt = stmt.order_by(f.title, f.agreement_id).offset(offset).limit(limit)
    return list(db.session.execute(stmt).scalars())


def chunked(read: Callable[[int, int], list], total: int) -> Iterator[Any]:
    """Every row of a selection, read ``_CHUNK`` at a time (for exports)."""
    for offset in range(0, total, _CHUNK):
        yield from read(offset, _CHUNK)
