"""The 1 March deadline of the yearly cycle (app.grants) is reminded like the others: the
refresh stores it for a PO agreement with årsarbetare, and the sweep mails the responsible
official and the watcher on its day, in Swedish, with what to do."""

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
    assert row.agreement_id == agreement.id
    assert "ansökan 2026 och redovisning 2025" in row.title
    # 1 March 2026 is a Sunday: the reminder aims at Friday 27 February.
    assert row.business_day == date(2026, 2, 27)
    run_sweep(date(2026, 2, 27), now=noon(date(2026, 2, 27)))
    mail = smtp.handler.to("anna@example.se")
    assert mail and "Statsbidrag: ansökan och redovisning" in mail[0]["Subject"]
    assert "senast 1 mars" in mail[0].get_body(("plain",)).get_content()
    assert smtp.handler.to("vera@example.se")
