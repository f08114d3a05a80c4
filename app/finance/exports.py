"""The yearly overview as Excel (real numbers with a kronor number format) and as CSV for
Swedish Excel (semicolon separator, decimal comma, UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.agreements.forms import KIND_LABELS
from app.core.errors import ValidationError
from app.finance.services import Overview

# Excel format codes: "," is the grouping mark (shown as a space in Swedish Excel), and the
# locale's decimal sign replaces ".".
KRONOR_FORMAT = '#,##0 "kr"'
ORE_FORMAT = '#,##0.00 "kr"'
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headers() -> list[str]:
    return [
        _("Avtal-id"),
        _("Avtal"),
        _("Avtalstyp"),
        _("Nämnd"),
        _("Diarienummer"),
        _("Ersättning"),
        _("Statsbidrag"),
        _("Nettokostnad"),
        _("Preliminärt"),
        _("Saknas"),
    ]


def _rows(overview: Overview) -> list[list]:
    if not overview.rows:
        raise ValidationError(
            _("Urvalet innehåller inga avtal; det finns inget att exportera. Ändra urvalet.")
        )
    rows = []
    for row in overview.rows:
        a, r = row.agreement, row.result
        rows.append(
            [
                a.id,
                a.title,
                str(KIND_LABELS.get(a.kind, a.kind)),
                overview.board_name(row),
                a.diarienummer or "",
                r.total,
                r.statsbidrag,
                r.net,
                _("ja") if r.preliminary else "",
                " ".join(m.message for m in r.missing),
            ]
        )
    return rows


def overview_xlsx(overview: Overview) -> bytes:
    """One sheet: a row per agreement, amounts as numbers in kronor (statsbidrag and net with
    öre), a sum row."""
    rows = _rows(overview)
    wb = Workbook()
    ws = wb.active
    ws.title = str(overview.year)
    ws.append(_headers())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in rows:
        ws.append(values)
    # The sum row holds values (not formulas) so that any reader sees the figures: the
    # overview's sums, over the agreements whose figures are all known (so that compensation
    # − statsbidrag = net holds on it as on every row).
    ws.append(
        [None, _("Summa (avtal med alla värden)"), None, None, None]
        + [overview.total, overview.statsbidrag, overview.net]
    )
    ws.cell(row=ws.max_row, column=2).font = Font(bold=True)
    for col, number_format in ((6, KRONOR_FORMAT), (7, ORE_FORMAT), (8, ORE_FORMAT)):
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=col).number_format = number_format
    for col, width in zip(range(1, 11), (9, 48, 20, 30, 18, 16, 16, 16, 12, 40), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return f"{v:.2f}".replace(".", ",")
    return str(v)


def overview_csv(overview: Overview) -> bytes:
    rows = _rows(overview)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_headers())
    for values in rows:
        writer.writerow([_csv_value(v) for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
