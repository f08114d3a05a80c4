"""The start page's sections and the as-of list read their rows kind by kind, each from an index
range in the lists' order, merged in one statement (``first_in_order``): whatever the mix of
kinds, dates, rows of no agreement and offsets, the rows are exactly those of one query sorted
over everything (date, kind, agreement, key), which the database would otherwise have to sort
in full before taking the first few."""

from __future__ import annotations

import random
from datetime import date, timedelta

from app.deadlines import services
from app.deadlines.models import Deadline

KINDS = ("last_notice", "extension", "term_end", "obligation_due", "index_missing")


def _fill(db, factory, rnd: random.Random) -> list[Deadline]:
    agreements = [factory.agreement(title=f"Avtal {i}") for i in range(4)]
    start = date(2026, 1, 1)
    rows = []
    for i in range(220):
        kind = rnd.choice(KINDS)
        agreement = None if kind == "index_missing" else rnd.choice(agreements)
        day = start + timedelta(days=rnd.randint(0, 40))  # many rows share a day
        rows.append(
            Deadline(
                key=f"test:{i:04d}",
                kind=kind,
                agreement_id=agreement.id if agreement else None,
                date=day,
                business_day=day,
                title=f"Frist {i}",
                series_code="OPI" if agreement is None else None,
                year=2026 if agreement is None else None,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    return rows


def test_rows_kind_by_kind_equal_one_sorted_query(db, factory):
    rnd = random.Random(7)
    _fill(db, factory, rnd)
    base = db.select(Deadline.key, Deadline.kind, Deadline.date, Deadline.agreement_id)
    first, until = date(2026, 1, 10), date(2026, 1, 30)
    for kinds in (KINDS, KINDS[:3], ("obligation_due",), ("index_missing", "term_end")):
        everything = db.session.execute(
            base.where(Deadline.kind.in_(kinds), Deadline.date.between(first, until)).order_by(
                Deadline.date, Deadline.kind, Deadline.agreement_id, Deadline.key
            )
        ).all()
        assert len(everything) > 15
        for offset, limit in ((0, 5), (0, 500), (7, 13), (len(everything) - 3, 10)):
            got = services.first_in_order(
                base,
                Deadline,
                kinds,
                lambda _kind: Deadline.date.between(first, until),
                limit,
                offset=offset,
            )
            assert [tuple(r) for r in got] == [tuple(r) for r in everything][
                offset : offset + limit
            ], (kinds, offset, limit)


def test_a_window_per_kind(db, factory):
    """Each kind gets its own window (the overdue obligations a year back, missing index
    values however old): the merged rows are each kind's own, in the common order."""
    rnd = random.Random(11)
    rows = _fill(db, factory, rnd)
    cut = date(2026, 1, 20)

    def window(kind: str):
        return Deadline.date < cut if kind == "index_missing" else Deadline.date >= cut

    base = db.select(Deadline.key, Deadline.kind, Deadline.date, Deadline.agreement_id)
    got = [r.key for r in services.first_in_order(base, Deadline, KINDS, window, 1000)]
    expected = sorted(
        (r for r in rows if (r.date < cut) == (r.kind == "index_missing")),
        key=lambda r: (r.date, r.kind, r.agreement_id or 0, r.key),
    )
    # Within a day and kind the rows are all of agreements or all of none: no NULL ordering.
    assert got == [r.key for r in expected]


def test_no_kinds_no_rows(db):
    base = db.select(Deadline.key, Deadline.kind, Deadline.date, Deadline.agreement_id)
    assert services.first_in_order(base, Deadline, (), lambda k: True, 10) == []


def test_the_count_kind_by_kind_equals_one_count(db, factory):
    rnd = random.Random(3)
    rows = _fill(db, factory, rnd)
    cut = date(2026, 1, 20)

    def window(kind: str):
        return Deadline.date <= cut if kind == "index_missing" else Deadline.date > cut

    for kinds in (KINDS, ("obligation_due", "index_missing"), ()):
        expected = sum(
            1 for r in rows if r.kind in kinds and ((r.date <= cut) == (r.kind == "index_missing"))
        )
        for base in (db.select(Deadline.id), db.select(Deadline.id).where(Deadline.title != "")):
            assert services.count_by_kind(base, Deadline, kinds, window) == expected
