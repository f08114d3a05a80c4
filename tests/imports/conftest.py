"""Fixtures for the import tests: spreadsheets built with openpyxl and CSV files in both
encodings, and the organisations and person the seed rows refer to."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook

from app.imports.columns import COLUMNS

SEED_003 = {
    "Diarienummer": "SOC 2020/0456",
    "Avtalstyp": "Verksamhetsuppdrag",
    "Rubrik": "Verksamhetsuppdrag Personligt ombud, Leanlink Råd och Stöd",
    "Startdatum": "2021-01-01",
    "Slutdatum": "",
    "Uppsägningstid (månader)": "12",
    "Skriftlig uppsägning": "ja",
    "Förlängning (månader)": "",
    "Högst antal förlängningar": "",
    "Därefter tills vidare": "nej",
    "Parter": "Linköpings kommun (beställare); Leanlink Råd och Stöd (utförare)",
    "Ansvarig (e-post)": "linda@example.se",
    "Årsarbetare": "6",
    "Ersättning (kr)": "4 107 597",
    "Prisnivå (år)": "2019",
    "Index": "OPI",
    "Första indexår": "2021",
}
SEED_000 = {
    "Diarienummer": "SOC 2020/0123",
    "Avtalstyp": "samverkansavtal",
    "Rubrik": "Personligt ombud, samverkansavtal med Åtvidabergs kommun",
    "Startdatum": "2008-01-01",
    "Slutdatum": "2010-12-31",
    "Uppsägningstid (månader)": "6",
    "Skriftlig uppsägning": "ja",
    "Förlängning (månader)": "24",
    "Högst antal förlängningar": "",
    "Därefter tills vidare": "nej",
    "Parter": "Linköpings kommun (huvudman); Åtvidabergs kommun (part)",
    "Ansvarig (e-post)": "linda@example.se",
    "Årsarbetare": "",
    "Ersättning (kr)": "",
    "Prisnivå (år)": "",
    "Index": "",
    "Första indexår": "",
}


def row(base: dict | None = None, **changes) -> dict:
    """A row as a dict by header; keyword names use the header with spaces as underscores
    is awkward, so changes are given as a dict through ``base``."""
    data = dict(base or SEED_003)
    data.update(changes)
    return data


def make_xlsx(rows: list[dict], header: list[str] | None = None, convert=None) -> bytes:
    """An .xlsx made by openpyxl; ``convert(header, value)`` may turn a text into a real cell
    value (a date, a number)."""
    header = list(header or COLUMNS)
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for data in rows:
        values = [data.get(h) for h in header]
        if convert is not None:
            values = [convert(h, v) for h, v in zip(header, values, strict=True)]
        ws.append([v if v != "" else None for v in values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def excel_cells(header: str, value):
    """Turn the text of a row into the cells Excel itself would hold: dates, numbers."""
    if value in (None, ""):
        return None
    if header in ("Startdatum", "Slutdatum"):
        return date.fromisoformat(value)
    if header in (
        "Uppsägningstid (månader)",
        "Förlängning (månader)",
        "Högst antal förlängningar",
        "Prisnivå (år)",
        "Första indexår",
    ):
        return int(value)
    if header == "Ersättning (kr)":
        return int(value.replace(" ", "").replace("\xa0", ""))
    if header == "Årsarbetare":
        return float(value.replace(",", "."))
    return value


def make_csv(
    rows: list[dict],
    encoding: str = "utf-8",
    delimiter: str = ";",
    bom: bool = False,
    header: list[str] | None = None,
) -> bytes:
    header = list(header or COLUMNS)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for data in rows:
        writer.writerow([data.get(h, "") for h in header])
    raw = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + raw) if bom else raw


@pytest.fixture
def register(factory, db):
    """What the seed rows refer to: Linköping, Leanlink (a company, so not created by name),
    Linda with her e-mail, and the OPI series."""
    from app.indexation.services import ensure_default_series

    ensure_default_series()
    orgs = {
        "linkoping": factory.organisation("Linköpings kommun", "kommun"),
        "leanlink": factory.organisation("Leanlink Råd och Stöd", "foretag"),
    }
    person = factory.person("Linda Ljungqvist", "linda@example.se")
    db.session.commit()
    return {"orgs": orgs, "person": person}
