"""The import page (upload, preview, commit all or nothing) and the list's Excel export.

The uploaded file is kept under ``instance/imports/`` with a random token between the preview
and "Importera", so the commit imports exactly the file that was previewed (and the user does
not upload it twice); the token is bound to the user who uploaded it, and files older than a
day are removed whenever a new one arrives.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.agreements import services as agreements
from app.agreements.forms import STATUS_LABELS
from app.agreements.models import AGREEMENT_KINDS
from app.agreements.views import as_of_from_request
from app.auth import permission_required
from app.core import clock
from app.core.query import int_param
from app.extensions import db
from app.imports import services, workbooks
from app.imports.columns import COLUMNS
from app.imports.files import CellError

bp = Blueprint("imports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


@bp.app_template_global()
def export_url() -> str:
    """The export of the list being shown: the same filters (whatever the list page puts in
    its URL), without the page number."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page", "lang")}
    return url_for("imports.export", **args)


def _store_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep(data: bytes, filename: str) -> str:
    """Keep the uploaded file for the commit; returns its token."""
    store = _store_dir()
    now = time.time()
    for old in store.iterdir():
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (store / f"{token}.bin").write_bytes(data)
    (store / f"{token}.json").write_text(
        json.dumps({"user_id": current_user.id, "filename": filename}), encoding="utf-8"
    )
    return token


def _kept(token: str) -> tuple[bytes, str] | None:
    if not _TOKEN.fullmatch(token or ""):
        return None
    store = _store_dir()
    try:
        meta = json.loads((store / f"{token}.json").read_text(encoding="utf-8"))
        data = (store / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != current_user.id:
        return None
    return data, meta.get("filename") or "fil"


def _forget(token: str) -> None:
    if _TOKEN.fullmatch(token or ""):
        for suffix in (".bin", ".json"):
            (_store_dir() / f"{token}{suffix}").unlink(missing_ok=True)


def _page(report=None, token=None, filename=None, status=200):
    errors_by_row: dict[int, list[CellError]] = {}
    if report is not None:
        for error in report.errors:
            errors_by_row.setdefault(error.row or 0, []).append(error)
    return render_template(
        "imports/import.html",
        report=report,
        token=token,
        filename=filename,
        columns=COLUMNS,
        errors_by_row=errors_by_row,
        max_rows=services.max_rows(),
    ), status


@bp.route("/imports/agreements", methods=["GET"])
@permission_required("edit_agreements")
def page():
    return _page()


@bp.route("/imports/agreements/template.xlsx", methods=["GET"])
def template():
    out = io.BytesIO()
    workbooks.template_workbook(out)
    out.seek(0)
    return send_file(
        out, mimetype=XLSX, as_attachment=True, download_name="avtalskollen-importmall.xlsx"
    )


@bp.route("/imports/agreements/preview", methods=["POST"])
@permission_required("edit_agreements")
def preview():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        report = services.ImportReport(dry_run=True)
        report.errors.append(CellError(None, None, _("Välj en fil att läsa in.")))
        return _page(report, status=422)
    try:
        data = upload.read()
    finally:
        upload.close()
    filename = Path(upload.filename).name[:200]
    report = services.import_agreements(
        data, filename, current_user, dry_run=True, as_of=clock.today()
    )
    if not report.ok:
        return _page(report, filename=filename, status=422)
    return _page(report, token=_keep(data, filename), filename=filename)


@bp.route("/imports/agreements/commit", methods=["POST"])
@permission_required("edit_agreements")
def commit():
    token = request.form.get("token", "")
    kept = _kept(token)
    if kept is None:
        flash(_("Den förhandsgranskade filen finns inte längre. Ladda upp den igen."), "warning")
        return redirect(url_for("imports.page"))
    data, filename = kept
    report = services.import_agreements(
        data, filename, current_user, dry_run=False, as_of=clock.today()
    )
    if not report.ok:
        # Something changed since the preview (an organisation removed, say): nothing written.
        return _page(report, filename=filename, status=422)
    db.session.commit()
    _forget(token)
    flash(
        _(
            "Importen är klar. Nya avtal: %(created)s. Ändrade: %(updated)s. "
            "Oförändrade: %(unchanged)s.",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("agreements.index"))


@bp.route("/agreements/export.xlsx", methods=["GET"])
def export():
    """The agreement list as Excel, with the list's filters (as the list reads them: an
    unknown value is ignored)."""
    as_of = as_of_from_request()
    kind = request.args.get("kind")
    status = request.args.get("status")
    stmt = agreements.list_query(
        q=request.args.get("q", "").strip() or None,
        kind=kind if kind in AGREEMENT_KINDS else None,
        status=status if status in STATUS_LABELS else None,
        organisation_id=int_param("organisation_id"),
        responsible_person_id=int_param("responsible_person_id"),
        board_id=int_param("board_id"),
        as_of=as_of,
    )
    return Response(
        workbooks.export_chunks(stmt),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="avtal-{as_of.isoformat()}.xlsx"'},
    )
