"""Import and export of the register over the API (API.md, "Added in version 1.1", Import):
the template, the all-or-nothing import (with a dry run) and the export in the same columns."""

from __future__ import annotations

import io

from flask import Response, jsonify, request, send_file

from app.api import bp
from app.api.agreements import list_query_from_args
from app.api.helpers import as_of_arg
from app.api.openapi import doc
from app.auth import actor, permission_required
from app.core import clock
from app.core.errors import MalformedInput
from app.extensions import db
from app.imports import services, workbooks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/imports/agreements/template.xlsx", methods=["GET"])
@doc(
    "The import template (.xlsx): the columns, drop-down lists and an explanation sheet",
    tag="imports",
)
def import_template():
    out = io.BytesIO()
    workbooks.template_workbook(out)
    out.seek(0)
    return send_file(
        out, mimetype=XLSX, as_attachment=True, download_name="avtalskollen-importmall.xlsx"
    )


def _dry_run_arg() -> bool:
    raw = (request.args.get("dry_run") or "false").strip().lower()
    if raw not in ("true", "false", "1", "0"):
        raise MalformedInput(
            "dry_run ska vara true eller false.", {"dry_run": "Ett av: true, false."}
        )
    return raw in ("true", "1")


@bp.route("/imports/agreements", methods=["POST"])
@permission_required("edit_agreements")
@doc(
    "Import agreements from an .xlsx or .csv file (multipart field file), all or nothing; "
    "?dry_run=true tells what would be done",
    query={"dry_run": "true | false"},
    tag="imports",
)
def import_agreements():
    dry_run = _dry_run_arg()
    upload = request.files.get("file")
    if upload is None:
        raise MalformedInput(
            "Skicka filen som multipart/form-data i fältet file.",
            {"file": "Fältet krävs."},
        )
    try:
        data = upload.read()
    finally:
        upload.close()
    report = services.import_agreements(
        data,
        upload.filename or "fil",
        actor(),
        dry_run=dry_run,
        as_of=clock.today(),
    )
    body = report.as_json()
    if not report.ok:
        body["error"] = {
            "code": "import_failed",
            "message": "Inget importerades: filen har fel. Rätta dem och försök igen.",
            "fields": {},
        }
        return jsonify(body), 422
    db.session.commit()
    return jsonify(body), 200


@bp.route("/agreements/export.xlsx", methods=["GET"])
@doc(
    "The register in the import template's columns (.xlsx), with the list's filters",
    query={
        "kind": "agreement kind",
        "status": "computed status",
        "organisation_id": "a party",
        "q": "title, diarienummer or party name",
        "as_of": "YYYY-MM-DD",
    },
    tag="imports",
)
def export_agreements():
    as_of = as_of_arg()
    stmt = list_query_from_args(as_of)
    return Response(
        workbooks.export_chunks(stmt),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="avtal-{as_of.isoformat()}.xlsx"'},
    )
