"""The daily refresh writes only what changed, and ends with exactly the rows a refresh into an
empty table would write."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete

from app.agreements import lifecycle
from app.deadlines import services
from app.deadlines.models import Deadline


def _rows(db):
    return sorted(
        db.session.execute(
            db.select(
                Deadline.key,
                Deadline.kind,
                Deadline.date,
                Deadline.business_day,
                Deadline.title,
                Deadline.overdue,
            )
        ).all()
    )


def test_a_refresh_on_a_later_day_equals_a_refresh_from_scratch(factory, db):
    extending = factory.agreement(
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
    )
    factory.agreement(
        start_date=date(2023, 1, 1), end_date=date(2024, 12, 31), notice_period_months=3
    )
    lifecycle.create_obligation(
        extending,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2022, 3, 1),
    )
    db.session.commit()

    services.refresh_all(date(2022, 3, 1))
    db.session.commit()
    services.refresh_all(date(2022, 7, 15))  # last notice passed, an obligation fell overdue
    db.session.commit()
    incremental = _rows(db)

    db.session.execute(delete(Deadline))
    services.refresh_all(date(2022, 7, 15))
    db.session.commit()
    assert incremental == _rows(db)
    assert any(
        kind == "obligation_due" and overdue for _k, kind, _d, _b, _t, overdue in incremental
    )
