"""Generating board decision drafts: picking the template (an admin's upload or the shipped
one), filling it with docxtpl, keeping a draft when the official asks to (with its template
and data snapshot), and validating uploaded templates by rendering them against sample
agreements. Rendering alone keeps nothing. Pages and the API call these.

Templates are read once and cached by checksum; each draft is rendered from the cached bytes,
with ``autoescape=True`` and XML-illegal characters stripped, so user text can never break the
document.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from threading import Lock
from typing import Any

from docx import Document
from docxtpl import DocxTemplate
from flask import current_app
from flask_babel import gettext as _
from jinja2 import Environment, TemplateError, TemplateSyntaxError, UndefinedError
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app.agreements.models import Agreement
from app.agreements.services import record_audit
from app.core.errors import NotFoundError, ValidationError
from app.documents.context import (
    DECISIONS,
    PLACEHOLDER,
    VARIABLES,
    Choices,
    build_context,
    decision_facts,
    own_organisation,
    predecessor_of,
    statistics_for,
)
from app.documents.models import CustomTemplate, GeneratedDraft
from app.extensions import db
from app.parties.models import Person

__all__ = [
    "TemplateInfo",
    "active_template",
    "deactivate_custom_templates",
    "draft_bytes",
    "drafts_for",
    "keep_draft",
    "preview_context",
    "render_bytes",
    "render_draft",
    "save_custom_template",
    "validate_template",
]

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


def render_bytes(
    template: bytes, context: dict[str, Any], created: datetime | None = None
) -> bytes:
    """Fill a .docx template with `context` (autoescaped) and return the document's bytes.

    The document's properties carry the draft's title, its author (the official) and the real
    creation time (`created`, default now)."""
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(context, jinja_env=Environment(autoescape=True), autoescape=True)
    except TemplateError as exc:
        message = explain_template_error(exc, template, context)
        raise ValidationError(
            _("Mallen kunde inte fyllas i: %(error)s", error=message),
            {"template": message},
            code="template_error",
        ) from None
    props = tpl.docx.core_properties
    props.title = str(context.get("rubrik") or "")[:255]
    author = str(context.get("handlaggare") or "")
    props.author = "" if author == PLACEHOLDER else author[:255]
    props.last_modified_by = props.author
    when = (created or datetime.now(UTC)).replace(microsecond=0, tzinfo=None)
    props.created = when
    props.modified = when
    props.subject = str(context.get("beslut_namn") or "")[:255]
    props.identifier = str(context.get("diarienummer") or "")[:255]
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


_TAG = re.compile(r"({{.*?}}|{%.*?%})", re.S)
_KNOWN_SYNTAX = (
    (
        "unexpected end of template",
        "ett block som aldrig tar slut (saknas {% endif %} eller {% endfor %}?)",
    ),
    ("unknown tag", "en okänd tagg"),
    ("expected token", "en tagg som inte kan tolkas (stavfel eller tecken som inte hör dit?)"),
    ("unexpected '}'", "en tagg som avslutas fel (”}” utan ”}}” eller ”%}”)"),
    ("unexpected char", "ett tecken som inte får stå i en tagg"),
)


def _paragraph_texts(data: bytes) -> list[tuple[str, str]]:
    """(where, text) of every paragraph in a .docx: body, table cells and page headers, in
    reading order, numbered the way a reader counts them ("stycke 12", "tabell 1, rad 3")."""
    doc = Document(io.BytesIO(data))
    found: list[tuple[str, str]] = []
    for n, p in enumerate(doc.paragraphs, start=1):
        found.append((_("stycke %(n)s", n=n), p.text))
    for t, table in enumerate(doc.tables, start=1):
        for r, row in enumerate(table.rows, start=1):
            for cell in row.cells:
                for p in cell.paragraphs:
                    found.append((_("tabell %(t)s, rad %(r)s", t=t, r=r), p.text))
    for section in doc.sections:
        for p in section.header.paragraphs:
            found.append((_("sidhuvudet"), p.text))
    return found


def _locate(data: bytes, context: dict[str, Any] | None, needle: str | None) -> str | None:
    """Where in the document the failing tag is: the paragraph containing `needle`, or the
    first whose ``{{ }}`` expressions fail against `context`."""
    try:
        paragraphs = _paragraph_texts(data)
    except Exception:  # noqa: BLE001 - no location is better than a second error
        return None
    env = Environment()
    for where, text in paragraphs:
        tags = _TAG.findall(text)
        if needle and needle in text:
            return f"{where} (”{text.strip()[:80]}”)"
        unbalanced = text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}")
        if context is None and unbalanced:
            return f"{where} (”{text.strip()[:80]}”)"
        if context is None or needle:
            continue
        for tag in tags:
            if not tag.startswith("{{"):
                continue
            try:
                env.compile_expression(tag[2:-2].strip())(**context)
            except Exception:  # noqa: BLE001 - the first failing expression is the answer
                return f"{where} (”{tag}”)"
    return None


def explain_template_error(exc: TemplateError, data: bytes, context: dict[str, Any] | None) -> str:
    """A Swedish explanation of a Jinja error in a template, with the paragraph it is in."""
    raw = (getattr(exc, "message", None) or str(exc)).strip()
    low = raw.lower()
    if isinstance(exc, TemplateSyntaxError):
        what = next((sv for en, sv in _KNOWN_SYNTAX if en in low), _("en tagg som inte kan tolkas"))
        needle = None
        tag = re.search(r"tag '(\w+)'", raw)
        if tag:
            needle = tag.group(1)
            what += f" ({needle})"
        where = _locate(data, None, "{%" if needle is None and "end of template" in low else needle)
        if where is None and exc.lineno:
            where = _("rad %(n)s i mallens XML", n=exc.lineno)
    elif isinstance(exc, UndefinedError):
        name = re.search(r"'([^']+)' is undefined", raw) or re.search(
            r"has no attribute '([^']+)'", raw
        )
        if name:
            what = _("värdet %(name)s finns inte", name=name.group(1))
        elif "no element" in low:
            what = _("en lista som saknar det element mallen hämtar (en tom lista?)")
        else:
            what = _("ett värde som saknas")
        where = _locate(data, context, None)
    else:
        what = _("ett fel när mallen fylldes i")
        where = _locate(data, context, None)
    text = _("Mallen har %(what)s", what=what)
    if where:
        text += _(" i %(where)s", where=where)
    return text + f". [{raw}]"


def preview_context(
    agreement: Agreement, decision: str, as_of: date, choices: Choices | None = None
) -> dict[str, Any]:
    """The context a draft is filled with: the agreement as of `as_of` with the official's
    choices, the recorded statistics and the predecessor when there are any."""
    choices = choices or Choices()
    signer = None
    if choices.second_signatory_id is not None:
        signer = db.session.get(Person, choices.second_signatory_id)
        if signer is None:
            message = _("Personen %(id)s finns inte.", id=choices.second_signatory_id)
            raise ValidationError(message, {"second_signatory_id": message})
    return build_context(
        agreement,
        decision,
        as_of,
        choices,
        statistics=statistics_for(agreement, as_of),
        predecessor=predecessor_of(agreement),
        second_signatory=signer,
    )


def draftable(agreement: Agreement, as_of: date) -> dict[str, str | None]:
    """decision → None when it can be drafted as of `as_of`, else why not (and where to fix
    it), so the page offers only the decisions that can be drafted."""
    result: dict[str, str | None] = {}
    for decision in DECISIONS:
        try:
            decision_facts(agreement, decision, as_of)
        except ValidationError as exc:
            result[decision] = exc.message
        else:
            result[decision] = None
    return result


def signatory_choices(agreement: Agreement) -> list[Person]:
    """People who may sign beside the official: those of the deciding organisation."""
    own = own_organisation(agreement)
    if own is None:
        return []
    return list(
        db.session.execute(
            db.select(Person).where(Person.organisation_id == own.id).order_by(Person.name)
        ).scalars()
    )


def draft_filename(agreement: Agreement, decision: str, as_of: date) -> str:
    return f"{decision}-avtal-{agreement.id}-{as_of.isoformat()}.docx"


def render_draft(
    agreement: Agreement, decision: str, as_of: date, choices: Choices | None = None
) -> bytes:
    """The draft of `decision` for `agreement` as of `as_of`, rendered and kept nowhere (a
    what-if draft does not fill the agreement's history). Raises ValidationError (422) when
    the decision does not fit."""
    context = preview_context(agreement, decision, as_of, choices)
    return render_bytes(active_template(decision).data, context)


def keep_draft(
    agreement: Agreement, decision: str, as_of: date, choices: Choices | None, user
) -> tuple[bytes, GeneratedDraft]:
    """Render the draft and keep it: the file, its template (name and checksum) and the data
    snapshot that filled it (with the choices), audited on the agreement."""
    choices = choices or Choices()
    context = preview_context(agreement, decision, as_of, choices)
    template = active_template(decision)
    created = datetime.now(UTC)
    data = render_bytes(template.data, context, created)
    stored_name = f"{uuid.uuid4().hex}.docx"
    (drafts_dir() / stored_name).write_bytes(data)
    draft = GeneratedDraft(
        agreement_id=agreement.id,
        decision=decision,
        as_of=as_of,
        template_name=template.name,
        template_sha256=template.sha256,
        custom_template_id=template.custom_template_id,
        snapshot={**context, "_choices": choices.snapshot()},
        stored_name=stored_name,
        file_sha256=_sha(data),
        size_bytes=len(data),
        created_by_id=getattr(user, "id", None),
        created_at=created,
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
    context = {k: v for k, v in draft.snapshot.items() if not k.startswith("_")}
    return render_bytes(template, context, draft.created_at)


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


def sample_contexts() -> list[tuple[str, dict[str, Any]]]:
    """(what, context) of the sample agreements an uploaded template is test-rendered against:
    an indexed agreement with shares and two kinds of recipients, and one with no economics
    rows, no parties to send to and placeholders where facts are missing."""
    full: dict[str, Any] = {name: "Exempel" for name in VARIABLES}
    full.update(
        beslut="forlangning",
        parter=["Åtvidabergs kommun"],
        beslutspunkter=[
            "Samverkansavtalet med Åtvidabergs kommun avseende personligt ombud sägs inte upp "
            "varvid det förlängs i två år till och med 2022-12-31."
        ],
        beslutsunderlag=["Socialförvaltningens tjänsteskrivelse 2020-03-01 (denna skrivelse)"],
        bakgrund_stycken=["Första stycket.", "Andra stycket."],
        ekonomi_poster=["Personligt ombud: 4 107 597 kr i 2019 års prisnivå."],
        ekonomi_tabell=[
            {"ar": "2021", "post": "Personligt ombud", "belopp": "4 230 825 kr", "summa": False},
            {"ar": "2021", "post": "Nettokostnad", "belopp": "1 815 000 kr", "summa": True},
        ],
        ekonomi_meningar=["Omsorgsprisindex (OPI) för 2022 är ännu inte fastställt."],
        ekonomi_rader=[
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
        andelar_rader=[
            {"ar": "2021", "markering": "", "part": "Åtvidabergs kommun", "belopp": "1 000 000 kr"}
        ],
        mottagare_verkstallighet=["Leanlink Råd och Stöd"],
        mottagare_kannedom=["Åtvidabergs kommun"],
        skickas_till=["Leanlink Råd och Stöd", "Åtvidabergs kommun"],
    )
    bare = dict(full)
    bare.update(
        beslut="upphandling",
        parter=[],
        diarienummer=PLACEHOLDER,
        handlaggare=PLACEHOLDER,
        handlaggare_titel="",
        medundertecknare="",
        medundertecknare_titel="",
        forvaltning="",
        beslutsunderlag=[],
        ekonomi_poster=[],
        ekonomi_tabell=[],
        ekonomi_meningar=[],
        ekonomi_rader=[],
        andelar_rader=[],
        ekonomi_not="",
        mottagare_verkstallighet=[],
        mottagare_kannedom=[],
        skickas_till=[],
    )
    return [
        (_("ett avtal med ersättning, andelar och mottagare"), full),
        (_("ett avtal utan ersättningsrader och utan mottagare"), bare),
    ]


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
    except TemplateError as exc:
        return [explain_template_error(exc, data, None)]
    problems = [
        _("Variabeln %(name)s finns inte (se listan över variabler).", name=name)
        for name in sorted(used - set(VARIABLES))
    ]
    if problems:
        return problems
    for what, context in sample_contexts():
        try:
            Document(io.BytesIO(render_bytes(data, context)))
        except ValidationError as exc:
            return [_("Provutskrift för %(what)s: %(error)s", what=what, error=exc.message)]
        except Exception as exc:  # noqa: BLE001 - a template that renders to garbage is refused
            return [
                _(
                    "Provutskrift för %(what)s: mallen går inte att fylla i (%(error)s).",
                    what=what,
                    error=str(exc),
                )
            ]
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
