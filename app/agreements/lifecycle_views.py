"""Pages for notice of termination (record, withdraw) and obligations (add, mark as met),
registered on the ``agreements`` blueprint."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agreements import lifecycle
from app.agreements.lifecycle_forms import (
    FulfilmentForm,
    ObligationForm,
    TerminationForm,
    WithdrawForm,
)
from app.agreements.models import Agreement, Obligation, Termination
from app.agreements.views import bp
from app.auth import permission_required
from app.core import clock
from app.core.errors import ConflictError, ValidationError
from app.core.forms import apply_errors
from app.extensions import db
from app.parties.models import Organisation


@bp.app_context_processor
def inject_lifecycle_helpers():
    def obligation_state(obligation: Obligation, as_of: date) -> dict:
        dates = lifecycle.open_occurrences(obligation, as_of) if obligation.active else []
        return {
            "overdue": [d for d in dates if d < as_of],
            "next_due": next((d for d in dates if d >= as_of), None),
            "open": dates,
        }

    return {
        "obligation_state": obligation_state,
        "withdraw_form": WithdrawForm,
        "fulfilment_form": FulfilmentForm,
        "late_warning": lifecycle.late_warning,
    }


def _detail(agreement: Agreement, anchor: str):
    return redirect(url_for("agreements.detail", agreement_id=agreement.id) + anchor)


@bp.route("/<int:agreement_id>/terminations/new", methods=["GET", "POST"])
@permission_required("edit_agreements")
def termination_new(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = TerminationForm()
    choices = [(p.organisation_id, p.organisation.name) for p in agreement.parties]
    choices = list(dict(choices).items()) or [
        (o.id, o.name)
        for o in db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars()
    ]
    form.organisation_id.choices = choices
    form.addressed_to_id.choices = [(0, "–"), *choices]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            data = {
                "organisation_id": form.organisation_id.data,
                "addressed_to_id": form.addressed_to_id.data or None,
                "received_date": form.received_date.data,
                "written": form.written.data,
                "note": form.note.data,
                "attachment": form.letter.data,
            }
            try:
                termination = lifecycle.give_notice(agreement, data, current_user, clock.today())
            except ValidationError as exc:
                db.session.rollback()
                apply_errors(form, exc)
            else:
                db.session.commit()
                flash(
                    _(
                        "Uppsägningen är registrerad. Avtalet upphör %(end)s.",
                        end=termination.effective_end_date.isoformat(),
                    ),
                    "success",
                )
                if termination.late:
                    flash(lifecycle.late_warning(termination), "warning")
                return _detail(agreement, "#lifecycle")
    return render_template(
        "agreements/termination_form.html", agreement=agreement, form=form
    ), status


@bp.route("/<int:agreement_id>/terminations/<int:termination_id>/withdraw", methods=["POST"])
@permission_required("edit_agreements")
def termination_withdraw(agreement_id: int, termination_id: int):
    termination = db.get_or_404(Termination, termination_id)
    if termination.agreement_id != agreement_id:
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    form = WithdrawForm()
    form.validate_on_submit()
    try:
        lifecycle.withdraw_termination(termination, current_user, form.reason.data, clock.today())
    except ConflictError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(_("Uppsägningen är återkallad."), "success")
    return _detail(termination.agreement, "#lifecycle")


@bp.route("/<int:agreement_id>/obligations/new", methods=["GET", "POST"])
@permission_required("edit_agreements")
def obligation_new(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = ObligationForm()
    form.responsible_organisation_id.choices = [(0, "–")] + list(
        dict((p.organisation_id, p.organisation.name) for p in agreement.parties).items()
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            data = {
                f: getattr(form, f).data
                for f in (
                    "title",
                    "description",
                    "recurrence",
                    "due_month",
                    "due_day",
                    "due_date",
                    "days_before",
                    "relative_to_label",
                )
            }
            data["responsible_organisation_id"] = form.responsible_organisation_id.data or None
            try:
                lifecycle.create_obligation(agreement, data, current_user, clock.today())
            except ValidationError as exc:
                db.session.rollback()
                apply_errors(form, exc)
            else:
                db.session.commit()
                flash(_("Skyldigheten är sparad."), "success")
                return _detail(agreement, "#obligations")
    return render_template(
        "agreements/obligation_form.html", agreement=agreement, form=form
    ), status


@bp.route(
    "/<int:agreement_id>/obligations/<int:obligation_id>/fulfilments", methods=["GET", "POST"]
)
@permission_required("edit_agreements")
def obligation_fulfil(agreement_id: int, obligation_id: int):
    """A small page to mark one occurrence as met: which one, when, a note and a file; a
    mistake is shown beside its field (422) and nothing is saved."""
    obligation = db.get_or_404(Obligation, obligation_id)
    if obligation.agreement_id != agreement_id:
        abort(404)
    agreement = obligation.agreement
    today = clock.today()
    open_dates = lifecycle.open_occurrences(obligation, today) if obligation.active else []
    form = FulfilmentForm()
    form.due_date.choices = [(d.isoformat(), d.isoformat()) for d in open_dates]
    status = 200
    if request.method == "GET":
        if request.args.get("due_date") in {d.isoformat() for d in open_dates}:
            form.due_date.data = request.args["due_date"]
        if form.met_on.data is None:
            form.met_on.data = today
    else:
        status = 422
        if form.validate_on_submit():
            try:
                due = date.fromisoformat(form.due_date.data) if form.due_date.data else None
            except ValueError:
                due = form.due_date.data  # the service says what is wrong with it
            data = {
                "due_date": due,
                "met_on": form.met_on.data,
                "note": form.note.data,
                "attachment": form.file.data,
            }
            try:
                lifecycle.record_fulfilment(obligation, data, current_user, today)
            except ValidationError as exc:
                db.session.rollback()
                apply_errors(form, exc)
            else:
                db.session.commit()
                flash(_("Skyldigheten är markerad som uppfylld."), "success")
                return _detail(agreement, "#obligations")
    return render_template(
        "agreements/fulfilment_form.html",
        agreement=agreement,
        obligation=obligation,
        form=form,
        open_dates=open_dates,
        as_of=today,
    ), status
    try:
        due = date.fromisoformat(form.due_date.data) if form.due_date.data else None
    except ValueError:
        due = None
    data = {
        "due_date": due,
        "met_on": form.met_on.data,
        "note": form.note.data,
        "attachment": form.file.data,
    }
    try:
        lifecycle.record_fulfilment(obligation, data, current_user, clock.today())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("Skyldigheten är markerad som uppfylld."), "success")
    return _detail(agreement, "#obligations")
