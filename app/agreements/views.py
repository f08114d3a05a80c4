"""Agreement pages: list with search and filters, detail with audit trail, create, edit,
archive and attachments."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.agreements import attachments as attachment_store
from app.agreements import search, services
from app.agreements.forms import (
    INVOICING_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    AgreementForm,
    ArchiveForm,
    AttachmentForm,
)
from app.agreements.models import AGREEMENT_KINDS, Agreement, Attachment
from app.auth import permission_required
from app.auth.services import ACCOUNT_EVENT_LABELS
from app.core import clock
from app.core.dates import parse_iso_date
from app.core.errors import ConflictError, ValidationError
from app.core.forms import apply_errors
from app.core.query import int_param
from app.extensions import db
from app.parties.models import Organisation, Person
from app.parties.services import unit_choices

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.app_context_processor
def inject_labels():
    return {
        "agreement_kind_labels": KIND_LABELS,
        "party_role_labels": ROLE_LABELS,
        "stage_labels": STAGE_LABELS,
        "status_labels": STATUS_LABELS,
        "invoicing_labels": INVOICING_LABELS,
    }


#: What the change log's "Vad" column says for fields and actions that are not form fields.
AUDIT_LABELS = {
    "compensation": _l("Ersättning"),
    "cost_shares": _l("Kostnadsfördelning"),
    "obligations": _l("Skyldigheter"),
    "attachments": _l("Bilagor"),
    "termination": _l("Uppsägning"),
    "parties": _l("Parter"),
    "watchers": _l("Bevakare"),
    "decision": _l("Förslag till beslut"),
    "created": _l("Avtalet registrerat"),
    "imported": _l("Importerat från fil"),
    "archived": _l("Arkiverat"),
    "updated": _l("Ändrat"),
    "fte": _l("Årsarbetare"),
    "stage": _l("Skede"),
    "amendment": _l("Tilläggsavtal"),
    "statsbidrag": _l("Statsbidrag, Länsstyrelsens beslut"),
    "statistics": _l("Statistik"),
}
AUDIT_LABELS.update(ACCOUNT_EVENT_LABELS)  # sign-ins, refusals, roles from claims, passwords


@bp.app_template_global()
def audit_label(code: str | None) -> str:
    """The Swedish (or English) name of a logged field or action: the form's label where the
    field is on the agreement form, else from AUDIT_LABELS, else the code itself."""
    if not code:
        return ""
    if code in AUDIT_LABELS:
        return str(AUDIT_LABELS[code])
    kind, _sep, year = code.partition(":")  # a year's record: "statistics:2021"
    if year.isdigit() and kind in AUDIT_LABELS:
        return f"{AUDIT_LABELS[kind]} {year}"
    field = getattr(AgreementForm, code, None)
    if field is not None and getattr(field, "args", None):
        return str(field.args[0])
    return code


def as_of_from_request() -> date:
    """The as-of date of a page (``?as_of=``), today by default; a bad value is a 400."""
    raw = request.args.get("as_of")
    if not raw:
        return clock.today()
    try:
        return parse_iso_date(raw)
    except ValueError as exc:
        abort(400, str(exc))


@bp.route("/")
def index():
    filters = {
        "q": request.args.get("q", "").strip() or None,
        "kind": request.args.get("kind") if request.args.get("kind") in AGREEMENT_KINDS else None,
        "status": request.args.get("status")
        if request.args.get("status") in STATUS_LABELS
        else None,
        "organisation_id": int_param("organisation_id"),
        "responsible_person_id": int_param("responsible_person_id"),
        "board_id": int_param("board_id"),
    }
    as_of = as_of_from_request()
    sort = request.args.get("sort") if request.args.get("sort") in services.LIST_SORTS else None
    descending = request.args.get("dir") == "desc"
    per_page = int_param("per_page") or current_app.config["AGREEMENTS_PER_PAGE"]
    page = search.page_of(
        services.list_query(**filters, as_of=as_of, sort=sort, descending=descending),
        int_param("page") or 1,
        min(max(per_page, 1), 200),
        searched=bool(filters.get("q")),
    )
    dates = {a.id: services.dates_of(a, as_of) for a in page.items}
    statuses = {a.id: services.status_of(a, as_of) for a in page.items}
    organisations = db.session.execute(
        db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    people = db.session.execute(db.select(Person.id, Person.name).order_by(Person.name)).all()
    return render_template(
        "agreements/index.html",
        page=page,
        dates=dates,
        statuses=statuses,
        as_of=as_of,
        sort=sort or "title",
        descending=descending,
        filters=filters,
        organisations=organisations,
        people=people,
        boards=unit_choices("namnd"),
    )


def _fill_choices(form: AgreementForm) -> None:
    orgs = db.session.execute(
        db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    people = db.session.execute(db.select(Person.id, Person.name).order_by(Person.name)).all()
    none = [(0, "–")]
    form.board_id.choices = none + unit_choices("namnd")
    form.administration_id.choices = none + unit_choices("forvaltning")
    form.responsible_person_id.choices = none + [(p.id, p.name) for p in people]
    form.watcher_ids.choices = [(p.id, p.name) for p in people]
    form.invoicing_party_id.choices = none + [(o.id, o.name) for o in orgs]
    for entry in form.parties:
        entry.organisation_id.choices = none + [(o.id, o.name) for o in orgs]


def _form_data(form: AgreementForm) -> dict:
    data = {f: getattr(form, f).data for f in services.FIELDS if hasattr(form, f)}
    for f in ("board_id", "administration_id", "responsible_person_id", "invoicing_party_id"):
        data[f] = data[f] or None
    data["parties"] = [
        {"organisation_id": entry.organisation_id.data, "role": entry.role.data}
        for entry in form.parties
        if entry.organisation_id.data
    ]
    data["watcher_ids"] = list(form.watcher_ids.data or [])
    data["predecessor_id"] = form.predecessor_id.data or None
    return data


def _blank_party_rows(form: AgreementForm, minimum: int = 2) -> None:
    filled = sum(1 for e in form.parties if e.organisation_id.data)
    while len(form.parties) < max(4, filled + minimum):
        form.parties.append_entry()


def _render_form(form: AgreementForm, agreement: Agreement | None, status: int = 200):
    _fill_choices(form)
    return render_template("agreements/form.html", form=form, agreement=agreement), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("edit_agreements")
def new():
    form = AgreementForm()
    predecessor_id = int_param("predecessor_id")
    if request.method == "GET" and predecessor_id:
        _prefill_successor(form, db.get_or_404(Agreement, predecessor_id))
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            agreement = services.create_agreement(_form_data(form), current_user, clock.today())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Avtalet %(title)s är sparat.", title=agreement.title), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    _blank_party_rows(form)
    return _render_form(form, None, 422 if request.method == "POST" else 200)


def _prefill_successor(form: AgreementForm, predecessor: Agreement) -> None:
    """ "Skapa efterföljande avtal": the form filled from the agreement it renews."""
    from app.agreements.amendment_views import successor_defaults

    defaults = successor_defaults(predecessor)
    for name, value in defaults["values"].items():
        getattr(form, name).data = value
    form.watcher_ids.data = defaults["watcher_ids"]
    while len(form.parties):
        form.parties.pop_entry()
    for org_id, role in defaults["parties"]:
        form.parties.append_entry({"organisation_id": org_id, "role": role})


@bp.route("/<int:agreement_id>")
def detail(agreement_id: int):
    return _render_detail(db.get_or_404(Agreement, agreement_id))


def _render_detail(agreement: Agreement, attachment_form: AttachmentForm | None = None, status=200):
    from app.agreements.amendment_views import detail_context

    as_of = as_of_from_request()
    return render_template(
        "agreements/detail.html",
        **detail_context(agreement, as_of),
        agreement=agreement,
        as_of=as_of,
        status=services.status_of(agreement, as_of),
        dates=services.dates_of(agreement, as_of),
        notice=services.termination_on(agreement, as_of),
        archive_form=ArchiveForm(version=agreement.version),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
    ), status


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@permission_required("edit_agreements")
def edit(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    if request.method == "GET":
        form = AgreementForm(obj=agreement)
        form.version.data = agreement.version
        for f in ("board_id", "administration_id", "responsible_person_id", "invoicing_party_id"):
            getattr(form, f).data = getattr(agreement, f) or 0
        form.watcher_ids.data = [p.id for p in agreement.watchers]
        while len(form.parties):
            form.parties.pop_entry()
        for party in agreement.parties:
            form.parties.append_entry(
                {"organisation_id": party.organisation_id, "role": party.role}
            )
        _blank_party_rows(form)
        return _render_form(form, agreement)
    form = AgreementForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            services.update_agreement(
                agreement, _form_data(form), current_user, form.version.data, clock.today()
            )
        except ConflictError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            _blank_party_rows(form)
            return _render_form(form, db.session.get(Agreement, agreement_id), 409)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    _blank_party_rows(form)
    return _render_form(form, db.session.get(Agreement, agreement_id), 422)


@bp.route("/<int:agreement_id>/archive", methods=["POST"])
@permission_required("edit_agreements")
def archive(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = ArchiveForm()
    form.validate_on_submit()
    services.archive_agreement(agreement, current_user, form.version.data, clock.today())
    db.session.commit()
    flash(_("Avtalet är arkiverat."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/attachments", methods=["POST"])
@permission_required("edit_agreements")
def upload(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        attachment = attachment_store.save_attachment(
            agreement, form.file.data, current_user, form.description.data
        )
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)  # the page again, with the reason beside the file field
        return _render_detail(db.get_or_404(Agreement, agreement_id), form, 422)
    services.record_audit(
        agreement, current_user, "attachment_added", "attachments", None, attachment.filename
    )
    db.session.commit()
    flash(_("Filen %(name)s är uppladdad.", name=attachment.filename), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id) + "#attachments")


@bp.route("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    attachment = db.get_or_404(Attachment, attachment_id)
    path = attachment_store.path_of(attachment)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


# Pages registered on this blueprint: the global change log; tilläggsavtal and successors;
# terminations and obligations.
from app.agreements import amendment_views, changelog_views, lifecycle_views  # noqa: E402,F401
