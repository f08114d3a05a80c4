"""A sweep as of a day plans from the deadlines as of that day: ``reminders run --as-of D``
refreshes the stored deadlines for D first when they describe another day, and the scheduler
does so before sweeping when they are older than today."""

from __future__ import annotations

from datetime import date

from app.deadlines.services import refresh_all, stored_as_of
from app.reminders.models import ReminderLog
from app.reminders.services import local_today


def _stale_deadlines(db, factory, watched):
    agreement, anna, _vera = watched(
        start_date=date(2021, 1, 1), end_date=date(2022, 12, 31), notice_period_months=6
    )
    # An agreement with deadlines in 2020, so something is stored as of that day.
    factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    # Stored as of 1 January 2020: the horizon ends before the last day for notice (2022-06-30).
    refresh_all(date(2020, 1, 1))
    db.session.commit()
    assert stored_as_of() == date(2020, 1, 1)
    return agreement


def test_run_as_of_a_day_plans_from_that_days_deadlines(runner, db, smtp, factory, watched):
    agreement = _stale_deadlines(db, factory, watched)
    out = runner.invoke(args=["reminders", "run", "--as-of", "2022-06-23"])
    assert out.exit_code == 0, out.output
    assert "Deadlines refreshed as of 2022-06-23" in out.output
    assert "planned 4, sent 4" in out.output
    assert stored_as_of() == date(2022, 6, 23)
    row = db.session.execute(
        db.select(ReminderLog)
        .where(ReminderLog.channel == "email", ReminderLog.status == "sent")
        .limit(1)
    ).scalar_one()
    assert (row.agreement_id, row.kind, row.lead_days) == (agreement.id, "last_notice", 7)
    # A second run for the same day neither refreshes nor plans again.
    again = runner.invoke(args=["reminders", "run", "--as-of", "2022-06-23"])
    assert "refreshed" not in again.output and "planned 0" in again.output


def test_scheduler_sweep_refreshes_deadlines_older_than_today_first(app, db, factory, watched):
    from app.reminders.scheduler import sweep_job

    _stale_deadlines(db, factory, watched)
    # An agreement whose last day for notice lies within the next two years, whatever today is.
    next_year = local_today().year + 1
    factory.agreement(start_date=date(2025, 1, 1), end_date=date(next_year, 12, 31))
    refresh_all(date(2020, 1, 1))
    db.session.commit()
    assert stored_as_of() == date(2020, 1, 1)
    sweep_job(app)
    assert stored_as_of() == local_today()
