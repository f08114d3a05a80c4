"""The daily refresh recomputes only the agreements whose stored deadlines may have changed
(``refresh_due``), and ends with exactly what recomputing every agreement gives: deadlines
(their days, titles, overdue flags) and statuses, on any later day — across period ends,
extensions, window edges, obligations falling due and overdue, amendments and notices that
count from a later day."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.agreements import lifecycle
from app.agreements.amendments import add_amendment
from app.agreements.models import Agreement
from app.core.dates import add_months
from app.deadlines import services
from app.deadlines.models import DeadlineValidity
from tests.deadlines.test_refresh_incremental import _rows


def _stored(db) -> tuple[set, dict]:
    rows = {tuple(row) for row in _rows(db)}
    statuses = dict(db.session.execute(db.select(Agreement.id, Agreement.status)).all())
    return rows, statuses


def _from_scratch(as_of: date) -> tuple[set, dict]:
    facts = services.load_facts()
    items = services.compute_deadlines(facts, as_of) + services.global_deadlines(as_of)
    rows = {(d.key, d.kind, d.date, d.business_day, d.title[:300], d.overdue) for d in items}
    return rows, {f.id: services.status_of(f, as_of) for f in facts}


def _random_register(rnd: random.Random, factory, db) -> None:
    orgs = [factory.organisation() for _ in range(2)]
    parties = [(orgs[0], "bestallare"), (orgs[1], "utforare")]
    for _ in range(25):
        start = date(2016, 1, 1) + timedelta(days=rnd.randint(0, 9 * 365))
        open_ended = rnd.random() < 0.15
        end = None if open_ended else add_months(start, rnd.choice((6, 12, 24, 36))) - timedelta(1)
        extension = None if open_ended else rnd.choice((None, 12, 24))
        agreement = factory.agreement(
            parties_=parties,
            start_date=start,
            end_date=end,
            extension_months=extension,
            max_extensions=rnd.choice((None, 0, 1, 3)) if extension else None,
            continues_open_ended=(not open_ended and not extension and rnd.random() < 0.3),
            notice_period_months=rnd.choice((1, 3, 6, 12)),
            notice_ends_at_month_end=rnd.random() < 0.3,
        )
        recurrence = rnd.choice(("yearly", "quarterly", "monthly", "once"))
        obligation = {"title": "Rapport", "recurrence": recurrence}
        if recurrence == "once":
            obligation["due_date"] = start + timedelta(days=rnd.randint(30, 2000))
        else:
            obligation.update(due_month=rnd.randint(1, 12), due_day=rnd.randint(1, 28))
        made = lifecycle.create_obligation(agreement, obligation, None, start)
        if recurrence != "once" and rnd.random() < 0.5:
            due = lifecycle.obligation_due_dates(made, start, start + timedelta(days=800))
            if due:
                lifecycle.record_fulfilment(made, {"due_date": due[0]}, None, due[0])
        if rnd.random() < 0.4:
            day = start + timedelta(days=rnd.randint(60, 2500))
            change = rnd.choice(
                (
                    {"notice_period_months": rnd.choice((2, 9))},
                    {"extension_months": 36} if extension else {"notice_period_months": 4},
                )
            )
            try:
                add_amendment(agreement, {"effective_date": day, "changes": change}, None, day)
            except Exception:  # noqa: BLE001 - a change that breaks a rule: none then
                db.session.rollback()
        elif rnd.random() < 0.3:
            received = start + timedelta(days=rnd.randint(30, 2500))
            try:
                lifecycle.give_notice(
                    agreement,
                    {"organisation_id": orgs[0].id, "received_date": received, "written": True},
                    None,
                    received,
                )
            except Exception:  # noqa: BLE001 - after the agreement ended: none then
                db.session.rollback()
        db.session.commit()


@pytest.mark.parametrize("seed", range(1, 6))
def test_the_due_refresh_equals_recomputing_everything_on_every_later_day(seed, factory, db):
    rnd = random.Random(seed)
    _random_register(rnd, factory, db)
    day = date(2018, 1, 1) + timedelta(days=rnd.randint(0, 6 * 365))
    services.refresh_all(day)
    db.session.commit()
    recomputed = []
    for step in (1, 1, 2, 5, 14, 31, 45, 90, 180, 200, 366, 400, 731):
        day += timedelta(days=step)
        due = db.session.execute(
            db.select(db.func.count()).select_from(services.due_for_refresh(day).subquery())
        ).scalar_one()
        services.refresh_due(day)
        db.session.commit()
        recomputed.append(due)
        got, want = _stored(db), _from_scratch(day)
        assert got == want, f"as of {day} (seed {seed})"
    # It does skip: on the day after a refresh few agreements are due.
    assert recomputed[0] < 25


def test_an_agreement_is_due_on_the_first_day_its_rows_change(factory, db):
    """Start 2020-01-01, end 2021-12-31, 6 months' notice: refreshed on 2021-06-29 its next
    change is 2021-07-01, the day after the last day for notice (2021-06-30)."""
    agreement = factory.agreement(
        start_date=date(2020, 1, 1), end_date=date(2021, 12, 31), notice_period_months=6
    )
    services.refresh_all(date(2021, 6, 29))
    db.session.commit()
    valid = db.session.get(DeadlineValidity, agreement.id).valid_until
    assert valid == date(2021, 6, 30)  # its day comes: status and rows read as of it
    assert db.session.execute(services.due_for_refresh(date(2021, 6, 29))).all() == []
    assert [r.id for r in db.session.execute(services.due_for_refresh(valid))] == [agreement.id]


def test_a_day_before_the_stored_one_recomputes_everything(factory, db):
    factory.agreement(start_date=date(2020, 1, 1), end_date=date(2021, 12, 31))
    services.refresh_all(date(2021, 6, 1))
    db.session.commit()
    services.refresh_due(date(2020, 6, 1))
    db.session.commit()
    assert _stored(db) == _from_scratch(date(2020, 6, 1))


def test_stored_rows_do_not_answer_past_an_amendment_taking_effect(factory, db):
    """Refreshed on 2027-01-15, the stored rows answer for the next few days — but not once a
    tilläggsavtal shortening the notice to 3 months takes effect on 2027-01-16: from that day
    the last day for notice of the period ending 2027-07-15 is 2027-04-15 (DOMAIN.md,
    Amendments). It was read from the stored rows as 2027-01-15 (six months) for a week."""
    agreement = factory.agreement(
        start_date=date(2025, 7, 16),
        end_date=date(2027, 7, 15),
        extension_months=12,
        notice_period_months=6,
    )
    add_amendment(
        agreement,
        {"effective_date": date(2027, 1, 16), "changes": {"notice_period_months": 3}},
        None,
        date(2026, 12, 1),
    )
    db.session.commit()
    services.refresh_all(date(2027, 1, 15))
    db.session.commit()

    def last_notices(day):
        page = services.list_deadlines(day, within_days=365, kinds=["last_notice"])
        return [d.date for d in page.items]

    assert last_notices(date(2027, 1, 15)) == [date(2027, 1, 15), date(2028, 1, 15)]
    assert services.stored_rows_answer_for(date(2027, 1, 15), date(2028, 1, 15))
    assert not services.stored_rows_answer_for(date(2027, 1, 16), date(2028, 1, 16))
    assert last_notices(date(2027, 1, 16)) == [date(2027, 4, 15)]
    assert last_notices(date(2027, 1, 20)) == [date(2027, 4, 15)]


def test_an_obligation_falling_overdue_is_marked_without_recomputing_its_agreement(factory, db):
    """31 March passes unmet: the next day's refresh marks the row overdue with one UPDATE; the
    agreement is not due (its rows change only in that flag), and all reads as from scratch.
    (Before, every agreement with a report due that day was recomputed the next.)"""
    from app.deadlines.models import Deadline

    agreement = factory.agreement(
        start_date=date(2020, 1, 1), end_date=date(2023, 12, 31), notice_period_months=6
    )
    made = lifecycle.create_obligation(
        agreement,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2020, 1, 1),
    )
    # Last year's was met (an unmet one would leave the window about now, a change of rows).
    lifecycle.record_fulfilment(made, {"due_date": date(2020, 3, 31)}, None, date(2020, 3, 31))
    db.session.commit()
    services.refresh_all(date(2021, 3, 30))
    db.session.commit()
    assert db.session.get(DeadlineValidity, agreement.id).valid_until > date(2021, 4, 1)

    def overdue() -> bool:
        return db.session.execute(
            db.select(Deadline.overdue).where(
                Deadline.kind == "obligation_due", Deadline.date == date(2021, 3, 31)
            )
        ).scalar_one()

    assert overdue() is False
    for day in (date(2021, 3, 31), date(2021, 4, 1)):
        assert db.session.execute(services.due_for_refresh(day)).all() == []
        services.refresh_due(day)
        db.session.commit()
        assert _stored(db) == _from_scratch(day)
    assert overdue() is True


def test_the_stored_rows_of_the_due_are_joined_not_read_again_per_row(factory, db):
    """On PostgreSQL with little ``work_mem`` (most of a national register due on one day):
    the stored rows of the due agreements are found by a join, with no subplan read again
    for every stored deadline (that took more than 16 minutes at 100 000 agreements)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite has no work_mem")
    factory.agreement(start_date=date(2020, 1, 1), end_date=date(2021, 12, 31))
    services.refresh_all(date(2021, 6, 1))
    db.session.commit()
    stmt = services.stored_rows(services.due_for_refresh(date(2021, 7, 1)))
    compiled = stmt.compile(db.engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET work_mem = '64kB'")
        conn.exec_driver_sql("SET enable_hashjoin = off")  # as when the ids do not fit
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        )
    assert "SubPlan" not in plan, plan
    keys = {row.key for row in db.session.execute(stmt)}
    assert keys == {row.key for row in db.session.execute(services.stored_rows())}
