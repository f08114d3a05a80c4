"""Storing uploaded files (signed agreements, notice letters) under instance/ with a checksum."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app.agreements.file_checks import content_matches
from app.agreements.models import Agreement, Attachment
from app.core.errors import ValidationError
from app.extensions import db

# The first bytes of the types we accept, so a renamed .exe is not taken for a PDF.
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def storage_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_attachment(
    agreement: Agreement, upload: FileStorage | None, user, description: str | None = None
) -> Attachment:
    """Check and store an uploaded file; raises ValidationError with a clear reason."""
    if upload is None or not upload.filename:
        raise ValidationError(_("Välj en fil att ladda upp."), {"file": _("Välj en fil.")})
    allowed = current_app.config["ATTACHMENT_ALLOWED_TYPES"]
    name = secure_filename(upload.filename) or "fil"
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in allowed:
        raise ValidationError(
            _(
                "Filtypen %(suffix)s tas inte emot. Tillåtna: %(types)s.",
                suffix=suffix or "?",
                types=", ".join(sorted(allowed)),
            ),
            {"file": _("Fel filtyp.")},
        )
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("Filen är större än %(mb)s MB.", mb=limit // (1024 * 1024)),
            {"file": _("Filen är för stor.")},
        )
    if not data:
        raise ValidationError(_("Filen är tom."), {"file": _("Filen är tom.")})
    magic = _MAGIC.get(suffix)
    if (magic and not data.startswith(magic)) or not content_matches(suffix, data):
        raise ValidationError(
            _("Filen ser inte ut att vara en %(suffix)s-fil.", suffix=suffix),
            {"file": _("Filens innehåll stämmer inte med filtypen.")},
        )
    stored = f"{uuid.uuid4().hex}{suffix}"
    path = storage_dir() / stored
    path.write_bytes(data)
    # The file is written before the transaction ends; if it is rolled back, so is the file.
    db.session.info.setdefault(_PENDING_FILES, []).append(path)
    attachment = Attachment(
        agreement=agreement,
        filename=name,
        stored_name=stored,
        content_type=allowed[suffix],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        description=(description or "").strip() or None,
        uploaded_by_id=getattr(user, "id", None),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def path_of(attachment: Attachment) -> Path:
    return storage_dir() / attachment.stored_name


_PENDING_FILES = "avtalskollen.pending_files"


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_PENDING_FILES, None)


@event.listens_for(Session, "after_rollback")
def _remove_written_files(session: Session) -> None:
    for path in session.info.pop(_PENDING_FILES, []):
        path.unlink(missing_ok=True)
