"""Agreements over the API: create, read (with the computed ``dates`` block), list, PATCH."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from app.agreements import search, services
from app.agreements.models import AGREEMENT_KINDS, PARTY_ROLES, Agreement
from app.agreements.rules import STATUSES
from app.api import bp
from app.api.helpers import (
    Reader,
    as_of_arg,
    choice_arg,
    int_arg,
    iso,
    json_body,
    page_args,
    short_decimal,
)
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core import clock
from app.core.errors import MalformedInput
from app.extensions import db
from app.parties.models import Organisation

AGREEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(AGREEMENT_KINDS)},
        "title": {"type": "string"},
        "diarienummer": {"type": "string"},
        "description": {"type": "string"},
        "stage": {"type": "string", "enum": ["procurement", "draft", "decided"]},
        "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date", "nullable": True},
        "notice_period_months": {"type": "integer"},
        "notice_period_days": {"type": "integer"},
        "notice_must_be_written": {"type": "boolean"},
        "notice_ends_at_month_end": {"type": "boolean"},
        "extension_months": {"type": "integer", "nullable": True},
        "max_extensions": {"type": "integer", "nullable": True},
        "continues_open_ended": {"type": "boolean"},
        "parties": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "organisation_id": {"type": "integer"},
                    "role": {"type": "string", "enum": list(PARTY_ROLES)},
                },
            },
        },
        "fte": {"type": "string"},
        "responsible_person_id": {"type": "integer"},
        "watcher_ids": {"type": "array", "items": {"type": "integer"}},
        "board_id": {"type": "integer"},
        "predecessor_id": {"type": "integer", "nullable": True},
        "version": {"type": "integer", "description": "required by PATCH"},
    },
}


def dates_json(agreement: Agreement, as_of: date) -> dict:
    dates = services.dates_of(agreement, as_of)
    keys = (
        "current_period_start",
        "current_period_end",
        "last_notice_date",
        "last_notice_business_day",
        "next_end_if_notice_today",
    )
    return {k: iso(getattr(dates, k)) if dates else None for k in keys}


def _parties_json(agreement: Agreement, parties: list[tuple[int, str]]) -> list[dict]:
    names = {p.organisation_id: p.organisation.name for p in agreement.parties}
    result = []
    for org_id, role in parties:
        if org_id not in names:
            organisation = db.session.get(Organisation, org_id)
            names[org_id] = organisation.name if organisation else None
        result.append({"organisation_id": org_id, "name": names[org_id], "role": role})
    return result


def agreement_json(agreement: Agreement, as_of: date) -> dict:
    """The agreement with the terms in force on ``as_of`` (DOMAIN.md, Amendments)."""
    termination = services.termination_on(agreement, as_of)
    amended = bool(agreement.amendments) and agreement.start_date is not None
    terms = services.terms_of(agreement, as_of) if amended else agreement
    fields = (
        services.fields_on(agreement, as_of)
        if amended
        else {
            "fte": agreement.fte,
            "parties": [(p.organisation_id, p.role) for p in agreement.parties],
        }
    )
    return {
        "id": agreement.id,
        "version": agreement.version,
        "kind": agreement.kind,
        "title": agreement.title,
        "description": agreement.description,
        "diarienummer": agreement.diarienummer,
        "stage": agreement.stage,
        "status": services.status_of(agreement, as_of),
        "as_of": as_of.isoformat(),
        "board_id": agreement.board_id,
        "administration_id": agreement.administration_id,
        "start_date": iso(agreement.start_date),
        "end_date": iso(terms.end_date),
        "notice_period_months": terms.notice_period_months,
        "notice_period_days": terms.notice_period_days,
        "notice_must_be_written": terms.notice_must_be_written,
        "notice_ends_at_month_end": terms.notice_ends_at_month_end,
        "extension_months": terms.extension_months,
        "max_extensions": terms.max_extensions,
        "continues_open_ended": terms.continues_open_ended,
        "decided_on": iso(agreement.decided_on),
        "fte": short_decimal(fields["fte"]),
        "invoicing": agreement.invoicing,
        "invoicing_party_id": agreement.invoicing_party_id,
        "reminder_lead_days": agreement.reminder_lead_days,
        "parties": _parties_json(agreement, fields["parties"]),
        "responsible_person_id": agreement.responsible_person_id,
        "watcher_ids": [p.id for p in agreement.watchers],
        "termination": (
            {
                "id": termination.id,
                "received_date": iso(termination.received_date),
                "effective_end_date": iso(termination.effective_end_date),
                "late": termination.late,
            }
            if termination
            else None
        ),
        "dates": dates_json(agreement, as_of),
        "amendments": [
            {"id": a.id, "effective_date": iso(a.effective_date)}
            for a in agreement.amendments
            if a.withdrawn_at is None and a.effective_date <= as_of
        ],
        "predecessor_id": agreement.predecessor_id,
        "successor_ids": [s.id for s in agreement.successors],
    }


def _read_agreement(data: dict, creating: bool) -> dict:
    reader = Reader(data)
    reader.string("kind", required=creating, max_length=30)
    reader.string("title", required=creating, max_length=300)
    reader.string("diarienummer", max_length=100)
    reader.string("description", max_length=20000)
    reader.string("stage", max_length=20)
    reader.string("invoicing", max_length=20)
    reader.string("reminder_lead_days", max_length=100)
    reader.date("start_date", required=creating and data.get("stage") != "procurement")
    reader.date("end_date")
    reader.date("decided_on")
    for name in (
        "notice_period_months",
        "notice_period_days",
        "extension_months",
        "max_extensions",
        "responsible_person_id",
        "board_id",
        "administration_id",
        "invoicing_party_id",
        "predecessor_id",
    ):
        reader.integer(name)
    for name in ("notice_must_be_written", "notice_ends_at_month_end", "continues_open_ended"):
        reader.boolean(name)
    reader.decimal("fte")
    reader.int_list("watcher_ids")
    values = reader.finish()
    if "parties" in data:
        parties = data["parties"]
        if not isinstance(parties, list) or not all(isinstance(p, dict) for p in parties):
            raise MalformedInput(
                "parties ska vara en lista av {organisation_id, role}.",
                {"parties": "Ska vara en lista av objekt."},
            )
        values["parties"] = [
            {"organisation_id": p.get("organisation_id"), "role": p.get("role")} for p in parties
        ]
    return values


@bp.route("/agreements", methods=["POST"])
@permission_required("edit_agreements")
@doc("Create an agreement", body=AGREEMENT_SCHEMA, tag="agreements")
def create_agreement():
    as_of = as_of_arg()
    agreement = services.create_agreement(
        _read_agreement(json_body(), creating=True), actor(), clock.today()
    )
    db.session.commit()
    return jsonify(agreement_json(agreement, as_of)), 201


def list_query_from_args(as_of):
    """The agreement list's SELECT for the request's filters (the list and its export)."""
    return services.list_query(
        q=request.args.get("q") or None,
        kind=choice_arg("kind", AGREEMENT_KINDS),
        status=choice_arg("status", STATUSES),
        as_of=as_of,
        organisation_id=int_arg("organisation_id"),
        responsible_person_id=int_arg("responsible_person_id"),
        board_id=int_arg("board_id"),
        include_archived=request.args.get("include_archived") == "true",
    )


@bp.route("/agreements", methods=["GET"])
@doc(
    "List agreements",
    query={
        "kind": "agreement kind",
        "status": "computed status",
        "organisation_id": "a party",
        "q": "title, diarienummer or party name",
        "as_of": "YYYY-MM-DD",
        "page": "1…",
        "per_page": "1–200",
    },
    tag="agreements",
)
def list_agreements():
    as_of = as_of_arg()
    # agreement_json reads these too: load them per page, not per agreement.
    loads = (db.selectinload(Agreement.watchers), db.selectinload(Agreement.successors))
    page, per_page = page_args()
    result = search.page_of(
        list_query_from_args(as_of),
        page,
        per_page,
        loads=loads,
        searched=bool((request.args.get("q") or "").strip()),
    )
    return jsonify(
        {
            "items": [agreement_json(a, as_of) for a in result.items],
            "total": result.total,
            "page": page,
            "per_page": per_page,
        }
    )


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@doc("One agreement with its dates as of ?as_of", query={"as_of": "YYYY-MM-DD"}, tag="agreements")
def get_agreement(agreement_id: int):
    as_of = as_of_arg()
    return jsonify(agreement_json(db.get_or_404(Agreement, agreement_id), as_of))


@bp.route("/agreements/<int:agreement_id>", methods=["PATCH"])
@permission_required("edit_agreements")
@doc(
    "Change an agreement (send the version you read; a stale one gives 409)",
    body=AGREEMENT_SCHEMA,
    tag="agreements",
)
def patch_agreement(agreement_id: int):
    as_of = as_of_arg()
    agreement = db.get_or_404(Agreement, agreement_id)
    data = json_body()
    if "version" not in data:
        raise MalformedInput(
            "Ange avtalets version (fältet version) för att ändra.", {"version": "Fältet krävs."}
        )
    values = _read_agreement(data, creating=False)
    services.update_agreement(agreement, values, actor(), data["version"], clock.today())
    db.session.commit()
    return jsonify(agreement_json(agreement, as_of))
