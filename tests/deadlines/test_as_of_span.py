"""Deadlines as of any day of the span around the daily refresh are read from stored rows
(``deadline_spans``, each valid over the as-of days it holds on) and answer exactly what
computing every agreement as of that day answers: the same items in the same order, the same
totals and overdue flags, on days before and after the refresh, across amendments, notices,
obligations, tills vidare, capped extensions and terms ending at a month's end. The answer
takes a fixed number of queries however many agreements there are."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.agreements import lifecycle
from app.agreements.amendments import add_amendment
from app.core.dates import add_months
from app.deadlines import services, startpage
from app.deadlines.models import Deadline, DeadlineSpan
from tests.deadlines.test_refresh_due import _random_register


def _month_end_agreements(rnd: random.Random, factory, db) -> None:
    """Terms from a month's last day, some prolonged or made tills vidare by an amendment."""
    for _ in range(6):
        start = add_months(date(2017, 1, 31), rnd.randint(0, 80))
        extension = rnd.choice((None, 6, 12))
        agreement = factory.agreement(
            start_date=start,
            fte=rnd.choice((None, "0.5", "2")),  # a huvudman's 1 March application
            end_date=add_months(start, rnd.choice((12, 24))) - timedelta(1),
            extension_months=extension,
            max_extensions=rnd.choice((None, 2)) if extension else None,
            notice_period_months=rnd.choice((2, 3)),
            notice_ends_at_month_end=rnd.random() < 0.5,
        )
        if rnd.random() < 0.6:
            day = start + timedelta(days=rnd.randint(30, 900))
            end = rnd.choice((None, add_months(start, 48) - timedelta(1)))
            try:
                add_amendment(
                    agreement, {"effective_date": day, "changes": {"end_date": end}}, None, day
                )
            except Exception:  # noqa: BLE001 - a change that breaks a rule: none then
                db.session.rollback()
        db.session.commit()


def _answer(page) -> tuple:
    return page.total, [
        (d.key, d.kind, d.date, d.business_day, d.title, d.overdue, d.agreement_id)
        for d in page.items
    ]


def _interesting_days(rnd: random.Random, first: date, last: date) -> list[date]:
    """Random days of the span, and the days around which the terms read otherwise."""
    days = {
        first,
        last,
        *(first + timedelta(rnd.randint(0, (last - first).days)) for _ in range(12)),
    }
    for row in services.load_facts():
        for d in [a.effective_date for a in row.amendments] + [
            t.received_date for t in row.terminations
        ]:
            days.update((d - timedelta(1), d))
        for ob in row.obligations:
            for f in ob.fulfilments:
                days.update((f.due_date, f.due_date + timedelta(1)))
    return sorted(d for d in days if first <= d <= last)


def _check(day: date, rnd: random.Random) -> None:
    assert services.span_answers_for(day)
    within = rnd.choice((30, 90, 365, 731))
    until = day + timedelta(days=within)
    for kinds, overdue, page, per_page in (
        ([], True, 1, 500),
        ([], False, 1, 500),
        ([], True, 2, 7),
        (["obligation_due"], True, 1, 500),
    ):
        args = (day, until, kinds, overdue, page, per_page, (None, None, None, None))
        want = _answer(services._computed_page(*args))
        got = _answer(services._span_page(*args))
        assert got == want, f"as of {day}, within {within}, {kinds}, overdue {overdue}, page {page}"


def _daily_applications_hold(db, day: date) -> None:
    """The daily rows of the 1 March applications, taken from the span, are those of the day."""
    stored = db.session.execute(
        db.select(Deadline.key, Deadline.title).where(Deadline.kind == "grant_application")
    ).all()
    want = {(d.key, d.title) for d in services.global_deadlines(day)}
    assert set(stored) == {w for w in want if w[0].startswith("organisation:")}


@pytest.mark.parametrize("seed", range(1, 5))
def test_the_span_answers_what_computing_every_agreement_answers(seed, factory, db):
    rnd = random.Random(seed)
    _random_register(rnd, factory, db)
    _month_end_agreements(rnd, factory, db)
    refreshed = date(2018, 1, 1) + timedelta(days=rnd.randint(0, 6 * 365))
    services.refresh_all(refreshed)
    db.session.commit()
    first, last = services.stored_span()
    assert first < refreshed < last
    of_no_agreement = db.select(db.func.count()).where(DeadlineSpan.agreement_id.is_(None))
    assert db.session.execute(of_no_agreement).scalar() > 0  # the 1 March applications
    _daily_applications_hold(db, refreshed)
    for day in _interesting_days(rnd, first, last):
        _check(day, rnd)
    # The daily refresh moves the span on, recomputing only what falls short of it.
    for step in (1, 17, 45, 400):
        refreshed += timedelta(days=step)
        services.refresh_due(refreshed)
        db.session.commit()
        _daily_applications_hold(db, refreshed)
        first, last = services.stored_span()
        for day in rnd.sample(_interesting_days(rnd, first, last), 8):
            _check(day, rnd)


def test_a_change_after_the_refresh_is_in_the_span_at_once(factory, db):
    """A notice recorded after the daily refresh: as of its receipt the agreement ends three
    months later; before it, it still extends."""
    agreement = factory.agreement(
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
        extension_months=12,
        notice_period_months=3,
    )
    services.refresh_all(date(2025, 3, 1))
    db.session.commit()
    org = agreement.parties[0].organisation_id
    lifecycle.give_notice(
        agreement,
        {"organisation_id": org, "received_date": date(2025, 5, 1), "written": True},
        None,
        date(2025, 5, 1),
    )
    db.session.commit()
    for day in (date(2025, 4, 30), date(2025, 5, 1), date(2025, 9, 1)):
        args = (day, day + timedelta(days=365), [], True, 1, 100, (None,) * 4)
        assert _answer(services._span_page(*args)) == _answer(services._computed_page(*args))
    ends = services.list_deadlines(date(2025, 6, 1), within_days=365, kinds=["term_end"])
    assert [d.date for d in ends.items] == [date(2025, 12, 31)]


def _sections(page) -> dict:
    """The start page's sections with each agreement by its id (the computed page loads its
    own copies)."""
    return {
        name: [
            {**vars(row), "agreement": getattr(row.agreement, "id", None)}
            for row in getattr(page, name)
        ]
        for name in ("decisions", "due", "overdue", "ended")
    }


def test_the_start_page_as_of_a_day_of_the_span_equals_the_computed_one(factory, db, monkeypatch):
    rnd = random.Random(7)
    _random_register(rnd, factory, db)
    services.refresh_all(date(2022, 3, 1))
    db.session.commit()
    for day in (date(2021, 6, 1), date(2022, 2, 27), date(2022, 9, 30), date(2023, 12, 31)):
        from_span = startpage.start_page(day, 365)
        with monkeypatch.context() as m:
            m.setattr(services, "span_answers_for", lambda _day: False)
            computed = startpage.start_page(day, 365)
        assert _sections(from_span) == _sections(computed), day
        assert from_span.decisions and from_span.due


def _queries(db, fn) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_span_answers_with_a_fixed_number_of_queries(factory, db):
    def register(n: int) -> None:
        for i in range(n):
            agreement = factory.agreement(
                start_date=date(2020, 1, 1) + timedelta(days=i),
                end_date=date(2022, 12, 31) + timedelta(days=i),
                extension_months=12,
                notice_period_months=3,
            )
            lifecycle.create_obligation(
                agreement,
                {"title": "Rapport", "recurrence": "quarterly", "due_month": 3, "due_day": 31},
                None,
                date(2020, 1, 1),
            )
        db.session.commit()
        services.refresh_all(date(2023, 1, 1))
        db.session.commit()

    def ask() -> None:
        db.session.expunge_all()
        page = services.list_deadlines(date(2023, 8, 1), within_days=365, per_page=100)
        assert page.total > 0 and all(d.agreement is not None for d in page.items)

    register(5)
    few = _queries(db, ask)
    register(45)
    many = _queries(db, ask)
    assert db.session.execute(db.select(db.func.count(DeadlineSpan.id))).scalar() > 100
    assert few == many


def test_a_day_outside_the_span_is_still_computed(factory, db):
    factory.agreement(start_date=date(2020, 1, 1), end_date=date(2022, 12, 31))
    services.refresh_all(date(2023, 1, 1))
    db.session.commit()
    first, last = services.stored_span()
    assert not services.span_answers_for(first - timedelta(1))
    assert not services.span_answers_for(last + timedelta(1))
    old = services.list_deadlines(date(2022, 1, 1), within_days=365)
    assert [d.kind for d in old.items] == ["last_notice", "term_end"]


def test_the_deadlines_of_no_agreement_take_their_place_on_every_page(factory, db):
    """The huvudman's 1 March application (no agreement) is merged into the span's rows at
    its place in the order, whatever the page."""
    for i in range(4):
        factory.agreement(
            start_date=date(2020, 1, 1),
            end_date=date(2023, 2, 1) + timedelta(days=20 * i),
            notice_period_months=1,
            fte="1.5",
        )
    services.refresh_all(date(2022, 6, 1))
    db.session.commit()
    day, until = date(2022, 12, 1), date(2024, 6, 1)
    whole = services._computed_page(day, until, [], True, 1, 500, (None,) * 4)
    assert "grant_application" in {d.kind for d in whole.items}
    for per_page in (1, 2, 3, 5):
        for page in range(1, whole.total // per_page + 3):
            args = (day, until, [], True, page, per_page, (None,) * 4)
            assert _answer(services._span_page(*args)) == _answer(services._computed_page(*args)), (
                page,
                per_page,
            )
