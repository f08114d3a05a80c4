"""Generating board decision drafts: picking the template (an admin's upload or the shipped
one), filling it with docxtpl, keeping a record of each draft, and validating uploaded
templates. Pages and the API call these.

Templates are read once and cached by checksum; each draft is rendered from the cached bytes,
with ``autoescape=True`` and XML-illegal characters stripped, so user text can never break the
document.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docxtpl import DocxTemplate
from flask import current_app
from flask_babel import gettext as _
from jinja2 import Environment, TemplateError, TemplateSyntaxError
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app.agreements.models import Agreement
from app.agreements.services import record_audit
from app.core.errors import NotFoundError, ValidationError
from app.documents.context import DECISIONS, VARIABLES, build_context
from app.documents.models import CustomTemplate, GeneratedDraft
from app.extensions import db

__all__ = [
    "TemplateInfo",
    "active_template",
    "deactivate_custom_templates",
    "draft_bytes",
    "drafts_for",
    "preview_context",
    "render_bytes",
    "render_draft",
    "save_custom_template",
    "validate_template",
]

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: Drafts are dated by the day they were made, as a calendar date in Europe/Stockholm.
STOCKHOLM = ZoneInfo("Europe/Stockholm")

_cache_lock = Lock()
_by_sha: dict[str, bytes] = {}
_by_path: dict[str, tuple[tuple[int, int], str]] = {}


@dataclass(frozen=True)
class TemplateInfo:
    """The template a draft is filled from."""

    name: str
    sha256: str
    data: bytes
    custom_template_id: int | None = None


def shipped_dir() -> Path:
    return Path(current_app.root_path).parent / "contracts_templates"


def _instance_dir(key: str, name: str) -> Path:
    configured = current_app.config.get(key)
    if configured:
        path = Path(configured)
    else:
        # Beside the attachments (instance/ in production, the test's own folder in tests).
        attachments = current_app.config.get("ATTACHMENT_DIR")
        base = Path(attachments).parent if attachments else Path(current_app.instance_path)
        path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def drafts_dir() -> Path:
    return _instance_dir("DRAFT_DIR", "drafts")


def custom_templates_dir() -> Path:
    return _instance_dir("TEMPLATE_UPLOAD_DIR", "templates")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load(path: Path) -> tuple[str, bytes]:
    """A template file's checksum and bytes, read from disk only when the file changed."""
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        known = _by_path.get(str(path))
        if known and known[0] == key and known[1] in _by_sha:
            return known[1], _by_sha[known[1]]
    data = path.read_bytes()
    sha = _sha(data)
    with _cache_lock:
        _by_sha[sha] = data
        _by_path[str(path)] = (key, sha)
    return sha, data


def active_template(decision: str) -> TemplateInfo:
    """The admin's active upload for `decision`, else the shipped template."""
    custom = db.session.execute(
        db.select(CustomTemplate)
        .where(CustomTemplate.decision == decision, CustomTemplate.active.is_(True))
        .order_by(CustomTemplate.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if custom is not None:
        path = custom_templates_dir() / custom.stored_name
        if path.exists():
            sha, data = _load(path)
            return TemplateInfo(f"{custom.filename} (egen mall)", sha, data, custom.id)
    path = shipped_dir() / f"{decision}.docx"
    if not path.exists():
        raise NotFoundError(_("Mallen %(name)s saknas.", name=path.name))
    sha, data = _load(path)
    return TemplateInfo(path.name, sha, data)


def _template_by_sha(sha: str) -> bytes | None:
    with _cache_lock:
        if sha in _by_sha:
            return _by_sha[sha]
    for path in [*shipped_dir().glob("*.docx"), *custom_templates_dir().glob("*.docx")]:
        found, data = _load(path)
        if found == sha:
            return data
    return None


def render_bytes(template: bytes, context: dict[str, Any]) -> bytes:
    """Fill a .docx template with `context` (autoescaped) and return the document's bytes."""
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(context, jinja_env=Environment(autoescape=True), autoescape=True)
    except TemplateError as exc:
        raise ValidationError(
            _("Mallen kunde inte fyllas i: %(error)s", error=str(exc)),
            {"template": str(exc)},
            code="template_error",
        ) from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _earlier(agreement: Agreement) -> list[tuple[date, str]]:
    """Earlier drafts of the agreement: (the day each was made, in Europe/Stockholm; decision
    code), once per day and decision. Dated by when it was made, never by the as-of day it
    was asked for, which may be a what-if ("as it would have stood on 2020-05-01")."""
    rows = db.session.execute(
        db.select(GeneratedDraft.created_at, GeneratedDraft.decision)
        .where(GeneratedDraft.agreement_id == agreement.id)
        .order_by(GeneratedDraft.created_at, GeneratedDraft.id)
    ).all()
    seen: list[tuple[date, str]] = []
    for created_at, decision in rows:
        item = (created_at.astimezone(STOCKHOLM).date(), decision)
        if item not in seen:
            seen.append(item)
    return seen


def preview_context(
    agreement: Agreement, decision: str, as_of: date, texts: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """The context a draft would be filled with (for the form's HTML preview)."""
    return build_context(agreement, decision, as_of, texts, _earlier(agreement))


def render_draft(
    agreement: Agreement,
    decision: str,
    as_of: date,
    texts: dict[str, str | None] | None,
    user,
) -> tuple[bytes, GeneratedDraft]:
    """Generate the draft of `decision` for `agreement` as of `as_of`, keep it, return it.

    Raises ValidationError (422) when the decision does not fit or data is missing.
    """
    context = preview_context(agreement, decision, as_of, texts)
    template = active_template(decision)
    data = render_bytes(template.data, context)
    stored_name = f"{uuid.uuid4().hex}.docx"
    (drafts_dir() / stored_name).write_bytes(data)
    draft = GeneratedDraft(
        agreement_id=agreement.id,
        decision=decision,
        as_of=as_of,
        template_name=template.name,
        template_sha256=template.sha256,
        custom_template_id=template.custom_template_id,
        snapshot=context,
        stored_name=stored_name,
        file_sha256=_sha(data),
        size_bytes=len(data),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(draft)
    record_audit(agreement, user, "draft_generated", "decision", None, decision)
    db.session.flush()
    return data, draft


def draft_bytes(draft: GeneratedDraft) -> bytes:
    """A kept draft's file; re-rendered from its snapshot and template if the file is gone."""
    path = drafts_dir() / draft.stored_name
    if path.exists():
        return path.read_bytes()
    template = _template_by_sha(draft.template_sha256)
    if template is None:
        raise NotFoundError(
            _("Utkastets fil och mallen det skapades från finns inte längre; skapa ett nytt.")
        )
    return render_bytes(template, draft.snapshot)


def drafts_for(agreement: Agreement, limit: int = 20) -> list[GeneratedDraft]:
    return list(
        db.session.execute(
            db.select(GeneratedDraft)
            .options(db.joinedload(GeneratedDraft.created_by))
            .where(GeneratedDraft.agreement_id == agreement.id)
            .order_by(GeneratedDraft.id.desc())
            .limit(limit)
        ).scalars()
    )


# --- Custom templates --------------------------------------------------------------------------

SAMPLE_CONTEXT: dict[str, Any] = {
    **{name: "Exempel" for name in VARIABLES},
    "parter": ["Åtvidabergs kommun"],
    "skickas_till": ["Åtvidabergs kommun"],
    "beslutspunkter": ["Exempel på beslutspunkt."],
    "ekonomi_rader": [
        {
            "ar": "2021",
            "markering": " *",
            "ersattning": "4 000 000 kr",
            "statsbidrag": "2 000 000 kr",
            "netto": "2 000 000 kr",
            "preliminar": True,
            "saknas": "",
        }
    ],
    "andelar_rader": [
        {"ar": "2021", "markering": "", "part": "Åtvidabergs kommun", "belopp": "1 000 000 kr"}
    ],
}


def validate_template(data: bytes) -> list[str]:
    """Every problem with an uploaded template (empty list: it can be used)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                return [_("Filen är inte ett Word-dokument (.docx).")]
        Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any failure to open means the same to the user
        return [_("Filen kan inte öppnas som ett Word-dokument (.docx).")]
    try:
        used = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()
    except TemplateSyntaxError as exc:
        return [_("Mallens taggar kan inte tolkas: %(error)s", error=exc.message or str(exc))]
    except TemplateError as exc:
        return [_("Mallens taggar kan inte tolkas: %(error)s", error=str(exc))]
    problems = [
        _("Variabeln %(name)s finns inte (se listan över variabler).", name=name)
        for name in sorted(used - set(VARIABLES))
    ]
    if problems:
        return problems
    try:
        Document(io.BytesIO(render_bytes(data, SAMPLE_CONTEXT)))
    except ValidationError as exc:
        return [exc.message]
    except Exception as exc:  # noqa: BLE001 - a template that renders to garbage is refused
        return [_("Mallen går inte att fylla i: %(error)s", error=str(exc))]
    return []


def save_custom_template(decision: str, upload: FileStorage | None, user) -> CustomTemplate:
    """Validate and store an uploaded template; it replaces the decision's current one."""
    if decision not in DECISIONS:
        raise NotFoundError(_("Okänt beslut."))
    if upload is None or not upload.filename:
        raise ValidationError(_("Välj en .docx-fil att ladda upp."), {"file": _("Välj en fil.")})
    if Path(upload.filename).suffix.lower() != ".docx":
        raise ValidationError(_("Mallen måste vara en .docx-fil."), {"file": _("Fel filtyp.")})
    data = upload.stream.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError(_("Mallen är större än 5 MB."), {"file": _("Filen är för stor.")})
    problems = validate_template(data)
    if problems:
        raise ValidationError(
            _("Mallen kan inte användas: %(problems)s", problems=" ".join(problems)),
            {"file": " ".join(problems)},
            code="invalid_template",
        )
    stored_name = f"{decision}-{uuid.uuid4().hex}.docx"
    (custom_templates_dir() / stored_name).write_bytes(data)
    deactivate_custom_templates(decision)
    template = CustomTemplate(
        decision=decision,
        filename=secure_filename(upload.filename) or f"{decision}.docx",
        stored_name=stored_name,
        sha256=_sha(data),
        size_bytes=len(data),
        active=True,
        uploaded_by_id=getattr(user, "id", None),
    )
    db.session.add(template)
    db.session.flush()
    return template


def deactivate_custom_templates(decision: str) -> None:
    """Go back to the shipped template for `decision`."""
    for template in db.session.execute(
        db.select(CustomTemplate).where(
            CustomTemplate.decision == decision, CustomTemplate.active.is_(True)
        )
    ).scalars():
        template.active = False
    db.session.flush()
