"""Pages of the documents package: the draft form with its HTML preview (rendering keeps
nothing), downloading a draft, keeping one ("Spara utkast"), kept drafts, and the template page
(variables, shipped and uploaded templates)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.agreements.models import Agreement
from app.agreements.views import as_of_from_request
from app.auth import actor, permission_required
from app.core.errors import DomainError, ValidationError
from app.core.forms import apply_errors
from app.documents import services
from app.documents.context import (
    DECISION_LABELS,
    DECISIONS,
    RECIPIENT_CHOICES,
    TEXT_FIELDS,
    VARIABLES,
    Choices,
    default_choice,
    default_recipient,
    default_texts,
    missing_facts,
    own_organisation,
    recipient_parties,
)
from app.documents.forms import DraftForm, ResetTemplateForm, TemplateUploadForm
from app.documents.models import CustomTemplate, GeneratedDraft
from app.extensions import db

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.app_context_processor
def inject_drafts():
    # The agreement page's partial lists the drafts through this (one query, when it renders).
    return {
        "documents_drafts_for": services.drafts_for,
        "documents_draftable": services.draftable,
        "decision_labels": DECISION_LABELS,
    }


def _agreement(agreement_id: int) -> Agreement:
    return db.get_or_404(Agreement, agreement_id)


def _recipients(agreement: Agreement, decision: str, chosen: dict[int, str]) -> list[dict]:
    own = own_organisation(agreement)
    rows = []
    for org_id, name, role in recipient_parties(agreement, own.id if own else None):
        rows.append(
            {
                "id": org_id,
                "name": name,
                "value": chosen.get(org_id) or default_recipient(decision, role),
            }
        )
    return rows


def _render_form(
    agreement: Agreement,
    form: DraftForm,
    context,
    error: str | None,
    status=200,
    recipients: dict[int, str] | None = None,
):
    as_of = form.as_of.data
    if as_of is None or form.as_of.errors:  # refused (a year 9999): the form shows why
        as_of = as_of_from_request()
    decision = form.decision.data if form.decision.data in DECISIONS else "forlangning"
    return (
        render_template(
            "documents/draft_form.html",
            agreement=agreement,
            form=form,
            context=context,
            error=error,
            text_fields=TEXT_FIELDS,
            available=services.draftable(agreement, as_of),
            missing=missing_facts(agreement, decision),
            recipients=_recipients(agreement, decision, recipients or {}),
            recipient_choices=RECIPIENT_CHOICES,
        ),
        status,
    )


def _signatories(form: DraftForm, agreement: Agreement) -> None:
    form.second_signatory_id.choices = [(None, _("Ingen"))] + [
        (p.id, f"{p.name}, {p.title}" if p.title else p.name)
        for p in services.signatory_choices(agreement)
    ]


@bp.route("/agreements/<int:agreement_id>/drafts/new")
def new_draft(agreement_id: int):
    agreement = _agreement(agreement_id)
    as_of = as_of_from_request()
    available = services.draftable(agreement, as_of)
    decision = request.args.get("decision")
    if decision is None:
        decision = next((d for d, why in available.items() if why is None), "forlangning")
    if decision not in DECISIONS:
        abort(404)
    form = DraftForm(
        formdata=None,
        decision=decision,
        as_of=as_of,
        samrad=default_choice(decision, agreement, "samrad"),
        mbl=default_choice(decision, agreement, "mbl"),
        barn=default_choice(decision, agreement, "barn"),
    )
    _signatories(form, agreement)
    try:
        context = services.preview_context(agreement, decision, as_of)
    except DomainError as exc:
        return _render_form(agreement, form, None, exc.message, 422)
    for name, value in default_texts(context).items():
        getattr(form, name).data = value
    return _render_form(agreement, form, context, None)


def _choices(form: DraftForm, agreement: Agreement) -> Choices:
    texts = {name: getattr(form, name).data or "" for name in TEXT_FIELDS}
    recipients: dict[int, str] = {}
    for key, value in request.form.items():
        if key.startswith("recipient_") and key[10:].isdigit():
            recipients[int(key[10:])] = value
    return Choices(
        decision_date=form.decision_date.data,
        samrad=form.samrad.data or None,
        mbl=form.mbl.data or None,
        barn=form.barn.data or None,
        recipients=recipients,
        extra_recipients=form.extra_recipients.data,
        second_signatory_id=form.second_signatory_id.data,
        include_description=bool(form.include_description.data),
        texts={k: (v if v.strip() else None) for k, v in texts.items()},
    )


@bp.route("/agreements/<int:agreement_id>/drafts", methods=["POST"])
@permission_required("self")
def create_draft(agreement_id: int):
    """Preview, download (both keep nothing; readers may) or keep ("Spara utkast", editors)."""
    agreement = _agreement(agreement_id)
    form = DraftForm()
    _signatories(form, agreement)
    if not form.validate():
        return _render_form(agreement, form, None, _("Rätta uppgifterna som är markerade."), 422)
    choices = _choices(form, agreement)
    decision, as_of = form.decision.data, form.as_of.data
    try:
        if form.save.data:
            if not actor().can("edit_agreements"):
                abort(403)
            _data, draft = services.keep_draft(agreement, decision, as_of, choices, current_user)
            db.session.commit()
            flash(_("Utkastet är sparat."), "success")
            return redirect(url_for("documents.show", draft_id=draft.id))
        if form.download.data:
            data = services.render_draft(agreement, decision, as_of, choices)
            return send_file(
                io.BytesIO(data),
                mimetype=services.DOCX_MIMETYPE,
                as_attachment=True,
                download_name=services.draft_filename(agreement, decision, as_of),
            )
        context = services.preview_context(agreement, decision, as_of, choices)
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _render_form(agreement, form, None, exc.message, 422, choices.recipients)
    return _render_form(agreement, form, context, None, 200, choices.recipients)


@bp.route("/drafts/<int:draft_id>.docx")
def download(draft_id: int):
    draft = db.get_or_404(GeneratedDraft, draft_id)
    data = services.draft_bytes(draft)
    return send_file(
        io.BytesIO(data),
        mimetype=services.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=draft.filename,
    )


@bp.route("/drafts/<int:draft_id>")
def show(draft_id: int):
    draft = db.get_or_404(GeneratedDraft, draft_id)
    return render_template("documents/draft.html", draft=draft, context=draft.snapshot)


@bp.route("/templates")
def templates():
    return _templates_page()


def _templates_page(error: str | None = None, status: int = 200):
    customs = (
        db.session.execute(
            db.select(CustomTemplate)
            .options(db.joinedload(CustomTemplate.uploaded_by))
            .order_by(CustomTemplate.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "documents/templates.html",
        variables=VARIABLES,
        decisions=DECISIONS,
        customs=customs,
        active={d: services.active_template(d) for d in DECISIONS},
        upload_form=TemplateUploadForm(formdata=None),
        reset_form=ResetTemplateForm(formdata=None),
        error=error,
    ), status


@bp.route("/templates/<decision>.docx")
def template_file(decision: str):
    if decision not in DECISIONS:
        abort(404)
    template = services.active_template(decision)
    return send_file(
        io.BytesIO(template.data),
        mimetype=services.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=f"{decision}.docx",
    )


@bp.route("/templates/<decision>", methods=["POST"])
@permission_required("admin")
def upload_template(decision: str):
    if decision not in DECISIONS:
        abort(404)
    form = TemplateUploadForm()
    try:
        services.save_custom_template(decision, form.file.data, current_user)
    except ValidationError as exc:
        db.session.rollback()
        return _templates_page(exc.message, 422)
    db.session.commit()
    flash(_("Mallen är uppladdad och används från och med nu."), "success")
    return redirect(url_for("documents.templates"))


@bp.route("/templates/<decision>/reset", methods=["POST"])
@permission_required("admin")
def reset_template(decision: str):
    if decision not in DECISIONS:
        abort(404)
    services.deactivate_custom_templates(decision)
    db.session.commit()
    flash(_("Standardmallen används igen."), "success")
    return redirect(url_for("documents.templates"))
