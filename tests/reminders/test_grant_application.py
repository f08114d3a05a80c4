"""The 1 March deadline of the yearly cycle (app.grants) is the huvudman's, reminded like the
others: the refresh stores one per huvudman of PO agreements with årsarbetare, and the sweep
mails the responsible official and the watcher of those agreements on its day, in Swedish, with
what to do; their calendar feeds carry it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.deadlines.models import Deadline
from app.deadlines.services import refresh_all
from app.reminders.services import run_sweep
from tests.reminders.conftest import noon


def test_grant_application_is_stored_and_reminded_on_1_march(db, smtp, watched):
    agreement, _anna, _vera = watched(
        title="PO Leanlink", end_date=None, notice_period_months=12, fte=Decimal("6")
    )
    refresh_all(date(2026, 2, 1))
    db.session.commit()
    rows = db.session.execute(
        db.select(Deadline).where(Deadline.kind == "grant_application").order_by(Deadline.date)
    ).scalars()
    # Each 1 March within the two years ahead that the deadlines reach.
    rows = list(rows)
    assert [r.date for r in rows] == [date(2026, 3, 1), date(2027, 3, 1)]
    row = rows[0]
    huvudman = next(p.organisation for p in agreement.parties if p.role == "bestallare")
    assert (row.agreement_id, row.organisation_id) == (None, huvudman.id)
    assert "ansökan 2026 och redovisning 2025" in row.title and huvudman.name in row.title
    # 1 March 2026 is a Sunday: the reminder aims at Friday 27 February.
    assert row.business_day == date(2026, 2, 27)
    run_sweep(date(2026, 2, 27), now=noon(date(2026, 2, 27)))
    mail = smtp.handler.to("anna@example.se")
    assert mail and "Statsbidrag: ansökan och redovisning" in mail[0]["Subject"]
    assert "senast 1 mars" in mail[0].get_body(("plain",)).get_content()
    assert smtp.handler.to("vera@example.se")
    assert len(smtp.handler.to("anna@example.se")) == 1  # once, however often the sweep runs
    run_sweep(date(2026, 2, 27), now=noon(date(2026, 2, 27)))
    assert len(smtp.handler.to("anna@example.se")) == 1


def test_the_huvudmans_deadline_is_in_its_officials_calendar(db, watched):
    from app.reminders.calendar import deadlines_for

    agreement, anna, _vera = watched(
        title="PO Leanlink", end_date=None, notice_period_months=12, fte=Decimal("6")
    )
    stranger = watched(title="Annat", end_date=None, notice_period_months=12)[1]
    refresh_all(date(2026, 2, 1))
    db.session.commit()
    kinds = [(d.kind, d.date) for d in deadlines_for(anna) if d.kind == "grant_application"]
    assert kinds == [
        ("grant_application", date(2026, 3, 1)),
        ("grant_application", date(2027, 3, 1)),
    ]
    assert not [d for d in deadlines_for(stranger) if d.kind == "grant_application"]
