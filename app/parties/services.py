"""Creating and changing organisations, their units and people (pages and API alike)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.core.errors import ValidationError
from app.extensions import db
from app.parties.models import (
    ORGANISATION_KINDS,
    UNIT_KINDS,
    Organisation,
    OrganisationUnit,
    Person,
)

ORG_FIELDS = (
    "name",
    "kind",
    "organisation_number",
    "contact_name",
    "contact_email",
    "phone",
    "address",
    "notes",
    "population",
)
PERSON_FIELDS = ("name", "email", "title", "phone", "organisation_id", "unit_id")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def check_email(value: str | None, field: str, errors: dict[str, str]) -> str | None:
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        errors[field] = _("%(value)s är ingen giltig e-postadress.", value=value)
        return value


#: More than any municipality or region has; a larger number is a typing mistake.
MAX_POPULATION = 100_000_000


def _apply_organisation(org: Organisation, data: dict[str, Any]) -> None:
    values = {k: _clean(data.get(k, getattr(org, k, None))) for k in ORG_FIELDS}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Ange organisationens namn.")
    else:
        clash = db.session.execute(
            db.select(Organisation.id).where(
                db.func.lower(Organisation.name) == values["name"].lower(),
                Organisation.id != (org.id or -1),
            )
        ).first()
        if clash:
            errors["name"] = _(
                "Det finns redan en organisation som heter %(name)s.", name=values["name"]
            )
    if values["kind"] not in ORGANISATION_KINDS:
        errors["kind"] = _("Välj typ: %(kinds)s.", kinds=", ".join(ORGANISATION_KINDS))
    values["contact_email"] = check_email(values["contact_email"], "contact_email", errors)
    if values["population"] is not None and (
        not isinstance(values["population"], int) or not 0 <= values["population"] <= MAX_POPULATION
    ):
        errors["population"] = _(
            "Invånarantalet måste vara ett heltal från 0 till %(max)s.", max=MAX_POPULATION
        )
    if errors:
        raise ValidationError(_("Organisationen kunde inte sparas."), errors)
    for key, value in values.items():
        setattr(org, key, value)


def create_organisation(data: dict[str, Any]) -> Organisation:
    org = Organisation()
    _apply_organisation(org, data)
    db.session.add(org)
    db.session.flush()
    return org


def update_organisation(org: Organisation, data: dict[str, Any]) -> Organisation:
    _apply_organisation(org, data)
    db.session.flush()
    return org


def create_unit(
    organisation: Organisation, name: str, kind: str, parent: OrganisationUnit | None = None
) -> OrganisationUnit:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Ange enhetens namn.")
    if kind not in UNIT_KINDS:
        errors["kind"] = _("Välj nämnd eller förvaltning.")
    if errors:
        raise ValidationError(_("Enheten kunde inte sparas."), errors)
    unit = OrganisationUnit(organisation=organisation, name=name.strip(), kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit


def _apply_person(person: Person, data: dict[str, Any]) -> None:
    values = {k: _clean(data.get(k, getattr(person, k, None))) for k in PERSON_FIELDS}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Ange personens namn.")
    values["email"] = check_email(values["email"], "email", errors)
    if (
        values["organisation_id"] is not None
        and db.session.get(Organisation, values["organisation_id"]) is None
    ):
        errors["organisation_id"] = _(
            "Organisationen %(id)s finns inte.", id=values["organisation_id"]
        )
    if (
        values["unit_id"] is not None
        and db.session.get(OrganisationUnit, values["unit_id"]) is None
    ):
        errors["unit_id"] = _("Enheten %(id)s finns inte.", id=values["unit_id"])
    if errors:
        raise ValidationError(_("Personen kunde inte sparas."), errors)
    for key, value in values.items():
        setattr(person, key, value)


def create_person(data: dict[str, Any]) -> Person:
    person = Person()
    _apply_person(person, data)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(person: Person, data: dict[str, Any]) -> Person:
    _apply_person(person, data)
    db.session.flush()
    return person


def unit_choices(kind: str) -> list[tuple[int, str]]:
    """(id, "name (organisation)") of every nämnd or förvaltning, for select fields."""
    rows = db.session.execute(
        db.select(OrganisationUnit)
        .filter_by(kind=kind)
        .options(db.joinedload(OrganisationUnit.organisation))
        .order_by(OrganisationUnit.name)
    ).scalars()
    return [(u.id, f"{u.name} ({u.organisation.name})") for u in rows]
