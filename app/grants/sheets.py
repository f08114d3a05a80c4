"""The provider's year sheet: an Excel template with one row per figure ("Uppgift", "Värde"),
and reading a filled-in sheet back into the statistics object the services take. Reasons and
municipalities are rows of their own: "Kontaktorsak: Bostad" 12, "Avslutsorsak: Flytt" 3,
"Kommun: Åtvidabergs kommun" 25 (names matched to organisations case-insensitively)."""

from __future__ import annotations

import io
from typing import Any
from zipfile import BadZipFile

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from app.core.errors import ValidationError
from app.extensions import db
from app.grants.models import YearStatistics
from app.parties.models import Organisation

#: Sheet label → field of the statistics object.
FIELDS = {
    "År": "year",
    "Kvinnor": "persons_women",
    "Män": "persons_men",
    "Annat/ej angivet": "persons_other",
    "Nya personer": "new_persons",
    "Avslutade personer": "ended_persons",
    "Timmar per vecka och person": "hours_per_week",
}
CONTACT, END, MUNICIPALITY = "Kontaktorsak:", "Avslutsorsak:", "Kommun:"
MAX_BYTES = 2 * 1024 * 1024


def template_xlsx(year: int, municipalities: list[str], record: YearStatistics | None) -> bytes:
    """The year sheet to send to the provider, filled in with what is recorded (if anything)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Statistik"
    ws.append(["Uppgift", "Värde"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    values = {"year": year}
    if record is not None:
        values |= {f: getattr(record, f) for f in FIELDS.values() if f != "year"}
    for label, name in FIELDS.items():
        value = values.get(name)
        ws.append([label, float(value) if name == "hours_per_week" and value else value])
    reasons = dict(record.contact_reasons) if record else {}
    for reason, n in (reasons or {"(orsak)": None}).items():
        ws.append([f"{CONTACT} {reason}", n])
    ended = dict(record.end_reasons) if record else {}
    for reason, n in (ended or {"(orsak)": None}).items():
        ws.append([f"{END} {reason}", n])
    recorded = {m.organisation.name: m.persons for m in record.municipalities} if record else {}
    for name in municipalities:
        ws.append([f"{MUNICIPALITY} {name}", recorded.get(name)])
    ws.column_dimensions["A"].width = 45
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _number(value: Any) -> Any:
    """A cell as the services take it: whole numbers as int, text as stripped text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text.lstrip("-").isdigit():
            return int(text)
        return value.strip()
    return value


def read_sheet(data: bytes) -> tuple[int | None, dict[str, Any]]:
    """(year, statistics object) from an uploaded sheet; 422 naming the cell of each problem."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("Filen är för stor."), {"file": _("Filen är för stor.")})
    try:
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (BadZipFile, KeyError, OSError, ValueError):
        message = _("Filen kunde inte läsas som en Excel-fil (.xlsx).")
        raise ValidationError(message, {"file": message}) from None
    names = {
        n.casefold(): i
        for n, i in db.session.execute(db.select(Organisation.name, Organisation.id)).all()
    }
    result: dict[str, Any] = {"contact_reasons": {}, "end_reasons": {}, "by_municipality": []}
    errors: list[str] = []
    year = None
    for row_number, row in enumerate(ws.iter_rows(min_row=2, max_col=2, values_only=True), 2):
        label, value = (row + (None, None))[:2]
        if label is None or not str(label).strip():
            continue
        label = str(label).strip()
        if value is None or value == "":
            continue  # an empty row of the template
        value = _number(value)
        if label in FIELDS:
            name = FIELDS[label]
            if name == "year":
                year = value if isinstance(value, int) else None
                if year is None:
                    errors.append(_("Rad %(row)s: året ska vara ett heltal.", row=row_number))
            else:
                result[name] = str(value) if name == "hours_per_week" else value
        elif label.startswith((CONTACT, END)):
            target = "contact_reasons" if label.startswith(CONTACT) else "end_reasons"
            reason = label.split(":", 1)[1].strip()
            result[target][reason] = value
        elif label.startswith(MUNICIPALITY):
            name = label.split(":", 1)[1].strip()
            org_id = names.get(name.casefold())
            if org_id is None:
                errors.append(
                    _("Rad %(row)s: kommunen ”%(name)s” finns inte.", row=row_number, name=name)
                )
            else:
                result["by_municipality"].append({"organisation_id": org_id, "persons": value})
        else:
            errors.append(_("Rad %(row)s: okänd uppgift ”%(label)s”.", row=row_number, label=label))
    if year is None and not errors:
        errors.append(_("Året saknas (raden ”År”)."))
    if errors:
        raise ValidationError(" ".join(errors), {"file": " ".join(errors)})
    return year, result
