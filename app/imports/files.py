"""Reading an uploaded register into rows of raw cells: .xlsx through openpyxl (real Excel
dates and numbers come through as such; formula cells and merged cells are refused), and .csv
in UTF-8 (with or without BOM) or Windows-1252, separated by ``;`` or ``,`` (sniffed).

No database and no rules here: :func:`read_sheet` turns bytes into a :class:`Sheet` or raises
:class:`UnreadableFile` with a message saying why the file is not a register at all.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

#: More uncompressed sheet XML than this is not a register of agreements (a zip bomb, say).
MAX_SHEET_XML_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class CellError:
    """A message about a cell (``row`` as the spreadsheet numbers it, the header being 1;
    ``column`` the header), a row (``column`` None) or the whole file (both None)."""

    row: int | None
    column: str | None
    message: str

    def as_text(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("Rad %(row)s: %(message)s", row=self.row, message=self.message)
        return _(
            "Rad %(row)s, %(column)s: %(message)s",
            row=self.row,
            column=self.column,
            message=self.message,
        )

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class UnreadableFile(Exception):
    """The file is not a register that can be read at all (not a spreadsheet, empty …)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The first worksheet: its header cells and its data rows (number, cells), blank rows
    left out. ``errors`` are cells that cannot be read at all (formulas, merged cells)."""

    header: list[Any]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    kind: str = "xlsx"


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def read_sheet(data: bytes, filename: str, max_rows: int) -> Sheet:
    """Read ``data`` (the uploaded file) as .xlsx or .csv; more than ``max_rows`` data rows is
    refused as a whole (:class:`UnreadableFile`)."""
    if not data or not data.strip():
        raise UnreadableFile(_("Filen är tom."))
    if data[:4] == b"PK\x03\x04":
        sheet = _read_xlsx(data, max_rows)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            _(
                "Filen är en äldre Excel-fil (.xls). Spara den som Excel-arbetsbok (.xlsx) "
                "eller CSV och försök igen."
            )
        )
    else:
        sheet = _read_csv(data, filename, max_rows)
    if all(is_blank(h) for h in sheet.header) and not sheet.rows:
        raise UnreadableFile(_("Filen är tom."))
    return sheet


def _too_many(count: int, max_rows: int) -> UnreadableFile:
    return UnreadableFile(
        _(
            "Filen har %(count)s rader med avtal; högst %(max)s läses in åt gången. Dela upp "
            "filen och läs in delarna var för sig.",
            count=count,
            max=max_rows,
        )
    )


def _not_xlsx() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Filen kunde inte läsas som Excel-arbetsbok (.xlsx). Ladda upp mallen ifylld, en "
            ".xlsx-fil eller en CSV-fil."
        )
    )


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet_bytes = sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/")
            )
    except zipfile.BadZipFile:
        raise _not_xlsx() from None
    if sheet_bytes > MAX_SHEET_XML_BYTES:
        raise UnreadableFile(_("Filen är för stor för att vara ett avtalsregister."))
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it drops (extensions, styles): harmless.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), data_only=False, rich_text=False)
    except Exception:  # openpyxl raises many kinds for a file that is no workbook
        raise _not_xlsx() from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile(_("Filen är tom."))
        ws = workbook.worksheets[0]
        if ws.max_row - 1 > max_rows * 2:  # far too many even if some are blank
            raise _too_many(ws.max_row - 1, max_rows)
        grid = list(ws.iter_rows())
        if not grid:
            raise UnreadableFile(_("Filen är tom."))
        header = [c.value for c in grid[0]]
        sheet = Sheet(header=header, kind="xlsx")

        def column_name(index: int) -> str:
            text = header[index] if index < len(header) else None
            return str(text).strip() if not is_blank(text) else get_column_letter(index + 1)

        for merged in ws.merged_cells.ranges:
            sheet.errors.append(
                CellError(
                    merged.min_row,
                    column_name(merged.min_col - 1),
                    _(
                        "Cellerna %(range)s är sammanfogade. Dela upp dem (Excel: Start, "
                        "Sammanfoga och centrera, Dela upp celler) så att varje avtal står på "
                        "en egen rad.",
                        range=merged.coord,
                    ),
                )
            )
        for row in grid[1:]:
            values = []
            for index, cell in enumerate(row):
                if cell.data_type == "f":
                    sheet.errors.append(
                        CellError(
                            cell.row,
                            column_name(index),
                            _(
                                "cellen innehåller en formel (%(formula)s). Kopiera och klistra "
                                "in värdet i stället.",
                                formula=str(cell.value)[:60],
                            ),
                        )
                    )
                    values.append(None)
                else:
                    values.append(cell.value)
            if all(is_blank(v) for v in values):
                continue
            sheet.rows.append((row[0].row, values))
        if len(sheet.rows) > max_rows:
            raise _too_many(len(sheet.rows), max_rows)
        return sheet
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(_not_a_sheet_message()) from None


def _not_a_sheet_message() -> str:
    return _(
        "Filen är varken en Excel-arbetsbok (.xlsx) eller en CSV-fil. Ladda upp mallen "
        "ifylld, eller spara registret som .xlsx eller CSV."
    )


def _read_csv(data: bytes, filename: str, max_rows: int) -> Sheet:
    if b"\x00" in data[:4096]:
        raise UnreadableFile(_not_a_sheet_message())
    text = _decode(data)
    lines = text.splitlines()
    first = lines[0] if lines else ""
    skip_first = False
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]  # Excel's own hint line: "sep=;"
        skip_first = True
    else:
        delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
        if ";" not in first and "," not in first and "\t" in first:
            delimiter = "\t"
    stream = io.StringIO(text, newline="")
    if skip_first:
        stream.readline()
    try:
        records = list(csv.reader(stream, delimiter=delimiter))
    except csv.Error:
        raise UnreadableFile(_not_a_sheet_message()) from None
    if not records:
        raise UnreadableFile(_("Filen är tom."))
    sheet = Sheet(header=list(records[0]), kind="csv")
    # Excel hides its "sep=;" line, so the header is row 1 either way.
    for number, record in enumerate(records[1:], start=2):
        if all(is_blank(v) for v in record):
            continue
        sheet.rows.append((number, list(record)))
    if len(sheet.rows) > max_rows:
        raise _too_many(len(sheet.rows), max_rows)
    return sheet
