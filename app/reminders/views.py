"""Pages of the reminders package: the inbox, a person's reminder settings, the calendar feed
(public, behind a secret token) and the admin view of the reminder log."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_

from app.auth import permission_required
from app.db import utcnow
from app.extensions import db
from app.reminders import calendar
from app.reminders.forms import KIND_CHOICES, LogFilterForm, PreferenceForm
from app.reminders.models import Notification, ReminderLog
from app.reminders.services import (
    default_lead_days,
    inbox_filter,
    mark_read,
    owns,
    person_for_user,
    preference_for,
    retry,
    save_preference,
    unread_count,
)

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


def own_rows(view):
    """Logged in, and the view only touches the current user's own rows (it checks that)."""
    wrapped = login_required(view)
    wrapped.required_permission = "self"
    return wrapped


@bp.app_context_processor
def inject_inbox():
    def reminders_unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_count(current_user)

    def reminders_calendar_url() -> str | None:
        person = person_for_user(current_user)
        token = calendar.token_for(person) if person else None
        if token is None:
            return None
        return url_for("reminders.calendar_feed", token=token.token, _external=True)

    return {
        "reminders_unread": reminders_unread,
        "reminders_calendar_url": reminders_calendar_url,
        "reminders_person": lambda: person_for_user(current_user),
    }


@bp.route("/")
@login_required
def inbox():
    show = request.args.get("show", "open")
    stmt = db.select(Notification).where(inbox_filter(current_user))
    if show == "open":
        stmt = stmt.where(Notification.done_at.is_(None))
    items = (
        db.session.execute(
            # The nearest deadline first (what has to be done soonest), undated ones last.
            stmt.order_by(
                Notification.deadline_date.is_(None),
                Notification.deadline_date,
                Notification.created_at.desc(),
            ).limit(200)
        )
        .scalars()
        .all()
    )
    return render_template("reminders/inbox.html", items=items, show=show)


def _own_notification(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or not owns(current_user, notification):
        abort(404)  # someone else's message does not exist for you
    return notification


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@own_rows
def mark_notification_read(notification_id: int):
    mark_read(_own_notification(notification_id), utcnow())
    db.session.commit()
    return redirect(request.referrer or url_for("reminders.inbox"))


@bp.route("/notifications/<int:notification_id>/done", methods=["POST"])
@own_rows
def mark_notification_done(notification_id: int):
    mark_read(_own_notification(notification_id), utcnow(), done=True)
    db.session.commit()
    flash(_("Markerad som klar."), "success")
    return redirect(url_for("reminders.inbox"))


@bp.route("/notifications/read-all", methods=["POST"])
@own_rows
def mark_all_read():
    now = utcnow()
    for n in db.session.execute(
        db.select(Notification).where(inbox_filter(current_user), Notification.read_at.is_(None))
    ).scalars():
        mark_read(n, now)
    db.session.commit()
    return redirect(url_for("reminders.inbox"))


@bp.route("/settings", methods=["GET", "POST"])
@own_rows
def settings():
    person = person_for_user(current_user)
    pref = preference_for(person.id) if person else None
    form = PreferenceForm()
    if request.method == "GET":
        form.kinds.data = (pref.kind_list if pref else None) or (
            [k for k, _label in KIND_CHOICES] if pref is None or pref.kinds is None else []
        )
        form.digest.data = bool(pref and pref.digest)
        form.email.data = pref.email_enabled if pref else True
    if person is not None and form.validate_on_submit():
        chosen = [k for k, _label in KIND_CHOICES if k in (form.kinds.data or [])]
        all_kinds = len(chosen) == len(KIND_CHOICES)
        save_preference(person, None if all_kinds else chosen, form.digest.data, form.email.data)
        db.session.commit()
        flash(_("Dina påminnelseinställningar är sparade."), "success")
        return redirect(url_for("reminders.settings"))
    return render_template(
        "reminders/settings.html",
        form=form,
        person=person,
        lead_days=default_lead_days(),
        calendar_url=_calendar_url(person),
    )


def _calendar_url(person):
    token = calendar.token_for(person) if person else None
    return url_for("reminders.calendar_feed", token=token.token, _external=True) if token else None


@bp.route("/calendar/regenerate", methods=["POST"])
@own_rows
def regenerate_calendar():
    person = person_for_user(current_user)
    if person is None:
        flash(
            _("Ditt konto är inte kopplat till en person; be en administratör koppla det."),
            "warning",
        )
        return redirect(url_for("reminders.settings"))
    calendar.regenerate_token(person)
    db.session.commit()
    flash(_("En ny kalenderlänk är skapad. Den gamla slutar fungera."), "success")
    return redirect(request.referrer or url_for("reminders.settings"))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    person = calendar.person_by_token(token)
    if person is None:
        abort(404)
    body = calendar.feed(person)
    db.session.commit()  # last_used_at
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="avtalskollen.ics"',
            "Cache-Control": "private, max-age=900",
        },
    )


@bp.route("/log")
@permission_required("admin")
def reminder_log():
    form = LogFilterForm(request.args)
    stmt = db.select(ReminderLog)
    status = form.status.data
    if status == "retried":
        stmt = stmt.where(ReminderLog.attempts > 1)
    elif status:
        stmt = stmt.where(ReminderLog.status == status)
    if form.channel.data:
        stmt = stmt.where(ReminderLog.channel == form.channel.data)
    if form.q.data:
        like = f"%{form.q.data.strip()}%"
        stmt = stmt.where(
            or_(
                ReminderLog.title.ilike(like),
                ReminderLog.email.ilike(like),
                ReminderLog.deadline_key.ilike(like),
                ReminderLog.recipient.ilike(like),
            )
        )
    page = db.paginate(stmt.order_by(ReminderLog.id.desc()), per_page=100, error_out=False)
    counts = dict(
        db.session.execute(
            db.select(ReminderLog.status, func.count()).group_by(ReminderLog.status)
        ).all()
    )
    return render_template("reminders/log.html", form=form, page=page, counts=counts)


@bp.route("/log/<int:log_id>/retry", methods=["POST"])
@permission_required("admin")
def retry_log(log_id: int):
    row = db.get_or_404(ReminderLog, log_id)
    retry(row, utcnow())
    db.session.commit()
    flash(_("Påminnelsen skickas vid nästa körning."), "success")
    return redirect(request.referrer or url_for("reminders.reminder_log"))
