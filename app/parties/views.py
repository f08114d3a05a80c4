"""Pages for organisations (with their nämnder and förvaltningar) and people."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import permission_required
from app.core.errors import ValidationError
from app.core.forms import apply_errors
from app.extensions import db
from app.parties import services
from app.parties.forms import KIND_LABELS, OrganisationForm, PersonForm, UnitForm
from app.parties.models import Organisation, Person

bp = Blueprint("parties", __name__)


@bp.app_context_processor
def inject_kind_labels():
    return {"organisation_kind_labels": KIND_LABELS}


@bp.route("/organisations")
def organisations():
    q = request.args.get("q", "").strip()
    stmt = db.select(Organisation).order_by(Organisation.name)
    if q:
        stmt = stmt.where(Organisation.name.ilike(f"%{q}%"))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("parties/organisations.html", page=page, q=q)


@bp.route("/organisations/new", methods=["GET", "POST"])
@permission_required("edit_parties")
def new_organisation():
    form = OrganisationForm()
    return _save(
        form,
        lambda: services.create_organisation(_form_data(form)),
        lambda r: _("Organisationen %(name)s är sparad.", name=r.name),
        lambda r: url_for("parties.organisation", org_id=r.id),
        "parties/organisation_form.html",
        org=None,
    )


@bp.route("/organisations/<int:org_id>")
def organisation(org_id: int):
    return _organisation_page(db.get_or_404(Organisation, org_id))


def _organisation_page(org: Organisation, unit_form: UnitForm | None = None):
    from app.agreements import search
    from app.agreements.services import list_query
    from app.core.query import int_param

    # A page of its agreements (a large municipality is party to thousands), archived too.
    agreements = search.page_of(
        list_query(organisation_id=org.id, include_archived=True), int_param("page") or 1, 50
    )
    people = (
        db.session.execute(
            db.select(Person).filter_by(organisation_id=org.id).order_by(Person.name)
        )
        .scalars()
        .all()
    )
    return render_template(
        "parties/organisation.html",
        org=org,
        agreements=agreements,
        people=people,
        unit_form=unit_form or UnitForm(formdata=None),
    )


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@permission_required("edit_parties")
def edit_organisation(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = OrganisationForm(obj=org)
    return _save(
        form,
        lambda: services.update_organisation(org, _form_data(form)),
        lambda r: _("Organisationen %(name)s är sparad.", name=r.name),
        lambda r: url_for("parties.organisation", org_id=r.id),
        "parties/organisation_form.html",
        org=org,
    )


@bp.route("/organisations/<int:org_id>/units", methods=["POST"])
@permission_required("edit_parties")
def add_unit(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            services.create_unit(org, form.name.data, form.kind.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s är tillagd.", name=form.name.data), "success")
            return redirect(url_for("parties.organisation", org_id=org.id))
    # Beside the field, on the organisation's page as it was (nothing saved).
    return _organisation_page(org, form), 422


@bp.route("/people")
def people():
    q = request.args.get("q", "").strip()
    stmt = db.select(Person).options(db.joinedload(Person.organisation)).order_by(Person.name)
    if q:
        stmt = stmt.where(Person.name.ilike(f"%{q}%") | Person.email.ilike(f"%{q}%"))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("parties/people.html", page=page, q=q)


def _person_form(person: Person | None = None) -> PersonForm:
    form = PersonForm(obj=person)
    orgs = db.session.execute(
        db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    form.organisation_id.choices = [(0, "–")] + [(o.id, o.name) for o in orgs]
    if person is not None and request.method == "GET":
        form.organisation_id.data = person.organisation_id or 0
    return form


def _person_data(form: PersonForm) -> dict:
    data = {k: getattr(form, k).data for k in ("name", "title", "email", "phone")}
    data["organisation_id"] = form.organisation_id.data or None
    return data


@bp.route("/people/new", methods=["GET", "POST"])
@permission_required("edit_parties")
def new_person():
    form = _person_form()
    return _save(
        form,
        lambda: services.create_person(_person_data(form)),
        lambda r: _("%(name)s är sparad.", name=r.name),
        lambda r: url_for("parties.people"),
        "parties/person_form.html",
        person=None,
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@permission_required("edit_parties")
def edit_person(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = _person_form(person)
    return _save(
        form,
        lambda: services.update_person(person, _person_data(form)),
        lambda r: _("%(name)s är sparad.", name=r.name),
        lambda r: url_for("parties.people"),
        "parties/person_form.html",
        person=person,
    )


def _save(form, save, message, target, template: str, **context):
    """The create/edit flow of every form here: validate, call the service, commit, flash and
    redirect; or show the form again with the service's messages (422)."""
    if form.validate_on_submit():
        try:
            record = save()
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(message(record), "success")
            return redirect(target(record))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _form_data(form: OrganisationForm) -> dict:
    return {k: getattr(form, k).data for k in services.ORG_FIELDS}
