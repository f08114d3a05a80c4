"""Amendments (tilläggsavtal) over the API (API.md, "Added in version 1.1")."""

from __future__ import annotations

from flask import abort, jsonify

from app.agreements import amendments as service
from app.agreements.models import Agreement, Amendment
from app.api import bp
from app.api.helpers import iso, json_body, paged_list
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core import clock
from app.extensions import db

AMENDMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "effective_date": {"type": "string", "format": "date"},
        "signed_date": {"type": "string", "format": "date"},
        "diarienummer": {"type": "string"},
        "description": {"type": "string"},
        "attachment_id": {"type": "integer", "description": "one of the agreement's attachments"},
        "version": {"type": "integer", "description": "the agreement's; a stale one gives 409"},
        "changes": {
            "type": "object",
            "description": "only the keys present change; end_date null = tills vidare",
            "properties": {
                "end_date": {"type": "string", "format": "date", "nullable": True},
                "notice_period_months": {"type": "integer", "nullable": True},
                "notice_period_days": {"type": "integer", "nullable": True},
                "notice_must_be_written": {"type": "boolean"},
                "notice_ends_at_month_end": {"type": "boolean"},
                "extension_months": {"type": "integer", "nullable": True},
                "max_extensions": {"type": "integer", "nullable": True},
                "continues_open_ended": {"type": "boolean"},
                "fte": {"type": "string", "nullable": True},
                "parties": {"type": "array", "items": {"type": "object"}},
                "compensation": {
                    "type": "object",
                    "properties": {
                        "from_year": {"type": "integer"},
                        "items": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    },
    "required": ["effective_date", "changes"],
}


def amendment_json(amendment: Amendment) -> dict:
    return {
        "id": amendment.id,
        "agreement_id": amendment.agreement_id,
        "effective_date": iso(amendment.effective_date),
        "signed_date": iso(amendment.signed_date),
        "diarienummer": amendment.diarienummer,
        "description": amendment.description,
        "changes": amendment.changes,
        "attachment_id": amendment.attachment_id,
        "created_at": amendment.created_at.isoformat() if amendment.created_at else None,
        "withdrawn_at": amendment.withdrawn_at.isoformat() if amendment.withdrawn_at else None,
    }


@bp.route("/agreements/<int:agreement_id>/amendments", methods=["POST"])
@permission_required("edit_agreements")
@doc("Record a tilläggsavtal (amendment)", body=AMENDMENT_SCHEMA, tag="amendments")
def create_amendment(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    amendment = service.add_amendment(agreement, json_body(), actor(), clock.today())
    db.session.commit()
    return jsonify(amendment_json(amendment)), 201


@bp.route("/agreements/<int:agreement_id>/amendments", methods=["GET"])
@doc("The agreement's amendments, oldest first", tag="amendments")
def list_amendments(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    return paged_list([amendment_json(a) for a in agreement.amendments])


@bp.route("/agreements/<int:agreement_id>/amendments/<int:amendment_id>", methods=["DELETE"])
@permission_required("edit_agreements")
@doc("Withdraw an amendment (it counts on no day; the record stays)", tag="amendments")
def withdraw_amendment(agreement_id: int, amendment_id: int):
    amendment = db.get_or_404(Amendment, amendment_id)
    if amendment.agreement_id != agreement_id:
        abort(404)
    service.withdraw_amendment(amendment, actor(), clock.today())
    db.session.commit()
    return "", 204
