"""The yearly overview as Excel (real numbers with a kronor number format) and as CSV for
Swedish Excel (semicolon separator, decimal comma, UTF-8 with BOM).

Both stream: the workbook is written by openpyxl's write-only mode (no cell objects kept, so
100 000 rows take megabytes, not a gigabyte) to a temporary file that the response sends in
chunks; the CSV is a generator of encoded chunks."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
        _("Statsbidrag enligt"),
        _("Nettokostnad"),
        _("Preliminärt"),
        _("Saknas"),
    ]


def check_exportable(overview: Overview) -> None:
    """Refuse an empty selection before any byte is sent."""
    if not overview.rows:
        raise ValidationError(
            _("Urvalet innehåller inga avtal; det finns inget att exportera. Ändra urvalet.")
        )


def _basis(result) -> str:
    """Which statsbidrag a row counts: Länsstyrelsen's decision, or the expected FTE × rate
    (DOMAIN, the yearly cycle: every page, and so every export, says which)."""
    if result.statsbidrag is None:
        return ""
    if result.statsbidrag_basis == "granted":
        return _("beslut")
    return _("förväntat")


def _rows(overview: Overview) -> Iterator[list]:
    check_exportable(overview)
    for row in overview.rows:
        a, r = row.agreement, row.result
        yield [
            a.id,
            a.title,
            str(KIND_LABELS.get(a.kind, a.kind)),
            overview.board_name(row),
            a.diarienummer or "",
            r.total,
            r.statsbidrag,
            _basis(r),
            r.net,
            _("ja") if r.preliminary else "",
            " ".join(m.message for m in r.missing),
        ]


_AMOUNT_FORMATS = {5: KRONOR_FORMAT, 6: ORE_FORMAT, 8: ORE_FORMAT}  # 0-based columns


def overview_xlsx_file(overview: Overview) -> IO[bytes]:
    """One sheet: a row per agreement, amounts as numbers in kronor (statsbidrag and net with
    öre), a sum row; written in write-only mode to a temporary file, returned at its start."""
    check_exportable(overview)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(overview.year))
    for col, width in zip(range(1, 12), (9, 48, 20, 30, 18, 16, 16, 14, 16, 12, 40), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def cells(values: list, font: Font | None = None) -> list:
        out = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=value)
            if i in _AMOUNT_FORMATS:
                cell.number_format = _AMOUNT_FORMATS[i]
            if font is not None and value is not None:
                cell.font = font
            out.append(cell)
        return out

    ws.append(cells(_headers(), bold))
    for values in _rows(overview):
        ws.append(cells(values))
    # The sum row holds values (not formulas) so that any reader sees the figures: the
    # overview's sums, over the agreements whose figures are all known (so that compensation
    # − statsbidrag = net holds on it as on every row).
    total_row = cells(
        [None, _("Summa (avtal med alla värden)"), None, None, None]
        + [overview.total, overview.statsbidrag, None, overview.net]
    )
    total_row[1].font = bold
    ws.append(total_row)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    wb.save(out)
    out.seek(0)
    return out


def file_chunks(f: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """The file's bytes in chunks for a streamed response; closes (and so deletes) it at the
    end, or when the client goes away."""
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()


def overview_xlsx(overview: Overview) -> bytes:
    with overview_xlsx_file(overview) as f:
        return f.read()


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return f"{v:.2f}".replace(".", ",")
    return str(v)


def overview_csv_chunks(overview: Overview) -> Iterator[bytes]:
    """The CSV as encoded chunks of a few hundred rows (BOM first), for a streamed response."""
    check_exportable(overview)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(_headers())
    for n, values in enumerate(_rows(overview), 1):
        writer.writerow([_csv_value(v) for v in values])
        if n % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def overview_csv(overview: Overview) -> bytes:
    return b"".join(overview_csv_chunks(overview))
