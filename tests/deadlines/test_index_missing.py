"""A year's index value that finance has not entered is a deadline that stays on the dashboard,
marked overdue, until the value is entered, and disappears as soon as it is."""

from __future__ import annotations

from datetime import date, timedelta

from app.core import clock
from app.deadlines import services
from app.indexation import services as indexation


def _missing(page):
    return [(d.kind, d.date, d.overdue) for d in page.items if d.kind == "index_missing"]


def test_a_missing_value_for_this_year_stays_on_the_dashboard_as_overdue(factory, db):
    factory.following_opi("4107597")
    as_of = date(2024, 3, 15)
    services.refresh_all(as_of)
    db.session.commit()
    shown = _missing(services.list_deadlines(as_of, within_days=30))
    assert (
        "index_missing",
        date(2024, 1, 31),
        True,
    ) in shown  # OPI 2024: due 31 January, not entered
    # Computed on the fly for another day, the answer is the same.
    assert ("index_missing", date(2024, 1, 31), True) in _missing(
        services.list_deadlines(as_of + timedelta(days=30), within_days=30)
    )


def test_entering_the_value_removes_the_deadline_at_once(factory, db, monkeypatch):
    factory.following_opi("4107597")
    as_of = clock.today()
    services.refresh_all(as_of)
    db.session.commit()
    year = as_of.year
    before = [
        d
        for d in services.list_deadlines(as_of, within_days=400).items
        if d.kind == "index_missing"
    ]
    assert any(d.year == year for d in before)
    indexation.set_value(indexation.get_series("OPI"), year, "2.5", "preliminary", None)
    db.session.commit()
    after = [
        d
        for d in services.list_deadlines(as_of, within_days=400).items
        if d.kind == "index_missing"
    ]
    assert not any(d.year == year for d in after)


def test_stored_rows_describe_the_oldest_refresh_not_the_newest_single_agreement(factory, db):
    terms = {"start_date": date(2021, 1, 1), "end_date": date(2021, 12, 31), "extension_months": 12}
    first = factory.agreement(notice_period_months=3, **terms)
    factory.agreement(notice_period_months=3, **terms)
    services.refresh_all(date(2024, 1, 1))
    services.refresh_agreement(first, date(2024, 6, 1))
    db.session.commit()
    assert services.stored_as_of() == date(2024, 1, 1)
