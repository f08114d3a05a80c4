"""Pages for amendments (tilläggsavtal) and successors, registered on the ``agreements``
blueprint: the amendment form showing the terms in force, withdrawing one, and what the
agreement page shows of them (history with before/after, the chain of agreements)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agreements import amendments, rules, services
from app.agreements.amendment_forms import AmendmentForm, AmendmentWithdrawForm
from app.agreements.attachments import save_attachment
from app.agreements.models import Agreement, Amendment
from app.agreements.views import as_of_from_request, bp
from app.auth import permission_required
from app.core import clock
from app.core.errors import ConflictError, ValidationError
from app.core.forms import apply_errors
from app.extensions import db
from app.parties.models import Organisation

INT_FIELDS = ("notice_period_months", "notice_period_days", "extension_months", "max_extensions")
BOOL_FIELDS = ("notice_must_be_written", "notice_ends_at_month_end", "continues_open_ended")


def detail_context(agreement: Agreement, as_of: date) -> dict[str, Any]:
    """What the agreement page shows of amendments and successors as of ``as_of``."""
    amended = agreement.start_date is not None and bool(agreement.amendments)
    before, after = services.chain_of(agreement)
    in_force = services.fields_on(agreement, as_of) if amended else None
    parties = None
    if in_force is not None:
        parties = [
            (db.session.get(Organisation, org_id), role) for org_id, role in in_force["parties"]
        ]
    return {
        "parties_in_force": parties,
        "terms": services.terms_of(agreement, as_of) if amended else agreement,
        "in_force": in_force,
        "amendment_history": [
            {"amendment": a, "rows": amendments.before_after(agreement, a) if amended else []}
            for a in agreement.amendments
        ],
        "chain_before": before,
        "chain_after": after,
        "amendment_withdraw_form": AmendmentWithdrawForm(formdata=None, version=agreement.version),
    }


def _choices(form: AmendmentForm) -> None:
    """The organisations a party row may name, and the series a new line may follow."""
    from app.indexation.models import IndexSeries

    orgs = [(0, "–")] + [
        (o.id, o.name)
        for o in db.session.execute(
            db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
        ).all()
    ]
    for entry in form.parties:
        entry.organisation_id.choices = orgs
    series = [("", _("Inget index (fast belopp)"))] + [
        (code, code)
        for code in db.session.execute(
            db.select(IndexSeries.code).order_by(IndexSeries.code)
        ).scalars()
    ]
    for entry in form.lines:
        entry.index_series.choices = series


def _prefill(form: AmendmentForm, agreement: Agreement, day: date) -> None:
    in_force = services.fields_on(agreement, day)
    for entry, (org_id, role) in zip(form.parties, in_force["parties"], strict=False):
        entry.organisation_id.data = org_id
        entry.role.data = role
    terms = services.terms_of(agreement, day)
    period = rules.period_containing(terms, day)
    form.effective_date.data = day
    form.end_date.data = period.end if period else terms.end_date
    for name in (*INT_FIELDS, *BOOL_FIELDS):
        getattr(form, name).data = getattr(terms, name)
    form.fte.data = services.fields_on(agreement, day)["fte"]
    form.version.data = agreement.version
    form.shown_on.data = day.isoformat()


def _shown_on(form: AmendmentForm) -> date | None:
    try:
        return date.fromisoformat(form.shown_on.data or "")
    except ValueError:
        return None


def _changes(form: AmendmentForm, agreement: Agreement) -> dict[str, Any]:
    """The fields the user changed compared with what the form showed: the terms in force on
    the day it was filled in for (``shown_on``), else on the effective day. A field left as
    shown is no change, whatever day the amendment takes effect."""
    effective = form.effective_date.data
    shown = _shown_on(form)
    day = shown if shown is not None and agreement.start_date <= shown else effective
    changes: dict[str, Any] = {}
    try:
        terms = services.terms_of(agreement, day)
        period = rules.period_containing(terms, day)
    except rules.RuleViolation:
        terms, period = None, None
    current_end = period.end if period else (terms.end_date if terms else None)
    if form.open_ended.data:
        if current_end is not None or terms is None:
            changes["end_date"] = None
    elif form.end_date.data and form.end_date.data != current_end:
        changes["end_date"] = form.end_date.data.isoformat()
    for name in (*INT_FIELDS, *BOOL_FIELDS):
        value = getattr(form, name).data
        if terms is None or value != getattr(terms, name):
            changes[name] = value
    in_force = services.fields_on(agreement, day)
    fte = form.fte.data
    if fte != in_force["fte"]:
        changes["fte"] = None if fte is None else str(fte)
    parties = [
        {"organisation_id": e.organisation_id.data, "role": e.role.data}
        for e in form.parties
        if e.organisation_id.data
    ]
    posted_parties = any(key.startswith("parties-") for key in request.form)
    if posted_parties and sorted((p["organisation_id"], p["role"]) for p in parties) != sorted(
        in_force["parties"]
    ):
        changes["parties"] = parties
    lines = [e.form for e in form.lines if e.form.filled()]
    if lines or form.compensation_from_year.data:
        changes["compensation"] = {
            "from_year": form.compensation_from_year.data,
            "items": [
                {
                    "label": (e.label.data or "").strip(),
                    "amount": (e.amount.data or "").strip(),
                    "price_level_year": e.price_level_year.data,
                    "index_series": e.index_series.data or None,
                    "first_adjusted_year": e.first_adjusted_year.data,
                    "rounding": e.rounding.data or "final",
                }
                for e in lines
            ],
        }
    return changes


def _on_the_form(exc: ValidationError) -> ValidationError:
    """The service names fields as the API has them (``compensation.from_year``,
    ``compensation.items.0.amount``, ``parties``): the from-year's message goes beside its
    field, the lines' and the parties' above the form (with the line's number in it)."""
    fields: dict[str, str] = {}
    for name, message in exc.fields.items():
        parts = name.split(".")
        if parts[:2] == ["compensation", "from_year"]:
            fields["compensation_from_year"] = message
        elif parts[:2] == ["compensation", "items"] and len(parts) > 2 and parts[2].isdigit():
            fields[f"line {int(parts[2]) + 1}"] = _(
                "Rad %(n)s: %(why)s", n=int(parts[2]) + 1, why=message
            )
        elif parts[0] == "parties":
            fields["party rows"] = message
        else:
            fields[name] = message
    return ValidationError(exc.message, fields, code=exc.code)


@bp.route("/<int:agreement_id>/amendments/new", methods=["GET", "POST"])
@permission_required("edit_agreements")
def amendment_new(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    if agreement.start_date is None:
        flash(_("Bara ett avtal med startdatum kan ändras genom tilläggsavtal."), "warning")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    form = AmendmentForm()
    _choices(form)
    status = 200
    shown_as_of = max(as_of_from_request(), agreement.start_date)
    if request.method == "GET":
        _prefill(form, agreement, shown_as_of)
    elif form.validate_on_submit():
        data: dict[str, Any] = {
            "version": form.version.data,
            "effective_date": form.effective_date.data,
            "signed_date": form.signed_date.data,
            "diarienummer": form.diarienummer.data,
            "description": form.description.data,
            "changes": _changes(form, agreement),
        }
        try:
            if form.attachment.data:
                attachment = save_attachment(
                    agreement,
                    form.attachment.data,
                    current_user,
                    _("Tilläggsavtal från %(day)s", day=form.effective_date.data.isoformat()),
                )
                data["attachment_id"] = attachment.id
            amendments.add_amendment(agreement, data, current_user, clock.today())
        except ConflictError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = 409
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, _on_the_form(exc))
            status = 422
        else:
            db.session.commit()
            flash(_("Tilläggsavtalet är sparat."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id) + "#amendments")
        agreement = db.session.get(Agreement, agreement_id)
    else:
        status = 422
    shown = form.effective_date.data
    if shown is None or form.effective_date.errors:  # refused (a year 9999): shown beside it
        shown = shown_as_of
    try:
        terms = services.terms_of(agreement, shown)
        dates = services.dates_of(agreement, shown)
    except rules.RuleViolation:
        terms, dates = services.terms_of(agreement), None
    return render_template(
        "agreements/amendment_form.html",
        agreement=agreement,
        form=form,
        terms=terms,
        dates=dates,
        shown=shown,
        in_force=services.fields_on(agreement, shown),
    ), status


@bp.route("/<int:agreement_id>/amendments/<int:amendment_id>/withdraw", methods=["POST"])
@permission_required("edit_agreements")
def amendment_withdraw(agreement_id: int, amendment_id: int):
    amendment = db.get_or_404(Amendment, amendment_id)
    if amendment.agreement_id != agreement_id:
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    form = AmendmentWithdrawForm()
    form.validate_on_submit()
    try:
        amendments.withdraw_amendment(amendment, current_user, clock.today(), form.version.data)
    except (ConflictError, ValidationError) as exc:
        db.session.rollback()
        flash(
            " ".join([exc.message, *exc.fields.values()]) if exc.fields else exc.message, "danger"
        )
    else:
        db.session.commit()
        flash(_("Tilläggsavtalet är återkallat."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id) + "#amendments")


def successor_defaults(predecessor: Agreement) -> dict[str, Any]:
    """The new agreement's form prefilled from the one it renews: the same kind, parties,
    terms and people, starting the day after the predecessor's last day."""
    ends = services.last_day(predecessor)
    fields = services.fields_on(predecessor, None) if predecessor.start_date else None
    terms = services.terms_of(predecessor) if predecessor.start_date else predecessor
    values = {
        "kind": predecessor.kind,
        "title": predecessor.title,
        "board_id": predecessor.board_id or 0,
        "administration_id": predecessor.administration_id or 0,
        "responsible_person_id": predecessor.responsible_person_id or 0,
        "invoicing": predecessor.invoicing,
        "invoicing_party_id": predecessor.invoicing_party_id or 0,
        "notice_period_months": terms.notice_period_months,
        "notice_period_days": terms.notice_period_days,
        "notice_must_be_written": terms.notice_must_be_written,
        "notice_ends_at_month_end": terms.notice_ends_at_month_end,
        "extension_months": terms.extension_months,
        "max_extensions": terms.max_extensions,
        "continues_open_ended": terms.continues_open_ended,
        "fte": fields["fte"] if fields else predecessor.fte,
        "stage": "draft",
        "predecessor_id": predecessor.id,
        "start_date": ends + timedelta(days=1) if ends else None,
    }
    parties = (
        fields["parties"] if fields else [(p.organisation_id, p.role) for p in predecessor.parties]
    )
    return {
        "values": values,
        "parties": parties,
        "watcher_ids": [p.id for p in predecessor.watchers],
    }
