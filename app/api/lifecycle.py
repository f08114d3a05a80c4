"""Terminations, obligations and deadlines over the API (see ../shared/API.md): the same
services as the pages (``app.agreements.lifecycle``, ``app.deadlines.services``)."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from app.agreements import lifecycle
from app.agreements.models import RECURRENCES, Agreement, Obligation, Termination
from app.api import bp
from app.api.helpers import Reader, as_of_arg, int_arg, iso, json_body, page_args, paged_list
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core import clock
from app.core.errors import MalformedInput, NotFoundError
from app.deadlines import services as deadlines
from app.deadlines.models import DEADLINE_KINDS
from app.extensions import db

TERMINATION_SCHEMA = {
    "type": "object",
    "required": ["organisation_id", "received_date", "written"],
    "properties": {
        "organisation_id": {"type": "integer", "description": "the party giving notice"},
        "addressed_to_id": {"type": "integer", "description": "the party receiving it"},
        "received_date": {"type": "string", "format": "date"},
        "written": {"type": "boolean"},
        "note": {"type": "string"},
    },
}
OBLIGATION_SCHEMA = {
    "type": "object",
    "required": ["title", "recurrence"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "recurrence": {"type": "string", "enum": list(RECURRENCES)},
        "due_month": {"type": "integer"},
        "due_day": {"type": "integer"},
        "due_date": {"type": "string", "format": "date", "description": "for once"},
        "days_before": {"type": "integer", "description": "due this many days before the date"},
        "relative_to_label": {"type": "string"},
        "responsible_organisation_id": {"type": "integer"},
    },
}
FULFILMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "due_date": {"type": "string", "format": "date", "description": "default: earliest open"},
        "met_on": {"type": "string", "format": "date", "description": "default: as_of"},
        "note": {"type": "string"},
    },
}


def _today() -> date:
    return clock.today()


def termination_json(t: Termination) -> dict:
    return {
        "id": t.id,
        "agreement_id": t.agreement_id,
        "organisation_id": t.organisation_id,
        "addressed_to_id": t.addressed_to_id,
        "received_date": iso(t.received_date),
        "written": t.written,
        "effective_end_date": iso(t.effective_end_date),
        "late": t.late,
        "warning": lifecycle.late_warning(t),
        "note": t.note,
        "attachment_id": t.attachment_id,
        "withdrawn": t.withdrawn_at is not None,
        "withdrawn_at": t.withdrawn_at.isoformat() if t.withdrawn_at else None,
        "withdrawal_reason": t.withdrawal_reason,
    }


def obligation_json(o: Obligation, as_of: date) -> dict:
    open_dates = lifecycle.open_occurrences(o, as_of) if o.active else []
    return {
        "id": o.id,
        "agreement_id": o.agreement_id,
        "title": o.title,
        "description": o.description,
        "recurrence": o.recurrence,
        "due_month": o.due_month,
        "due_day": o.due_day,
        "due_date": iso(o.due_date),
        "days_before": o.days_before,
        "relative_to_label": o.relative_to_label,
        "responsible_organisation_id": o.responsible_organisation_id,
        "active": o.active,
        "overdue": [iso(d) for d in open_dates if d < as_of],
        "next_due": next((iso(d) for d in open_dates if d >= as_of), None),
        "fulfilments": [
            {
                "id": f.id,
                "due_date": iso(f.due_date),
                "met_on": iso(f.met_on),
                "note": f.note,
                "attachment_id": f.attachment_id,
            }
            for f in o.fulfilments
        ],
    }


def _termination(agreement_id: int, termination_id: int) -> Termination:
    t = db.session.get(Termination, termination_id)
    if t is None or t.agreement_id != agreement_id:
        raise NotFoundError("Uppsägningen finns inte för det avtalet.")
    return t


@bp.route("/agreements/<int:agreement_id>/terminations", methods=["POST"])
@permission_required("edit_agreements")
@doc("Record notice of termination", body=TERMINATION_SCHEMA, tag="lifecycle")
def create_termination(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    reader = Reader(json_body())
    reader.integer("organisation_id", required=True)
    reader.integer("addressed_to_id")
    reader.date("received_date", required=True)
    reader.boolean("written", required=True)
    reader.string("note", max_length=5000)
    values = reader.finish()
    termination = lifecycle.give_notice(agreement, values, actor(), _today())
    db.session.commit()
    return jsonify(termination_json(termination)), 201


@bp.route("/agreements/<int:agreement_id>/terminations", methods=["GET"])
@doc("The agreement's notices, withdrawn ones included", tag="lifecycle")
def list_terminations(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    return paged_list([termination_json(t) for t in agreement.terminations])


def _withdraw(agreement_id: int, termination_id: int):
    termination = _termination(agreement_id, termination_id)
    data = request.get_json(silent=True) or {}
    reason = data.get("reason") if isinstance(data, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise MalformedInput("reason ska vara en textsträng.", {"reason": "Ska vara text."})
    lifecycle.withdraw_termination(termination, actor(), reason, _today())
    db.session.commit()
    return jsonify(termination_json(termination))


@bp.route("/agreements/<int:agreement_id>/terminations/<int:termination_id>", methods=["DELETE"])
@permission_required("edit_agreements")
@doc("Withdraw a notice (kept in the audit trail)", tag="lifecycle")
def delete_termination(agreement_id: int, termination_id: int):
    return _withdraw(agreement_id, termination_id)


@bp.route(
    "/agreements/<int:agreement_id>/terminations/<int:termination_id>/withdraw", methods=["POST"]
)
@permission_required("edit_agreements")
@doc("Withdraw a notice (kept in the audit trail)", body={"type": "object"}, tag="lifecycle")
def withdraw_termination(agreement_id: int, termination_id: int):
    return _withdraw(agreement_id, termination_id)


@bp.route("/agreements/<int:agreement_id>/obligations", methods=["GET"])
@doc("The agreement's obligations", query={"as_of": "YYYY-MM-DD"}, tag="lifecycle")
def list_obligations(agreement_id: int):
    as_of = as_of_arg()
    agreement = db.get_or_404(Agreement, agreement_id)
    return paged_list([obligation_json(o, as_of) for o in agreement.obligations])


@bp.route("/agreements/<int:agreement_id>/obligations", methods=["POST"])
@permission_required("edit_agreements")
@doc("Add an obligation", body=OBLIGATION_SCHEMA, tag="lifecycle")
def create_obligation(agreement_id: int):
    as_of = as_of_arg()
    agreement = db.get_or_404(Agreement, agreement_id)
    reader = Reader(json_body())
    reader.string("title", required=True)
    reader.string("description", max_length=5000)
    reader.string("recurrence", required=True, max_length=20)
    reader.integer("due_month")
    reader.integer("due_day")
    reader.date("due_date")
    reader.integer("days_before")
    reader.string("relative_to_label", max_length=200)
    reader.integer("responsible_organisation_id")
    obligation = lifecycle.create_obligation(agreement, reader.finish(), actor(), _today())
    db.session.commit()
    return jsonify(obligation_json(obligation, as_of)), 201


@bp.route(
    "/agreements/<int:agreement_id>/obligations/<int:obligation_id>/fulfilments", methods=["POST"]
)
@permission_required("edit_agreements")
@doc("Mark an obligation's occurrence as met", body=FULFILMENT_SCHEMA, tag="lifecycle")
def create_fulfilment(agreement_id: int, obligation_id: int):
    obligation = db.session.get(Obligation, obligation_id)
    if obligation is None or obligation.agreement_id != agreement_id:
        raise NotFoundError("Skyldigheten finns inte för det avtalet.")
    reader = Reader(json_body())
    reader.date("due_date")
    reader.date("met_on")
    reader.string("note", max_length=5000)
    fulfilment = lifecycle.record_fulfilment(obligation, reader.finish(), actor(), _today())
    db.session.commit()
    return jsonify(
        {
            "id": fulfilment.id,
            "obligation_id": obligation.id,
            "due_date": iso(fulfilment.due_date),
            "met_on": iso(fulfilment.met_on),
            "note": fulfilment.note,
        }
    ), 201


@bp.route("/deadlines", methods=["GET"])
@doc(
    "Deadlines from as_of to as_of + within_days (and overdue obligations), soonest first",
    query={
        "as_of": "YYYY-MM-DD",
        "within_days": f"0–{deadlines.HORIZON_DAYS} (default 365)",
        "kind": ", ".join(DEADLINE_KINDS),
        "agreement_id": "one agreement",
        "page": "1…",
        "per_page": "1–200",
    },
    tag="deadlines",
)
def list_deadlines():
    as_of = as_of_arg()
    within = int_arg("within_days")
    within = 365 if within is None else within
    if not 0 <= within <= deadlines.HORIZON_DAYS:
        # The deadlines reach two years ahead (what is stored, and what reminders need).
        message = f"Ska vara ett heltal 0–{deadlines.HORIZON_DAYS} (dagar framåt, högst två år)."
        raise MalformedInput(f"within_days: {message}", {"within_days": message})
    kinds = [k for raw in request.args.getlist("kind") for k in raw.split(",") if k]
    unknown = [k for k in kinds if k not in DEADLINE_KINDS]
    if unknown:
        raise MalformedInput(
            f"Okänt slag av frist: {', '.join(unknown)}.",
            {"kind": "Ett av: " + ", ".join(DEADLINE_KINDS)},
        )
    page, per_page = page_args()
    result = deadlines.list_deadlines(
        as_of,
        within_days=within,
        kinds=kinds,
        agreement_id=int_arg("agreement_id"),
        page=page,
        per_page=per_page,
    )
    return jsonify(
        {
            "items": [
                {
                    "key": d.key,
                    "agreement_id": d.agreement_id,
                    # A huvudman's deadline (the 1 March application) names its organisation.
                    "organisation_id": d.organisation_id,
                    "kind": d.kind,
                    "date": iso(d.date),
                    "business_day": iso(d.business_day),
                    "title": d.title,
                    "overdue": d.overdue,
                    "obligation_id": d.obligation_id,
                }
                for d in result.items
            ],
            "total": result.total,
            "page": page,
            "per_page": per_page,
            "as_of": as_of.isoformat(),
        }
    )
