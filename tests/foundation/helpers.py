"""Helpers for the foundation tests: row counts across every table, agreement form data."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from sqlalchemy import func, select

from app.extensions import db


def row_counts() -> dict[str, int]:
    """The number of rows in every table, to prove a refused request wrote nothing."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def agreement_form(agreement=None, **overrides) -> dict:
    """Form fields as the agreement page posts them (unset selects are "0")."""
    data = {
        "kind": "samverkansavtal",
        "title": "Personligt ombud, samverkansavtal",
        "diarienummer": "",
        "description": "",
        "stage": "decided",
        "board_id": "0",
        "administration_id": "0",
        "responsible_person_id": "0",
        "invoicing_party_id": "0",
        "start_date": "2021-01-01",
        "end_date": "2022-12-31",
        "notice_period_months": "6",
        "notice_period_days": "",
        "extension_months": "",
        "max_extensions": "",
        "fte": "",
        "invoicing": "monthly",
        "reminder_lead_days": "",
    }
    # A browser posts every party row, blank ones with organisation "0" and the first role.
    for i in range(4):
        data[f"parties-{i}-organisation_id"] = "0"
        data[f"parties-{i}-role"] = "bestallare"
    if agreement is not None:
        for key in ("kind", "title", "stage", "invoicing"):
            data[key] = getattr(agreement, key)
        for key in ("diarienummer", "description"):
            data[key] = getattr(agreement, key) or ""
        for key in ("board_id", "administration_id", "responsible_person_id", "invoicing_party_id"):
            data[key] = str(getattr(agreement, key) or 0)
        for key in ("start_date", "end_date", "decided_on"):
            value: date | None = getattr(agreement, key)
            data[key] = value.isoformat() if value else ""
        for key in ("notice_period_months", "notice_period_days", "extension_months"):
            value = getattr(agreement, key)
            data[key] = "" if value is None else str(value)
        data["fte"] = "" if agreement.fte is None else str(agreement.fte)
        data["version"] = str(agreement.version)
        if agreement.notice_must_be_written:
            data["notice_must_be_written"] = "y"
        for i, party in enumerate(agreement.parties):
            data[f"parties-{i}-organisation_id"] = str(party.organisation_id)
            data[f"parties-{i}-role"] = party.role
    data.update(overrides)
    return data


def minimal_pdf(text: str = "Avtal") -> bytes:
    """A small but well-formed one-page PDF (header, objects, cross-reference, trailer)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def form_as_posted(html: str, form_start: str) -> dict[str, str]:
    """The fields of the form whose tag matches the regular expression ``form_start``, as a
    browser would post them unchanged: inputs with their values (checked boxes only), each
    select's selected option (else its first)."""
    form = html[re.search(form_start, html).start() :]
    form = form[: form.index("</form>")]
    fields: dict[str, str] = {}

    class Fields(HTMLParser):
        select: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
                if a.get("type") != "checkbox" or "checked" in a:
                    fields[a["name"]] = a.get("value") or (
                        "y" if a.get("type") == "checkbox" else ""
                    )
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and (self.select not in fields or "selected" in a):
                fields[self.select] = a.get("value") or ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    Fields().feed(form)
    return fields
