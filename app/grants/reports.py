"""The reports of the yearly cycle for a huvudman and a year: the yearly account to Länsstyrelsen
(statistics, persons per municipality, statsbidrag expected/granted/paid, compensation and net
cost per agreement and in total) and the grant application (each agreement's FTE, the rate, the
sum applied for), as data (for the page and the JSON), as Excel with real numbers, and as Word
from the restylable templates in contracts_templates/ (``arsredovisning.docx``,
``ansokan.docx``)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from docxtpl import DocxTemplate
from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Font

from app.core import clock
from app.core.errors import NotFoundError
from app.core.money import format_fte, format_sek, plain_decimal
from app.extensions import db
from app.finance import services as finance
from app.grants import services
from app.grants.amounts import grant_rates
from app.grants.models import GrantDecision, YearStatistics
from app.parties.models import Organisation

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "contracts_templates"
TOTAL_KEYS = (
    "fte",
    "statsbidrag_expected",
    "statsbidrag_granted",
    "statsbidrag_paid",
    "compensation",
    "net",
    "persons",
    "new_persons",
    "ended_persons",
)


@dataclass
class AccountRow:
    agreement_id: int
    title: str
    diarienummer: str | None
    fte: Decimal | None
    rate: Decimal | None
    statsbidrag_expected: Decimal | None
    statsbidrag_granted: Decimal | None
    statsbidrag_paid: Decimal | None
    decided_on: date | None
    decision_diarienummer: str | None
    compensation: Decimal | None
    #: compensation − the statsbidrag that counts (granted once recorded, else expected)
    net: Decimal | None
    basis: str
    persons: int | None
    new_persons: int | None
    ended_persons: int | None
    hours_per_week: Decimal | None
    by_municipality: dict[str, int] = field(default_factory=dict)
    contact_reasons: dict[str, int] = field(default_factory=dict)
    end_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class YearlyAccount:
    organisation: Organisation
    year: int
    rate: Decimal | None
    rows: list[AccountRow]
    totals: dict[str, Decimal | int | None]
    by_municipality: dict[str, int]


def sum_known(values: list) -> Decimal | int | None:
    """The sum of the known values; None when none is known (a report never guesses)."""
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def organisation(organisation_id: int | None) -> Organisation:
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if org is None:
        raise NotFoundError(f"Organisationen {organisation_id} finns inte.")
    return org


def yearly_account(
    organisation_id: int | None, year: int, as_of: date | None = None
) -> YearlyAccount:
    """The yearly account of the huvudman for ``year`` over its agreements running that year,
    their FTE and compensation as the agreements stood on ``as_of`` (default: today; an
    amendment taking effect later does not count yet)."""
    as_of = as_of or clock.today()
    org = organisation(organisation_id)
    services._check_year(year)
    agreements = services.huvudman_agreements(org.id, year)
    ids = [a.id for a in agreements]
    decisions = {
        d.agreement_id: d
        for d in db.session.execute(
            db.select(GrantDecision).where(
                GrantDecision.agreement_id.in_(ids or [0]), GrantDecision.year == year
            )
        ).scalars()
    }
    stats = {s.agreement_id: s for s in services_statistics(ids, year)}
    rate = grant_rates().get(year)
    rows = []
    by_municipality: dict[str, int] = {}
    for a in agreements:
        fte, expected = services.expected_for(a, year, as_of)
        figures = finance.compensation_years(a, year, year, as_of=as_of)[0]
        d = decisions.get(a.id)
        s = stats.get(a.id)
        municipalities = {m.organisation.name: m.persons for m in s.municipalities} if s else {}
        for name, n in municipalities.items():
            by_municipality[name] = by_municipality.get(name, 0) + n
        rows.append(
            AccountRow(
                agreement_id=a.id,
                title=a.title,
                diarienummer=a.diarienummer,
                fte=fte,
                rate=rate,
                statsbidrag_expected=expected,
                statsbidrag_granted=d.granted if d else None,
                statsbidrag_paid=d.paid if d else None,
                decided_on=d.decided_on if d else None,
                decision_diarienummer=d.diarienummer if d else None,
                compensation=figures.total,
                net=figures.net,
                basis=figures.statsbidrag_basis,
                persons=s.persons if s else None,
                new_persons=s.new_persons if s else None,
                ended_persons=s.ended_persons if s else None,
                hours_per_week=s.hours_per_week if s else None,
                by_municipality=municipalities,
                contact_reasons=dict(s.contact_reasons) if s else {},
                end_reasons=dict(s.end_reasons) if s else {},
            )
        )
    totals = {key: sum_known([getattr(r, key) for r in rows]) for key in TOTAL_KEYS}
    return YearlyAccount(org, year, rate, rows, totals, by_municipality)


def services_statistics(agreement_ids: list[int], year: int) -> list[YearStatistics]:
    if not agreement_ids:
        return []
    return list(
        db.session.execute(
            db.select(YearStatistics)
            .options(db.selectinload(YearStatistics.municipalities))
            .where(YearStatistics.agreement_id.in_(agreement_ids), YearStatistics.year == year)
        ).scalars()
    )


# --------------------------------------------------------------------------------------------
# JSON (API.md, "The yearly cycle")
# --------------------------------------------------------------------------------------------


def _str(value, places: int = 2) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return f"{value:.{places}f}"


def _fte(value: Decimal | None) -> str | None:
    """FTE as API.md writes it: "6.0", "1.5"."""
    if value is None:
        return None
    text = plain_decimal(value)
    return text if "." in text else text + ".0"


def account_json(account: YearlyAccount) -> dict:
    def row(values: dict) -> dict:
        return {
            "fte": _fte(values["fte"]),
            "statsbidrag_expected": _str(values["statsbidrag_expected"]),
            "statsbidrag_granted": _str(values["statsbidrag_granted"]),
            "statsbidrag_paid": _str(values["statsbidrag_paid"]),
            "compensation": _str(values["compensation"]),
            "net": _str(values["net"]),
            "persons": values["persons"],
            "new_persons": values["new_persons"],
            "ended_persons": values["ended_persons"],
        }

    return {
        "year": account.year,
        "organisation_id": account.organisation.id,
        "rate": _str(account.rate),
        "agreements": [
            {
                "agreement_id": r.agreement_id,
                "title": r.title,
                **row({k: getattr(r, k) for k in TOTAL_KEYS}),
                "statsbidrag_basis": r.basis,
                "by_municipality": [
                    {"name": name, "persons": n} for name, n in r.by_municipality.items()
                ],
            }
            for r in account.rows
        ],
        "totals": row(account.totals),
        "by_municipality": [{"name": k, "persons": v} for k, v in account.by_municipality.items()],
    }


def application_rows(account: YearlyAccount) -> list[AccountRow]:
    """The agreements the application applies for: those with årsarbetare in the year."""
    return [r for r in account.rows if r.fte]


def application_json(account: YearlyAccount) -> dict:
    rows = application_rows(account)
    return {
        "year": account.year,
        "organisation_id": account.organisation.id,
        "rate": _str(account.rate),
        "agreements": [
            {
                "agreement_id": r.agreement_id,
                "title": r.title,
                "fte": _fte(r.fte),
                "rate": _str(r.rate),
                "applied_for": _str(r.statsbidrag_expected),
            }
            for r in rows
        ],
        "totals": {
            "fte": _fte(sum_known([r.fte for r in rows])),
            "applied_for": _str(sum_known([r.statsbidrag_expected for r in rows])),
        },
    }


# --------------------------------------------------------------------------------------------
# Excel: real numbers, kronor formatted, one row per agreement and a total row
# --------------------------------------------------------------------------------------------

_KR = '# ##0" kr";-# ##0" kr"'
_FTE = "0.00"


def _sheet_table(ws, headers: list[str], rows: list[list], formats: list[str | None]) -> None:
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for values in rows:
        ws.append(list(values))
        for cell, fmt in zip(ws[ws.max_row], formats, strict=False):
            if fmt and cell.value is not None:
                cell.number_format = fmt
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(h) + 2)


def account_xlsx(account: YearlyAccount) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Redovisning {account.year}"
    ws.append([f"Redovisning av statsbidrag för personligt ombud {account.year}"])
    ws.append([account.organisation.name])
    ws.append([])
    headers = [
        "Avtal",
        "Årsarbetare",
        "Statsbidrag förväntat",
        "Statsbidrag beviljat",
        "Statsbidrag utbetalt",
        "Ersättning",
        "Nettokostnad",
        "Personer",
        "Nya personer",
        "Avslutade personer",
    ]
    formats = [None, _FTE, _KR, _KR, _KR, _KR, _KR, "0", "0", "0"]
    body = [
        [
            r.title,
            r.fte,
            r.statsbidrag_expected,
            r.statsbidrag_granted,
            r.statsbidrag_paid,
            r.compensation,
            r.net,
            r.persons,
            r.new_persons,
            r.ended_persons,
        ]
        for r in account.rows
    ]
    t = account.totals
    body.append(["Summa", *(t[k] for k in TOTAL_KEYS if k != "rate")])
    _sheet_table(ws, headers, body, formats)
    ws[f"A{ws.max_row}"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 50
    if account.by_municipality:
        ws2 = wb.create_sheet("Personer per kommun")
        _sheet_table(
            ws2,
            ["Kommun", "Personer"],
            [[k, v] for k, v in account.by_municipality.items()],
            [None, "0"],
        )
        ws2.column_dimensions["A"].width = 40
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def application_xlsx(account: YearlyAccount) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Ansökan {account.year}"
    ws.append([f"Ansökan om statsbidrag för personligt ombud {account.year}"])
    ws.append([account.organisation.name])
    ws.append([])
    rows = application_rows(account)
    body = [[r.title, r.fte, r.rate, r.statsbidrag_expected] for r in rows]
    body.append(
        [
            "Summa",
            sum_known([r.fte for r in rows]),
            account.rate,
            sum_known([r.statsbidrag_expected for r in rows]),
        ]
    )
    _sheet_table(
        ws,
        ["Avtal", "Årsarbetare", "Statsbidrag per årsarbetare", "Sökt belopp"],
        body,
        [None, _FTE, _KR, _KR],
    )
    ws[f"A{ws.max_row}"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 50
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Word: docxtpl templates staff may restyle
# --------------------------------------------------------------------------------------------


def _kr(value) -> str:
    return "–" if value is None else format_sek(value)


def _template(name: str) -> Path:
    custom = Path(current_app.instance_path) / "templates" / name
    return custom if custom.exists() else TEMPLATE_DIR / name


def _context(account: YearlyAccount) -> dict:
    t = account.totals
    return {
        "year": account.year,
        "previous_year": account.year - 1,
        "organisation": account.organisation.name,
        "rate": _kr(account.rate),
        "rows": [
            {
                "title": r.title,
                "fte": "–" if r.fte is None else format_fte(r.fte),
                "expected": _kr(r.statsbidrag_expected),
                "granted": _kr(r.statsbidrag_granted),
                "paid": _kr(r.statsbidrag_paid),
                "compensation": _kr(r.compensation),
                "net": _kr(r.net),
                "basis": "beviljat" if r.basis == "granted" else "förväntat",
                "persons": "–" if r.persons is None else r.persons,
                "new_persons": "–" if r.new_persons is None else r.new_persons,
                "ended_persons": "–" if r.ended_persons is None else r.ended_persons,
            }
            for r in account.rows
        ],
        "totals": {
            "fte": "–" if t["fte"] is None else format_fte(t["fte"]),
            "expected": _kr(t["statsbidrag_expected"]),
            "granted": _kr(t["statsbidrag_granted"]),
            "paid": _kr(t["statsbidrag_paid"]),
            "compensation": _kr(t["compensation"]),
            "net": _kr(t["net"]),
            "persons": "–" if t["persons"] is None else t["persons"],
            "new_persons": "–" if t["new_persons"] is None else t["new_persons"],
            "ended_persons": "–" if t["ended_persons"] is None else t["ended_persons"],
        },
        "municipalities": [{"name": k, "persons": v} for k, v in account.by_municipality.items()],
    }


def _render(name: str, account: YearlyAccount) -> bytes:
    doc = DocxTemplate(str(_template(name)))
    doc.render(_context(account), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def account_docx(account: YearlyAccount) -> bytes:
    return _render("arsredovisning.docx", account)


def application_docx(account: YearlyAccount) -> bytes:
    return _render("ansokan.docx", account)
