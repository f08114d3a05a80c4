"""Organisations and people over the API."""

from __future__ import annotations

from flask import jsonify, request

from app.api import bp
from app.api.helpers import Reader, json_body, paginated
from app.api.openapi import doc
from app.auth import permission_required
from app.extensions import db
from app.parties import services
from app.parties.models import Organisation, Person


def organisation_json(org: Organisation) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind,
        "organisation_number": org.organisation_number,
        "contact_name": org.contact_name,
        "contact_email": org.contact_email,
        "population": org.population,
    }


def person_json(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "organisation_id": person.organisation_id,
    }


@bp.route("/organisations", methods=["POST"])
@permission_required("edit_parties")
@doc(
    "Create an organisation",
    body={
        "type": "object",
        "required": ["name", "kind"],
        "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
    },
    tag="parties",
)
def create_organisation():
    reader = Reader(json_body())
    reader.string("name", required=True, max_length=200)
    reader.string("kind", required=True, max_length=30)
    for name in (
        "organisation_number",
        "contact_name",
        "contact_email",
        "phone",
        "address",
        "notes",
    ):
        reader.string(name, max_length=2000)
    reader.integer("population")
    org = services.create_organisation(reader.finish())
    db.session.commit()
    return jsonify(organisation_json(org)), 201


@bp.route("/organisations", methods=["GET"])
@doc("List organisations", query={"q": "name contains"}, tag="parties")
def list_organisations():
    stmt = db.select(Organisation).order_by(Organisation.name)
    if request.args.get("q"):
        stmt = stmt.where(Organisation.name.ilike(f"%{request.args['q']}%"))
    return jsonify(paginated(stmt, organisation_json))


@bp.route("/organisations/<int:org_id>", methods=["GET"])
@doc("One organisation", tag="parties")
def get_organisation(org_id: int):
    return jsonify(organisation_json(db.get_or_404(Organisation, org_id)))


@bp.route("/people", methods=["POST"])
@permission_required("edit_parties")
@doc(
    "Create a person",
    body={
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "email": {"type": "string"},
            "title": {"type": "string"},
            "organisation_id": {"type": "integer"},
        },
    },
    tag="parties",
)
def create_person():
    reader = Reader(json_body())
    reader.string("name", required=True, max_length=200)
    reader.string("email", max_length=254)
    reader.string("title", max_length=200)
    reader.string("phone", max_length=50)
    reader.integer("organisation_id")
    person = services.create_person(reader.finish())
    db.session.commit()
    return jsonify(person_json(person)), 201


@bp.route("/people", methods=["GET"])
@doc("List people", tag="parties")
def list_people():
    return jsonify(paginated(db.select(Person).order_by(Person.name), person_json))


@bp.route("/people/<int:person_id>", methods=["GET"])
@doc("One person", tag="parties")
def get_person(person_id: int):
    return jsonify(person_json(db.get_or_404(Person, person_id)))
