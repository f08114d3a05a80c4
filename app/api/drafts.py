"""API routes for drafts (see ../shared/API.md, "Drafts"): a board decision rendered as the
agreement stands on ``?as_of`` without keeping it, keeping a draft on purpose (with its
template and data snapshot), the kept drafts of an agreement, and downloading one."""

from __future__ import annotations

import io
from typing import Any

from flask import jsonify, request, send_file, url_for

from app.agreements.models import Agreement
from app.api import bp
from app.api.helpers import Reader, as_of_arg, json_body, paginated
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core.dates import parse_iso_date
from app.core.errors import MalformedInput, ValidationError
from app.documents import services
from app.documents.context import (
    BARN_CHOICES,
    DECISIONS,
    MBL_CHOICES,
    RECIPIENT_CHOICES,
    SAMRAD_CHOICES,
    TEXT_FIELDS,
    Choices,
)
from app.documents.models import GeneratedDraft
from app.extensions import db


def _decision(decision: str) -> str:
    if decision not in DECISIONS:
        message = f"Okänt beslut {decision!r}. Välj en av: {', '.join(DECISIONS)}."
        raise ValidationError(message, {"decision": message}, code="unknown_decision")
    return decision


def _decision_date_arg():
    raw = request.args.get("decision_date")
    if not raw:
        return None
    try:
        return parse_iso_date(raw)
    except ValueError as exc:
        raise MalformedInput(str(exc), {"decision_date": str(exc)}) from None


@bp.route("/agreements/<int:agreement_id>/drafts/<decision>.docx", methods=["GET"])
@permission_required("self")
@doc(
    "The board decision draft (.docx) of a decision as the agreement stands on ?as_of, rendered "
    "without keeping it; decision: forlangning | uppsagning | nytt_avtal | upphandling; "
    "decision_date: the day the board decides (an uppsägning counts its notice from it)",
    query={"as_of": "YYYY-MM-DD", "decision_date": "YYYY-MM-DD"},
    tag="drafts",
)
def agreement_draft(agreement_id: int, decision: str):
    as_of = as_of_arg()
    decision_date = _decision_date_arg()
    agreement = db.get_or_404(Agreement, agreement_id)
    data = services.render_draft(
        agreement, _decision(decision), as_of, Choices(decision_date=decision_date)
    )
    return send_file(
        io.BytesIO(data),
        mimetype=services.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=services.draft_filename(agreement, decision, as_of),
    )


def _draft_json(draft: GeneratedDraft) -> dict[str, Any]:
    choices = draft.snapshot.get("_choices", {}) if isinstance(draft.snapshot, dict) else {}
    return {
        "id": draft.id,
        "agreement_id": draft.agreement_id,
        "decision": draft.decision,
        "as_of": draft.as_of.isoformat(),
        "decision_date": choices.get("decision_date") or draft.as_of.isoformat(),
        "created_at": draft.created_at.isoformat(),
        "created_by": draft.created_by.username if draft.created_by else None,
        "template_name": draft.template_name,
        "template_sha256": draft.template_sha256,
        "file_sha256": draft.file_sha256,
        "download_url": url_for("api.download_draft", draft_id=draft.id),
    }


_BODY = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": list(DECISIONS)},
        "as_of": {"type": "string", "format": "date"},
        "decision_date": {"type": "string", "format": "date"},
        "samrad": {"type": "string", "enum": list(SAMRAD_CHOICES)},
        "mbl": {"type": "string", "enum": list(MBL_CHOICES)},
        "barn": {"type": "string", "enum": list(BARN_CHOICES)},
        "recipients": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "organisation_id": {"type": "integer"},
                    "as": {"type": "string", "enum": list(RECIPIENT_CHOICES)},
                },
            },
        },
        "extra_recipients": {"type": "string"},
        "second_signatory_id": {"type": "integer"},
        "include_description": {"type": "boolean"},
        **{name: {"type": "string"} for name in TEXT_FIELDS},
    },
    "required": ["decision"],
}


def _read_choices(data: dict[str, Any]) -> tuple[str, Any, Choices]:
    reader = Reader(data)
    decision = reader.string("decision", required=True, max_length=20)
    as_of = reader.date("as_of")
    decision_date = reader.date("decision_date")
    for name in ("samrad", "mbl", "barn"):
        reader.string(name, max_length=20)
    reader.string("extra_recipients", max_length=2000)
    reader.integer("second_signatory_id")
    reader.boolean("include_description")
    for name in TEXT_FIELDS:
        reader.string(name, max_length=20_000)
    recipients: dict[int, str] = {}
    raw = data.get("recipients")
    if raw is not None:
        if not isinstance(raw, list) or not all(
            isinstance(r, dict)
            and isinstance(r.get("organisation_id"), int)
            and not isinstance(r.get("organisation_id"), bool)
            and isinstance(r.get("as"), str)
            for r in raw
        ):
            reader.errors["recipients"] = (
                'Ska vara en lista med {"organisation_id": id, "as": "verkstallighet" | '
                '"kannedom" | "ingen"}.'
            )
        else:
            recipients = {r["organisation_id"]: r["as"] for r in raw}
    values = reader.finish()
    choices = Choices(
        decision_date=decision_date,
        samrad=values.get("samrad"),
        mbl=values.get("mbl"),
        barn=values.get("barn"),
        recipients=recipients,
        extra_recipients=values.get("extra_recipients"),
        second_signatory_id=values.get("second_signatory_id"),
        include_description=bool(values.get("include_description")),
        texts={name: values.get(name) for name in TEXT_FIELDS if name in values},
    )
    return _decision(decision), as_of, choices


@bp.route("/agreements/<int:agreement_id>/drafts", methods=["POST"])
@permission_required("edit_agreements")
@doc("Keep a draft (with its template and data snapshot)", body=_BODY, tag="drafts")
def keep_agreement_draft(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    decision, as_of, choices = _read_choices(json_body())
    _data, draft = services.keep_draft(agreement, decision, as_of or as_of_arg(), choices, actor())
    db.session.commit()
    return jsonify(_draft_json(draft)), 201


@bp.route("/agreements/<int:agreement_id>/drafts", methods=["GET"])
@permission_required("self")
@doc("The kept drafts of an agreement, newest first", tag="drafts")
def list_agreement_drafts(agreement_id: int):
    db.get_or_404(Agreement, agreement_id)
    stmt = (
        db.select(GeneratedDraft)
        .options(db.joinedload(GeneratedDraft.created_by))
        .where(GeneratedDraft.agreement_id == agreement_id)
        .order_by(GeneratedDraft.id.desc())
    )
    return jsonify(paginated(stmt, _draft_json))


@bp.route("/drafts/<int:draft_id>.docx", methods=["GET"])
@permission_required("self")
@doc("Download a kept draft (.docx)", tag="drafts")
def download_draft(draft_id: int):
    draft = db.get_or_404(GeneratedDraft, draft_id)
    return send_file(
        io.BytesIO(services.draft_bytes(draft)),
        mimetype=services.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=draft.filename,
    )
