"""The global change log (admin): every agreement's audit entries in one list, newest first,
filtered by agreement, user, what changed and a date range, registered on the ``agreements``
blueprint."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request

from app.agreements.models import Agreement, AuditEntry
from app.agreements.views import bp
from app.auth import permission_required
from app.auth.models import User
from app.core.dates import parse_iso_date
from app.core.query import int_param
from app.extensions import db

PER_PAGE = 100


def _day(name: str):
    """A ``YYYY-MM-DD`` query argument, or None when missing or malformed (with the error)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return parse_iso_date(raw), None
    except ValueError as exc:
        return None, str(exc)


def change_log_query(
    q: str | None = None, user_id: int | None = None, date_from=None, date_to=None
):
    """The audit entries matching the filters, newest first, with agreement and user loaded."""
    stmt = (
        db.select(AuditEntry)
        .join(AuditEntry.agreement)
        .options(db.contains_eager(AuditEntry.agreement), db.joinedload(AuditEntry.user))
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            Agreement.title.ilike(like)
            | Agreement.diarienummer.ilike(like)
            | AuditEntry.field.ilike(like)
            | AuditEntry.action.ilike(like)
        )
    if user_id:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(date_from, time(), UTC))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time(), UTC)
        stmt = stmt.where(AuditEntry.at < end)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


@bp.route("/changes")
@permission_required("admin")
def change_log():
    date_from, from_error = _day("from")
    date_to, to_error = _day("to")
    filters = {
        "q": (request.args.get("q") or "").strip() or None,
        "user_id": int_param("user_id"),
        "date_from": date_from,
        "date_to": date_to,
    }
    page = db.paginate(
        change_log_query(**filters),
        page=int_param("page") or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    users = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    errors = {"from": from_error, "to": to_error}
    return render_template(
        "agreements/change_log.html",
        page=page,
        filters=filters,
        users=users,
        errors=errors,
    ), (422 if from_error or to_error else 200)
