"""The import template and the export of the register, as .xlsx in the template's columns.

The export writes each agreement as the import reads it (real date cells, numbers as numbers,
the Swedish names of kinds and roles, ``ja``/``nej``), so an exported file imported again
changes nothing. It is written row by row with openpyxl's write-only mode, a few hundred
agreements at a time, so memory stays flat however large the register is.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.agreements.models import Agreement, Amendment
from app.demo import seeds
from app.extensions import db
from app.finance.models import CompensationItem
from app.imports import columns as col
from app.imports.services import compensation_cells
from app.indexation.models import IndexSeries

DATE_FORMAT = "yyyy-mm-dd"
#: Rows of the template that carry the drop-down lists.
TEMPLATE_ROWS = 5000
WIDTHS = {
    col.DIARIENUMMER: 18,
    col.KIND: 20,
    col.TITLE: 48,
    col.START: 13,
    col.END: 13,
    col.NOTICE: 14,
    col.WRITTEN: 12,
    col.EXTENSION: 14,
    col.MAX_EXTENSIONS: 14,
    col.OPEN_ENDED: 12,
    col.PARTIES: 60,
    col.RESPONSIBLE: 36,
    col.FTE: 12,
    col.AMOUNT: 16,
    col.PRICE_LEVEL: 12,
    col.INDEX: 10,
    col.FIRST_ADJUSTED: 12,
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# The explanation of each column (the template's second sheet). File-format documentation in
# Swedish, like the column names themselves.
EXPLANATIONS: dict[str, tuple[str, str]] = {
    col.DIARIENUMMER: (
        "Ärendets diarienummer. En rad vars diarienummer redan finns i registret ändrar det "
        "avtalet; annars blir raden ett nytt avtal. Utan diarienummer känns avtalet igen på "
        "rubriken.",
        "Fritext, t.ex. SO 2022/0229. Samma diarienummer får bara stå på en rad.",
    ),
    col.KIND: (
        "Avtalstyp.",
        "Verksamhetsuppdrag, Samverkansavtal, Överenskommelse, IOP eller Upphandlat avtal "
        "(eller koden: verksamhetsuppdrag, samverkansavtal, overenskommelse, iop, "
        "upphandlat_avtal). Stora och små bokstäver spelar ingen roll.",
    ),
    col.TITLE: ("Avtalets rubrik.", "Fritext, högst 300 tecken. Krävs."),
    col.START: ("Dagen avtalet börjar gälla.", "ÅÅÅÅ-MM-DD som text, eller en datumcell."),
    col.END: (
        "Sista dagen i första avtalsperioden.",
        "ÅÅÅÅ-MM-DD eller datumcell. Tom = tills vidare.",
    ),
    col.NOTICE: (
        "Uppsägningstiden.",
        "Antal månader (12). Uppsägningstid i dagar skrivs ”90 dagar”.",
    ),
    col.WRITTEN: ("Måste uppsägningen vara skriftlig?", "ja eller nej. Tom = nej."),
    col.EXTENSION: (
        "Automatisk förlängning om avtalet inte sägs upp.",
        "Antal månader per förlängning (24). Tom = ingen förlängning.",
    ),
    col.MAX_EXTENSIONS: (
        "Hur många gånger avtalet högst förlängs.",
        "Heltal. Tom = utan tak.",
    ),
    col.OPEN_ENDED: (
        "Gäller avtalet tills vidare efter slutdatum (utan förlängningar)?",
        "ja eller nej. Tom = nej.",
    ),
    col.PARTIES: (
        "Avtalets parter med roll. En organisation som inte finns läggs till om det går att "
        "se av namnet vad den är (… kommun, Region …, Samordningsförbundet …, … förening, "
        "Stiftelsen …); annars läggs den till under Organisationer först.",
        "Namn (roll); Namn (roll). Roller: beställare, utförare, part, huvudman, finansiär.",
    ),
    col.RESPONSIBLE: (
        "Ansvarig tjänsteperson, som får påminnelserna.",
        "E-postadressen till en person som finns under Personer. Tom = ingen.",
    ),
    col.FTE: ("Årsarbetare (för statsbidraget).", "Tal, t.ex. 6 eller 2,5. Tom = inga."),
    col.AMOUNT: (
        "Årlig ersättning i prisnivåårets priser. Importen håller en ersättningsrad per avtal; "
        "fler rader (t.ex. lokalkostnad) läggs till på avtalets sida.",
        "Kronor: 4107597, 4 107 597 eller 4107597,00. Tom = ersättningen ändras inte.",
    ),
    col.PRICE_LEVEL: (
        "Året vars priser ersättningen är angiven i.",
        "Årtal. Krävs när ersättning anges.",
    ),
    col.INDEX: (
        "Indexserien ersättningen räknas upp med.",
        "Seriens kod, t.ex. OPI. Tom = fast belopp.",
    ),
    col.FIRST_ADJUSTED: (
        "Första året ersättningen räknas upp.",
        "Årtal efter prisnivååret. Tom = året efter prisnivååret.",
    ),
}


def _seed(number: str) -> dict[str, Any]:
    return next(spec for spec in seeds.AGREEMENTS if spec["seed"] == number)


def _email(name: str | None) -> str | None:
    person = next((p for p in seeds.PEOPLE if p["name"] == name), None)
    return person["email"] if person else None


def example_rows() -> list[list[Any]]:
    """Seed 003 (Leanlink's verksamhetsuppdrag) and seed 000 (the samverkansavtal with
    Åtvidaberg) as template rows, taken from the demo data."""
    rows = []
    for number, money in (
        # Seed 003, 1.2 ERSÄTTNING: 4 107 597 kr for 6 årsarbetare in 2019 prices, OPI from 2021.
        ("003", (4107597, 2019, "OPI", 2021)),
        ("000", (None, None, None, None)),
    ):
        spec = _seed(number)
        rows.append(
            [
                spec.get("diarienummer"),
                col.KIND_NAMES[spec["kind"]],
                spec["title"],
                spec["start_date"],
                spec["end_date"],
                spec["notice_period_months"],
                "ja" if spec.get("notice_must_be_written") else "nej",
                spec.get("extension_months"),
                spec.get("max_extensions"),
                "ja" if spec.get("continues_open_ended") else "nej",
                "; ".join(f"{name} ({col.ROLE_NAMES[role]})" for name, role in spec["parties"]),
                _email(spec.get("responsible")),
                spec.get("fte"),
                *money,
            ]
        )
    return rows


def _style_header(ws) -> None:
    for index, name in enumerate(col.COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS[name]


def _letter(name: str) -> str:
    return get_column_letter(col.COLUMNS.index(name) + 1)


def template_workbook(out: IO[bytes]) -> None:
    """Write the import template: the sheet to fill in, with drop-down lists for the kind and
    the yes/no cells, and a second sheet explaining each column with seeds 003 and 000."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Avtal"
    ws.append(list(col.COLUMNS))
    _style_header(ws)
    ws.freeze_panes = "A2"
    last = TEMPLATE_ROWS + 1
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(col.KIND_NAMES.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Avtalstyp",
        error="Välj en avtalstyp i listan.",
    )
    kinds.add(f"{_letter(col.KIND)}2:{_letter(col.KIND)}{last}")
    ws.add_data_validation(kinds)
    yes_no = DataValidation(
        type="list",
        formula1='"ja,nej"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="ja eller nej",
        error="Skriv ja eller nej.",
    )
    for name in col.YES_NO_COLUMNS:
        yes_no.add(f"{_letter(name)}2:{_letter(name)}{last}")
    ws.add_data_validation(yes_no)
    for name in col.DATE_COLUMNS:
        ws.column_dimensions[_letter(name)].number_format = DATE_FORMAT

    help_ws = wb.create_sheet("Förklaring")
    examples = example_rows()
    help_ws.append(
        [
            "Kolumn",
            "Vad den betyder",
            "Så skrivs den",
            "Exempel: verksamhetsuppdrag Leanlink (seed 003)",
            "Exempel: samverkansavtal med Åtvidaberg (seed 000)",
        ]
    )
    for index, name in enumerate(col.COLUMNS):
        what, how = EXPLANATIONS[name]
        help_ws.append([name, what, how, examples[0][index], examples[1][index]])
    for row in help_ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    for cell in help_ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for letter, width in zip("ABCDE", (26, 60, 60, 40, 40), strict=True):
        help_ws.column_dimensions[letter].width = width
    help_ws.append([])
    help_ws.append(["Exempelraderna i bladet Avtals form (kan kopieras dit):"])
    help_ws.cell(row=help_ws.max_row, column=1).font = HEADER_FONT
    help_ws.append(list(col.COLUMNS))
    for cell in help_ws[help_ws.max_row]:
        cell.font = HEADER_FONT
    for example in examples:
        help_ws.append(example)
        for cell in help_ws[help_ws.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    wb.save(out)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _cell(ws, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value()
        cell = WriteOnlyCell(ws, value=int(value) if whole else value)
        return cell
    return value


def _money_cell(ws, value: Decimal) -> Any:
    whole = value == value.to_integral_value()
    cell = WriteOnlyCell(ws, value=int(value) if whole else value)
    cell.number_format = "#,##0" if whole else "#,##0.00"
    return cell


def agreement_cells(
    agreement: Agreement, items: list[CompensationItem], series_codes: dict[int, str]
) -> list[Any]:
    """One agreement as the template's row of values (plain Python values)."""
    if agreement.notice_period_days is not None:
        notice: Any = f"{agreement.notice_period_days} dagar"
    else:
        notice = agreement.notice_period_months
    person = agreement.responsible_person
    money = compensation_cells(items, series_codes) or {}
    return [
        agreement.diarienummer,
        col.KIND_NAMES.get(agreement.kind, agreement.kind),
        agreement.title,
        agreement.start_date,
        agreement.end_date,
        notice,
        "ja" if agreement.notice_must_be_written else "nej",
        agreement.extension_months,
        agreement.max_extensions,
        "ja" if agreement.continues_open_ended else "nej",
        "; ".join(
            f"{p.organisation.name} ({col.ROLE_NAMES.get(p.role, p.role)})"
            for p in agreement.parties
        ),
        (person.email or person.name) if person else None,
        agreement.fte,
        money.get("amount"),
        money.get("price_level_year"),
        money.get("index_series"),
        money.get("first_adjusted_year"),
    ]


#: The export's second sheet: every compensation line as it is held, so that leaving the
#: product loses no amount (the first sheet's one Ersättning cell stays empty for an agreement
#: whose lines differ in price level, index or year). The import reads the first sheet only.
LINE_COLUMNS = (
    ("Diarienummer", 18),
    ("Rubrik", 48),
    ("Rad", 30),
    ("Belopp (kr)", 16),
    ("Prisnivå (år)", 12),
    ("Index", 10),
    ("Första indexår", 12),
    ("Avrundning", 12),
    ("Gäller från år", 12),
    ("Årsarbetare", 12),
    ("Tilläggsavtal", 14),
)
ROUNDING_NAMES = {"final": "slutlig", "yearly": "varje år"}


def _header(ws, names: Iterable[str]) -> list:
    header = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    return header


def _line_row(
    ws, agreement: Agreement, item: CompensationItem, series_codes: dict[int, str], amended
) -> list:
    return [
        agreement.diarienummer,
        agreement.title,
        item.label,
        _money_cell(ws, item.amount),
        item.price_level_year,
        series_codes.get(item.series_id) if item.series_id else None,
        item.first_adjusted_year,
        ROUNDING_NAMES.get(item.rounding, item.rounding),
        item.valid_from_year,
        _cell(ws, item.fte_basis),
        _cell(ws, amended.get(item.amendment_id)),
    ]


def export_workbook(stmt, out: IO[bytes], chunk: int = 500) -> int:
    """Write the agreements ``stmt`` selects (the list's query, with its filters) to ``out``
    in the template's columns, row by row, and every compensation line of theirs on a second
    sheet; returns how many agreements were written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Avtal")
    lines_ws = wb.create_sheet("Ersättningsrader")
    for i, (_name, width) in enumerate(LINE_COLUMNS, start=1):
        lines_ws.column_dimensions[get_column_letter(i)].width = width
    lines_ws.append(_header(lines_ws, tuple(name for name, _w in LINE_COLUMNS)))
    for name in col.COLUMNS:
        ws.column_dimensions[get_column_letter(col.COLUMNS.index(name) + 1)].width = WIDTHS[name]
    ws.append(_header(ws, col.COLUMNS))
    series_codes = dict(db.session.execute(db.select(IndexSeries.id, IndexSeries.code)).all())
    amount_at = col.COLUMNS.index(col.AMOUNT)
    count = 0
    result = db.session.execute(stmt.execution_options(yield_per=chunk))
    for partition in result.scalars().partitions():
        ids = [a.id for a in partition]
        items: dict[int, list[CompensationItem]] = defaultdict(list)
        for item in db.session.execute(
            db.select(CompensationItem)
            .where(CompensationItem.agreement_id.in_(ids))
            .order_by(CompensationItem.position, CompensationItem.id)
        ).scalars():
            items[item.agreement_id].append(item)
        amended = dict(
            db.session.execute(
                db.select(Amendment.id, Amendment.effective_date).where(
                    Amendment.agreement_id.in_(ids)
                )
            ).all()
        )
        for agreement in partition:
            values = agreement_cells(agreement, items[agreement.id], series_codes)
            row = [_cell(ws, v) for v in values]
            if values[amount_at] is not None:
                row[amount_at] = _money_cell(ws, values[amount_at])
            ws.append(row)
            for item in items[agreement.id]:
                lines_ws.append(_line_row(lines_ws, agreement, item, series_codes, amended))
            count += 1
    wb.save(out)
    return count


def export_chunks(stmt, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The export as a stream of bytes for a response: written first to a temporary file (on
    disk beyond a few MB, since a zip is only complete once written), then sent in chunks;
    the file goes away however the response ends."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        export_workbook(stmt, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return _chunks(out, chunk_size)


def _chunks(out: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    try:
        while chunk := out.read(chunk_size):
            yield chunk
    finally:
        out.close()
