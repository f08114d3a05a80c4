"""The year sums of the stored figures as of one day, kept in the database beside them.

The overview, its chart of the years, the settlement and the API's list sum a year's stored
figures (:mod:`app.finance.figures`): an index-only scan, but of every agreement's row, so ten
times the agreements cost ten times as much. These tables keep those sums as of one day
(:class:`~app.finance.models.RollupState`, today once the daily job has run) per year, board
and kind, per party and per list of missing facts, so a page as of that day reads a few
hundred rows whatever the number of agreements.

They are kept in step with the figures by the figures' own writers, in the same transaction
and under the same lock: :func:`app.finance.figures.refresh` takes each batch's contribution
before and after (:func:`contribution`, :func:`apply`), an agreement deleted outright is taken
out before its rows go (:func:`install`), and :func:`rebuild` sums everything anew (after a
full rebuild of the figures, and each day for the new day). Any other day, a board's party
filter (an organisation) or a column these do not keep is summed from the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import has_app_context
from sqlalchemy import delete, event, func, tuple_
from sqlalchemy.orm import Session

from app.core import bulk
from app.extensions import db
from app.finance.models import (
    RollupState,
    YearFigure,
    YearFigureShare,
    YearMissingRollup,
    YearPartyRollup,
    YearRollup,
)

MODELS = (YearRollup, YearPartyRollup, YearMissingRollup)

Group = tuple[int, int, str]  # year, board (0: none), kind

#: The sums kept per group (columns of YearRollup): counts and amounts.
_INTS = (
    "n",
    "complete",
    "missing_count",
    "preliminary_count",
    "unknown_totals",
    "lines",
    "lines_unknown",
    "settles",
    "settles_unknown",
)
_AMOUNTS = (
    "total",
    "statsbidrag",
    "net",
    "unshared_net",
    "total_known",
    "lines_total",
    "settle_net",
)


def _zero() -> dict[str, Any]:
    """A group's sums before anything is added."""
    return {**dict.fromkeys(_INTS, 0), **dict.fromkeys(_AMOUNTS, Decimal(0))}


def _expressions() -> dict[str, Any]:
    from app.finance.figures import _count_if, _sum_if

    f = YearFigure
    return {
        "n": func.count(),
        "complete": _count_if(f.complete),
        "missing_count": _count_if(f.missing.is_not(None)),
        "preliminary_count": _count_if(f.preliminary),
        "unknown_totals": _count_if(f.total.is_(None)),
        "lines": _count_if(f.has_lines),
        "lines_unknown": _count_if(f.has_lines & f.total.is_(None)),
        "settles": _count_if(f.settles),
        "settles_unknown": _count_if(f.settles & f.settle_net_difference.is_(None)),
        "total": _sum_if(f.complete, f.total),
        "statsbidrag": _sum_if(f.complete, f.statsbidrag),
        "net": _sum_if(f.complete, f.net),
        "unshared_net": _sum_if(f.complete & ~f.has_shares, f.net),
        "total_known": func.coalesce(func.sum(f.total), 0),
        "lines_total": _sum_if(f.has_lines, f.total),
        "settle_net": _sum_if(f.settles, f.settle_net_difference),
    }


@dataclass
class Contribution:
    """Sums of some stored figures: per group, per (group, party) and per (group, missing)."""

    sums: dict[Group, dict[str, Any]] = field(default_factory=dict)
    parties: dict[tuple, list] = field(default_factory=dict)  # → [n, amount]
    missing: dict[tuple, int] = field(default_factory=dict)

    def groups(self) -> set[Group]:
        return {*self.sums, *(k[:3] for k in self.parties), *(k[:3] for k in self.missing)}


def state_day() -> date | None:
    return db.session.execute(db.select(RollupState.day)).scalar()


def answers_for(as_of: date | None, organisation_id: int | None = None) -> bool:
    """Whether the kept sums answer a selection as of ``as_of`` (of every party)."""
    return as_of is not None and organisation_id is None and state_day() == as_of


def contribution(day: date, ids: Sequence[int] | None = None) -> Contribution:
    """The sums of the stored figures valid on ``day`` (of ``ids`` only, when given)."""
    from app.finance.figures import _dec, _span

    f, s = YearFigure, YearFigureShare
    out = Contribution()
    chunks: Iterable[Sequence[int] | None] = [None] if ids is None else bulk.in_chunks(ids)
    exprs = _expressions()
    for chunk in chunks:
        where_f = [_span(f, day)] + ([] if chunk is None else [f.agreement_id.in_(chunk)])
        where_s = [_span(s, day)] + ([] if chunk is None else [s.agreement_id.in_(chunk)])
        stmt = (
            db.select(f.year, f.board_id, f.kind, *exprs.values())
            .where(*where_f)
            .group_by(f.year, f.board_id, f.kind)
        )
        for year, board, kind, *values in db.session.execute(stmt):
            key = (year, board or 0, kind)
            sums = out.sums.setdefault(key, _zero())
            for name, value in zip(exprs, values, strict=True):
                sums[name] += _dec(value) if name in _AMOUNTS else int(value or 0)
        stmt = (
            db.select(
                s.year, s.board_id, s.kind, s.organisation_id, func.count(), func.sum(s.amount)
            )
            .where(*where_s, s.amount.is_not(None))
            .group_by(s.year, s.board_id, s.kind, s.organisation_id)
        )
        for year, board, kind, org, n, amount in db.session.execute(stmt):
            entry = out.parties.setdefault((year, board or 0, kind, org), [0, Decimal(0)])
            entry[0] += int(n)
            entry[1] += _dec(amount)
        stmt = (
            db.select(f.year, f.board_id, f.kind, f.missing, func.count())
            .where(*where_f, f.missing.is_not(None))
            .group_by(f.year, f.board_id, f.kind, f.missing)
        )
        for year, board, kind, missing, n in db.session.execute(stmt):
            key = (year, board or 0, kind, missing)
            out.missing[key] = out.missing.get(key, 0) + int(n)
    return out


def _read(groups: Sequence[Group]) -> Contribution:
    """What the kept tables hold for ``groups``."""
    out = Contribution()
    r, p, m = YearRollup, YearPartyRollup, YearMissingRollup
    for chunk in bulk.in_chunks(sorted(groups), 500):
        for row in db.session.execute(
            db.select(r).where(tuple_(r.year, r.board_id, r.kind).in_(chunk))
        ).scalars():
            out.sums[(row.year, row.board_id, row.kind)] = {
                name: getattr(row, name) for name in (*_INTS, *_AMOUNTS)
            }
        for row in db.session.execute(
            db.select(p).where(tuple_(p.year, p.board_id, p.kind).in_(chunk))
        ).scalars():
            out.parties[(row.year, row.board_id, row.kind, row.organisation_id)] = [
                row.n,
                row.amount,
            ]
        for row in db.session.execute(
            db.select(m).where(tuple_(m.year, m.board_id, m.kind).in_(chunk))
        ).scalars():
            key = (row.year, row.board_id, row.kind, row.missing)
            out.missing[key] = out.missing.get(key, 0) + row.n
    return out


def _write(groups: Sequence[Group], kept: Contribution) -> None:
    """Replace what the kept tables hold for ``groups`` by ``kept`` (empty entries left out)."""
    r, p, m = YearRollup, YearPartyRollup, YearMissingRollup
    for chunk in bulk.in_chunks(sorted(groups), 500):
        for model in (r, p, m):
            db.session.execute(
                delete(model).where(tuple_(model.year, model.board_id, model.kind).in_(chunk))
            )
    group = ("year", "board_id", "kind")
    sums = [
        {**dict(zip(group, key, strict=True)), **values}
        for key, values in kept.sums.items()
        if values["n"]
    ]
    parties = [
        {**dict(zip(group, key[:3], strict=True)), "organisation_id": key[3], "n": n, "amount": a}
        for key, (n, a) in kept.parties.items()
        if n
    ]
    missing = [
        {**dict(zip(group, key[:3], strict=True)), "missing": key[3], "n": n}
        for key, n in kept.missing.items()
        if n
    ]
    for model, rows in ((r, sums), (p, parties), (m, missing)):
        for start in range(0, len(rows), 5000):
            db.session.execute(model.__table__.insert(), rows[start : start + 5000])


def apply(before: Contribution, after: Contribution) -> None:
    """The kept sums of the groups ``before`` or ``after`` touch, moved from the one to the
    other (a batch of agreements' figures replaced)."""
    groups = sorted(before.groups() | after.groups())
    if not groups:
        return
    kept = _read(groups)
    for key in {*before.sums, *after.sums}:
        sums = kept.sums.setdefault(key, _zero())
        old, new = before.sums.get(key, {}), after.sums.get(key, {})
        for name in sums:
            sums[name] = sums[name] - old.get(name, 0) + new.get(name, 0)
    for key in {*before.parties, *after.parties}:
        entry = kept.parties.setdefault(key, [0, Decimal(0)])
        old, new = before.parties.get(key, [0, 0]), after.parties.get(key, [0, 0])
        entry[0] += new[0] - old[0]
        entry[1] += new[1] - old[1]
    for key in {*before.missing, *after.missing}:
        kept.missing[key] = (
            kept.missing.get(key, 0) - before.missing.get(key, 0) + after.missing.get(key, 0)
        )
    _write(groups, kept)


def rebuild(day: date) -> None:
    """Sum every stored figure valid on ``day`` anew (the caller holds the figures' lock)."""
    for model in (YearRollup, YearPartyRollup, YearMissingRollup, RollupState):
        db.session.execute(delete(model))
    everything = contribution(day)
    _write([], everything)
    db.session.add(RollupState(day=day))
    db.session.flush()


# --------------------------------------------------------------------------------------------
# Reading: the same shapes the figures' own sums give
# --------------------------------------------------------------------------------------------


def _where(model, sel) -> list:
    conds = [model.year == sel.year]
    if sel.kind:
        conds.append(model.kind == sel.kind)
    if sel.board_id:
        conds.append(model.board_id == sel.board_id)
    return conds


def sum_rows(sel) -> list[tuple]:
    """Rows shaped like :func:`app.finance.figures.sums` reads them: (board, kind, count,
    complete, total, statsbidrag, net, missing, preliminary, unshared net, known totals,
    unknown totals)."""
    r = YearRollup
    stmt = db.select(
        r.board_id,
        r.kind,
        r.n,
        r.complete,
        r.total,
        r.statsbidrag,
        r.net,
        r.missing_count,
        r.preliminary_count,
        r.unshared_net,
        r.total_known,
        r.unknown_totals,
    ).where(*_where(r, sel))
    return [(row[0] or None, *row[1:]) for row in db.session.execute(stmt)]


def year_totals(from_year: int, to_year: int) -> list[tuple[int, Any, Any]]:
    r = YearRollup
    stmt = (
        db.select(r.year, func.sum(r.lines_total), func.sum(r.lines_unknown))
        .where(r.year.between(from_year, to_year))
        .group_by(r.year)
        .having(func.sum(r.lines) > 0)
    )
    return list(db.session.execute(stmt))


def settle_row(sel) -> tuple[Any, Any, Any]:
    r = YearRollup
    return db.session.execute(
        db.select(
            func.coalesce(func.sum(r.settles), 0),
            func.coalesce(func.sum(r.settles_unknown), 0),
            func.coalesce(func.sum(r.settle_net), 0),
        ).where(*_where(r, sel))
    ).one()


def party_rows(sel) -> list[tuple[int, Any]]:
    p = YearPartyRollup
    stmt = (
        db.select(p.organisation_id, func.sum(p.amount))
        .where(*_where(p, sel))
        .group_by(p.organisation_id)
    )
    return list(db.session.execute(stmt))


def missing_rows(sel) -> list[tuple[str, int]]:
    m = YearMissingRollup
    stmt = db.select(m.missing, func.sum(m.n)).where(*_where(m, sel)).group_by(m.missing)
    return list(db.session.execute(stmt))


# --------------------------------------------------------------------------------------------
# An agreement deleted outright: its figures go by the foreign key's cascade
# --------------------------------------------------------------------------------------------


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    from app.agreements.models import Agreement
    from app.finance.figures import _lock_writers

    ids = [
        obj.__dict__["id"]
        for obj in session.deleted
        if isinstance(obj, Agreement) and obj.__dict__.get("id") is not None
    ]
    if not ids or not has_app_context() or session is not db.session():
        return
    day = state_day()
    if day is None:
        return
    _lock_writers()
    apply(contribution(day, ids), Contribution())
    # Gone with their sums, whether or not the database cascades (SQLite without foreign keys
    # keeps them): a later recomputation of these ids then finds nothing to take out again.
    for model in (YearFigure, YearFigureShare):
        session.execute(delete(model).where(model.agreement_id.in_(ids)))


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
