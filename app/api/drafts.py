"""API routes for drafts (see ../shared/API.md): a board decision drafted as the agreement
stands on ``?as_of``, with the default free texts, recorded like a draft made on the page."""

from __future__ import annotations

import io

from flask import send_file

from app.agreements.models import Agreement
from app.api import bp
from app.api.helpers import as_of_arg
from app.api.openapi import doc
from app.auth import actor
from app.core.errors import ValidationError
from app.documents import services
from app.documents.context import DECISIONS
from app.extensions import db


@bp.route("/agreements/<int:agreement_id>/drafts/<decision>.docx", methods=["GET"])
@doc(
    "The board decision draft (.docx) of a decision as the agreement stands on ?as_of; "
    "decision: forlangning | uppsagning | nytt_avtal | upphandling",
    query={"as_of": "YYYY-MM-DD"},
    tag="drafts",
)
def agreement_draft(agreement_id: int, decision: str):
    as_of = as_of_arg()
    agreement = db.get_or_404(Agreement, agreement_id)
    if decision not in DECISIONS:
        message = f"Okänt beslut {decision!r}. Välj en av: {', '.join(DECISIONS)}."
        raise ValidationError(message, {"decision": message}, code="unknown_decision")
    data, draft = services.render_draft(agreement, decision, as_of, None, actor())
    db.session.commit()
    response = send_file(
        io.BytesIO(data),
        mimetype=services.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=draft.filename,
    )
    response.headers["X-Draft-Id"] = str(draft.id)
    return response
