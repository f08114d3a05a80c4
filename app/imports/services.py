"""Importing a municipality's register of agreements from a spreadsheet, all or nothing.

Two layers:

- **Cell parsers** (``parse_*``): pure functions from one raw cell (text from a CSV, or the
  int/float/datetime/bool openpyxl gives for an .xlsx cell) to a value, raising
  :class:`CellValueError` with a Swedish message. No database, no clock.
- **The import** (:func:`import_agreements`): reads the file (:mod:`app.imports.files`),
  parses every row, resolves organisations (by name, case-insensitively, ignoring extra spaces;
  created when the kind can be read from the name), people (by e-mail) and agreements (by
  diarienummer, or by title for agreements without one), and hands each row to the agreement
  and finance services, so every rule of DOMAIN.md applies exactly as in the form and the
  API, with their messages. Any error, or a dry run, rolls the whole transaction back: nothing
  is written. Otherwise the work is flushed and the caller commits once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from app.agreements import services as agreements
from app.agreements.models import AGREEMENT_KINDS, Agreement
from app.core.bulk import collector_paused
from app.core.dates import date_out_of_range
from app.core.errors import DomainError, ValidationError
from app.core.money import parse_amount
from app.extensions import db
from app.finance import services as finance
from app.finance.models import CompensationItem
from app.imports import columns as col
from app.imports.files import CellError, UnreadableFile, is_blank, read_sheet
from app.indexation.models import IndexSeries
from app.parties import services as parties
from app.parties.models import Organisation, Person

DEFAULT_MAX_ROWS = 5000
#: How many objects of finished rows the session holds before they are flushed and let go.
LET_GO_EVERY = 200
#: The label of a compensation line the import creates.
NEW_LINE_LABEL = "Ersättning"


class CellValueError(ValueError):
    """A cell that cannot be read as what its column holds; ``str()`` is the Swedish message."""


# --------------------------------------------------------------------------------------------
# Cell parsers (pure)
# --------------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_text(value: Any) -> str | None:
    """A text cell, trimmed; a number cell as its digits (a diarienummer typed as 2018)."""
    if is_blank(value):
        return None
    text = _shown(value) if isinstance(value, int | float) else str(value).strip()
    return text or None


def normalise_name(text: str) -> str:
    """How names and keys are compared: case-insensitive, extra spaces ignored."""
    return " ".join(text.split()).casefold()


_ISO_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` text or a real Excel date (a datetime at midnight); empty is None."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellValueError(
                _("%(value)s har ett klockslag; ange bara datumet.", value=value.isoformat(" "))
            )
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, time):
        # Excel's serial 0 (and the days it cannot hold before 1900) read as a time of day.
        raise CellValueError(
            _("%(value)s är ett klockslag, inget datum (skriv ÅÅÅÅ-MM-DD).", value=value)
        )
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        match = _ISO_TEXT.fullmatch(text)
        try:
            if not match:
                raise ValueError
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CellValueError(
                _("%(value)s är inget datum (skriv ÅÅÅÅ-MM-DD).", value=text)
            ) from None
    else:
        raise CellValueError(
            _(
                "%(value)s är inget datum (skriv ÅÅÅÅ-MM-DD, eller formatera cellen som datum).",
                value=_shown(value),
            )
        )
    if message := date_out_of_range(day):
        raise CellValueError(message)
    return day


def parse_int(value: Any) -> int | None:
    """A whole number: a number cell, or digits as text; empty is None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellValueError(_("%(value)s är inget heltal.", value=value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellValueError(_("%(value)s är inget heltal.", value=value))
        number = int(value)
    else:
        text = "".join(str(value).split())
        if not text:
            return None
        if not re.fullmatch(r"[+-]?\d+", text):
            raise CellValueError(_("%(value)s är inget heltal.", value=str(value).strip()))
        number = int(text)
    if abs(number) > 2**31 - 1:
        raise CellValueError(_("%(value)s är orimligt stort.", value=number))
    return number


_NOTICE_TEXT = re.compile(
    r"(?P<n>[+-]?\d+)\s*(?P<unit>dagar|dag|d|månader|månad|mån|mån\.|m)?\.?", re.IGNORECASE
)


def parse_notice(value: Any) -> tuple[int | None, int | None]:
    """(months, days): ``12`` or ``12 månader`` is months, ``90 dagar`` days; empty is none."""
    if is_blank(value) or isinstance(value, int | float):
        return parse_int(value), None
    text = str(value).strip()
    if not text:
        return None, None
    match = _NOTICE_TEXT.fullmatch(text)
    if not match:
        raise CellValueError(
            _(
                "%(value)s är ingen uppsägningstid; skriv antal månader (12) eller dagar "
                "(90 dagar).",
                value=text,
            )
        )
    number = parse_int(match["n"])
    unit = (match["unit"] or "").lower()
    if unit.startswith("d"):
        return None, number
    return number, None


def parse_yes_no(value: Any) -> bool:
    """``ja`` / ``nej`` in any case (or an Excel TRUE/FALSE cell); empty is nej."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("ja", "j"):
        return True
    if text in ("nej", "n", ""):
        return False
    raise CellValueError(_("%(value)s är varken ja eller nej.", value=_shown(value)))


def _kind_codes() -> dict[str, str]:
    codes = {code: code for code in AGREEMENT_KINDS}
    codes.update({normalise_name(name): code for code, name in col.KIND_NAMES.items()})
    codes.update(col.KIND_ALIASES)
    return codes


def parse_kind(value: Any) -> str:
    """An agreement kind by its code (``iop``) or Swedish name (``Överenskommelse``), any case."""
    text = parse_text(value)
    if text is None:
        raise CellValueError(_("Ange avtalstyp."))
    code = _kind_codes().get(normalise_name(text))
    if code is None:
        raise CellValueError(
            _(
                "%(value)s är ingen avtalstyp. Skriv en av: %(kinds)s.",
                value=text,
                kinds=", ".join(col.KIND_NAMES.values()),
            )
        )
    return code


def parse_decimal(value: Any) -> Decimal | None:
    """A decimal number such as FTE: ``2,5``, ``2.5`` or a number cell; empty is None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellValueError(_("%(value)s är inget tal.", value=value))
    if isinstance(value, int):
        return Decimal(value)
    text = repr(value) if isinstance(value, float) else "".join(str(value).split())
    if not text:
        return None
    try:
        number = Decimal(text.replace(",", "."))
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise CellValueError(_("%(value)s är inget tal.", value=str(value).strip())) from None
    return number


def parse_money(value: Any) -> Decimal | None:
    """An amount in kronor: ``4107597``, ``4 107 597`` (also no-break spaces), ``4107597,00``
    or a number cell; empty is None. :func:`app.core.money.parse_amount` has the last word."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellValueError(_("%(value)s är inget belopp.", value=value))
    try:
        if isinstance(value, float):
            return parse_amount(Decimal(repr(value)))
        if isinstance(value, int):
            return parse_amount(value)
        text = str(value).strip()
        return parse_amount(text) if text else None
    except ValueError as exc:
        raise CellValueError(str(exc)) from None


_ROLE_CODES = {
    **{code: code for code in col.ROLE_NAMES},
    **{name: code for code, name in col.ROLE_NAMES.items()},
}
_PARTY = re.compile(r"(?P<name>.*?)\s*(?:\((?P<role>[^()]*)\))?\s*")


def parse_parties(value: Any) -> list[tuple[str, str]]:
    """``Linköpings kommun (beställare); Leanlink Råd och Stöd (utförare)`` →
    [(name, role code)]; a name without a role is a ``part``. Empty is no parties."""
    text = parse_text(value)
    if text is None:
        return []
    found = []
    for piece in re.split(r"[;\n]", text):
        if not piece.strip():
            continue
        match = _PARTY.fullmatch(piece.strip())
        name = " ".join((match["name"] if match else piece).split())
        raw_role = (match["role"] if match else None) or "part"
        role = _ROLE_CODES.get(normalise_name(raw_role))
        if not name:
            raise CellValueError(_("%(piece)s saknar organisationens namn.", piece=piece.strip()))
        if role is None:
            raise CellValueError(
                _(
                    "%(role)s är ingen roll. Skriv en av: %(roles)s.",
                    role=raw_role.strip(),
                    roles=", ".join(col.ROLE_NAMES.values()),
                )
            )
        found.append((name, role))
    return found


def kind_from_name(name: str) -> str | None:
    """The organisation kind a name gives away (``Åtvidabergs kommun`` → kommun), else None."""
    words = name.casefold().split()
    if not words:
        return None
    if words[-1] == "kommun":
        return "kommun"
    if words[0] == "region" and len(words) > 1:
        return "region"
    if words[0] == "samordningsförbundet" and len(words) > 1:
        return "samordningsforbund"
    if words[-1].endswith(("förening", "föreningen")) or words[0] == "föreningen":
        return "forening"
    if words[0] == "stiftelsen" and len(words) > 1:
        return "stiftelse"
    return None


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


@dataclass
class RowInput:
    """One row, its cells read: what it says about the agreement, before any lookup."""

    number: int
    values: dict[str, Any]
    parties: list[tuple[str, str]]
    responsible: str | None
    compensation: dict[str, Any] | None
    #: False when a cell could not be read: the row's lookups (parties, person, index) are
    #: still checked, so that every bad cell is named, but nothing is made of it.
    readable: bool = True
    index_code: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        dnr = self.values.get("diarienummer")
        if dnr:
            return ("dnr", normalise_name(dnr))
        return ("title", normalise_name(self.values.get("title") or ""))


@dataclass
class RowOutcome:
    """What became (or would become) of a row, with the dates computed as of the import."""

    row: int
    action: str  # created | updated | unchanged
    title: str
    diarienummer: str | None
    agreement_id: int | None = None
    changed: list[str] = field(default_factory=list)
    current_period_start: date | None = None
    current_period_end: date | None = None
    last_notice_date: date | None = None
    last_notice_business_day: date | None = None

    def as_json(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "row": self.row,
            "action": self.action,
            "agreement_id": self.agreement_id,
            "title": self.title,
            "diarienummer": self.diarienummer,
            "changed": self.changed,
            "dates": {
                "current_period_start": iso(self.current_period_start),
                "current_period_end": iso(self.current_period_end),
                "last_notice_date": iso(self.last_notice_date),
                "last_notice_business_day": iso(self.last_notice_business_day),
            },
        }


@dataclass
class ImportReport:
    """The answer of an import: counts, every error, and each row's outcome."""

    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and bool(self.created or self.updated)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_json() for e in self.errors],
            "dry_run": self.dry_run,
            "rows": [r.as_json() for r in self.rows],
            "organisations_created": self.organisations_created,
        }

    def lines(self) -> list[str]:
        """The report as text lines (the CLI prints these)."""
        out = [f"{e.as_text()}" for e in self.errors]
        for r in self.rows:
            out.append(f"Rad {r.row}: {_action_word(r.action)} {r.title}")
        return out


def _action_word(action: str) -> str:
    return {"created": _("ny"), "updated": _("ändras"), "unchanged": _("oförändrad")}[action]


def _header_columns(header: list[Any], errors: list[CellError]) -> dict[str, int]:
    """column name → index in the row; missing, unknown and repeated headers are errors."""
    known = {col.normalise_header(c): c for c in col.COLUMNS}
    found: dict[str, int] = {}
    unknown = []
    for index, raw in enumerate(header):
        if is_blank(raw) or not str(raw).strip():
            continue
        name = known.get(col.normalise_header(str(raw)))
        if name is None:
            unknown.append(str(raw).strip())
        elif name in found:
            errors.append(CellError(1, name, _("Rubriken står två gånger.")))
        else:
            found[name] = index
    missing = [c for c in col.COLUMNS if c not in found]
    if missing:
        errors.append(
            CellError(
                1,
                None,
                _("Rubriker saknas: %(names)s.", names=", ".join(missing)),
            )
        )
    if unknown:
        errors.append(
            CellError(
                1,
                None,
                _(
                    "Okända rubriker: %(names)s. Mallens rubriker är: %(known)s.",
                    names=", ".join(unknown),
                    known=", ".join(col.COLUMNS),
                ),
            )
        )
    return found


def _read_row(
    number: int, cells: list[Any], index: dict[str, int], errors: list[CellError]
) -> RowInput | None:
    """Parse one row's cells; appends an error per unreadable cell and returns None then."""
    raw = {name: (cells[i] if i < len(cells) else None) for name, i in index.items()}
    extra = [c for i, c in enumerate(cells) if i not in index.values() and not is_blank(c)]
    if not extra and all(
        is_blank(v) or (isinstance(v, str) and not v.strip()) for v in raw.values()
    ):
        errors.append(
            CellError(
                number, None, _("raden innehåller bara blanksteg. Ta bort raden eller fyll i den.")
            )
        )
        return None
    if extra:
        errors.append(CellError(number, None, _("raden har värden i en kolumn utan rubrik.")))
    before = len(errors)

    def cell(name: str, parser: Callable[[Any], Any]) -> Any:
        try:
            return parser(raw[name])
        except CellValueError as exc:
            errors.append(CellError(number, name, str(exc)))
            return None

    values: dict[str, Any] = {
        "diarienummer": cell(col.DIARIENUMMER, parse_text),
        "kind": cell(col.KIND, parse_kind),
        "title": cell(col.TITLE, parse_text),
        "start_date": cell(col.START, parse_date),
        "end_date": cell(col.END, parse_date),
        "notice_must_be_written": cell(col.WRITTEN, parse_yes_no),
        "extension_months": cell(col.EXTENSION, parse_int),
        "max_extensions": cell(col.MAX_EXTENSIONS, parse_int),
        "continues_open_ended": cell(col.OPEN_ENDED, parse_yes_no),
        "fte": cell(col.FTE, parse_decimal),
    }
    notice = cell(col.NOTICE, parse_notice) or (None, None)
    values["notice_period_months"], values["notice_period_days"] = notice
    if values["diarienummer"]:
        values["diarienummer"] = " ".join(values["diarienummer"].split())
    party_list = cell(col.PARTIES, parse_parties) or []
    responsible = cell(col.RESPONSIBLE, parse_text)
    amount = cell(col.AMOUNT, parse_money)
    level = cell(col.PRICE_LEVEL, parse_int)
    series = cell(col.INDEX, parse_text)
    first = cell(col.FIRST_ADJUSTED, parse_int)
    compensation = None
    if amount is not None:
        compensation = {
            "amount": amount,
            "price_level_year": level,
            "index_series": series,
            "first_adjusted_year": first,
        }
    elif level is not None or series is not None or first is not None:
        errors.append(
            CellError(
                number,
                col.AMOUNT,
                _("Ange ersättningen, eller lämna prisnivå, index och första indexår tomma."),
            )
        )
    return RowInput(
        number,
        values,
        party_list,
        responsible,
        compensation,
        readable=len(errors) == before,
        index_code=series,
    )


# --------------------------------------------------------------------------------------------
# Lookups (a few bulk queries for the whole file)
# --------------------------------------------------------------------------------------------


class _Lookups:
    def __init__(self) -> None:
        self.organisations: dict[str, Organisation] = {}
        for org in db.session.execute(db.select(Organisation)).scalars():
            self.organisations.setdefault(normalise_name(org.name), org)
        self.people_by_email: dict[str, list[Person]] = defaultdict(list)
        self.people_by_name: dict[str, list[Person]] = defaultdict(list)
        for person in db.session.execute(db.select(Person).order_by(Person.id)).scalars():
            if person.email:
                self.people_by_email[person.email.strip().casefold()].append(person)
            self.people_by_name[normalise_name(person.name)].append(person)
        self.series = {
            code.casefold(): code
            for code in db.session.execute(db.select(IndexSeries.code)).scalars()
        }
        self.series_codes = dict(
            db.session.execute(db.select(IndexSeries.id, IndexSeries.code)).all()
        )
        self.by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for agreement_id, dnr, title in db.session.execute(
            db.select(Agreement.id, Agreement.diarienummer, Agreement.title).order_by(Agreement.id)
        ):
            if dnr and dnr.strip():
                self.by_key[("dnr", normalise_name(dnr))].append(agreement_id)
            else:
                self.by_key[("title", normalise_name(title))].append(agreement_id)

    def load_agreements(self, ids: list[int]) -> tuple[dict[int, Agreement], dict[int, list]]:
        found: dict[int, Agreement] = {}
        items: dict[int, list[CompensationItem]] = defaultdict(list)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for agreement in db.session.execute(
                db.select(Agreement)
                .where(Agreement.id.in_(chunk))
                .options(
                    db.selectinload(Agreement.parties),
                    db.selectinload(Agreement.terminations),
                )
            ).scalars():
                found[agreement.id] = agreement
            for item in db.session.execute(
                db.select(CompensationItem)
                .where(CompensationItem.agreement_id.in_(chunk))
                .order_by(CompensationItem.position, CompensationItem.id)
            ).scalars():
                items[item.agreement_id].append(item)
        return found, items


def _person(lookups: _Lookups, text: str) -> tuple[int | None, str | None]:
    """(person id, error message) for the Ansvarig cell: an e-mail address, or a name for a
    person without one (as the export writes it)."""
    if "@" in text:
        people = lookups.people_by_email.get(text.strip().casefold(), [])
        if not people:
            return None, _(
                "Ingen person har e-postadressen %(email)s. Lägg till personen under Personer "
                "först.",
                email=text,
            )
    else:
        people = lookups.people_by_name.get(normalise_name(text), [])
        if not people:
            return None, _(
                "Ingen person heter %(name)s. Ange den ansvariges e-postadress, eller lägg till "
                "personen under Personer först.",
                name=text,
            )
    if len(people) > 1:
        return None, _(
            "Flera personer har %(value)s; ange en e-postadress som bara en person har.",
            value=text,
        )
    return people[0].id, None


# --------------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------------


def max_rows() -> int:
    return int(current_app.config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _rule_errors(number: int, exc: DomainError) -> list[CellError]:
    if not exc.fields:
        return [CellError(number, None, exc.message)]
    return [CellError(number, col.column_of(key), message) for key, message in exc.fields.items()]


def _base_lines(items: list[CompensationItem]) -> list[CompensationItem]:
    """The lines the Ersättning cell stands for: those that count in every year (a call-off
    of more årsarbetare from a later year is a line of its own, left alone)."""
    return [i for i in items if i.valid_from_year is None]


def compensation_cells(
    items: list[CompensationItem], series_codes: dict[int, str]
) -> dict[str, Any] | None:
    """The Ersättning cells for an agreement's lines: their sum when they share price level,
    index and first adjusted year (seed 003's two lines), else None (the cells stay empty and
    an import leaves the lines as they are)."""
    base = _base_lines(items)
    if not base:
        return None
    shapes = {(i.price_level_year, i.series_id, i.first_adjusted_year) for i in base}
    if len(shapes) != 1:
        return None
    level, series_id, first = shapes.pop()
    return {
        "amount": sum((i.amount for i in base), Decimal(0)),
        "price_level_year": level,
        "index_series": series_codes.get(series_id) if series_id else None,
        "first_adjusted_year": first,
    }


def _same_compensation(
    wanted: dict[str, Any], items: list[CompensationItem], lookups: _Lookups
) -> bool:
    have = compensation_cells(items, lookups.series_codes)
    if have is None:
        return False
    series = wanted["index_series"]
    series = lookups.series.get(series.casefold(), series) if series else None
    return (
        have["amount"] == wanted["amount"]
        and have["price_level_year"] == wanted["price_level_year"]
        and have["index_series"] == series
        and have["first_adjusted_year"] == wanted["first_adjusted_year"]
    )


def _apply_compensation(
    agreement: Agreement,
    wanted: dict[str, Any],
    items: list[CompensationItem],
    lookups: _Lookups,
    user,
    fte: Decimal | None,
) -> CompensationItem:
    """Create or change the one line the row describes, through the finance services."""
    series = wanted["index_series"]
    data = {
        "amount": wanted["amount"],
        "price_level_year": wanted["price_level_year"],
        "index_series": lookups.series.get(series.casefold(), series) if series else None,
        "first_adjusted_year": wanted["first_adjusted_year"],
    }
    base = _base_lines(items)
    if not base:
        return finance.add_item(
            agreement,
            {
                **data,
                "label": NEW_LINE_LABEL,
                "fte_basis": str(fte) if fte else None,
            },
            user,
        )
    if len(base) == 1:
        line = base[0]
        return finance.update_item(
            line,
            {
                **data,
                "label": line.label,
                "rounding": line.rounding,
                "fte_basis": str(line.fte_basis) if line.fte_basis else None,
                "valid_from_year": None,
            },
            user,
        )
    message = _(
        "Avtalet har %(n)s ersättningsrader. Ändra ersättningen på avtalets sida, eller "
        "lämna ersättningskolumnerna tomma.",
        n=len(base),
    )
    raise ValidationError(message, {"amount": message})


def _changed_columns(
    agreement: Agreement, values: dict[str, Any], party_ids: set[tuple[int, str]]
) -> list[str]:
    changed: list[str] = []
    for name, value in values.items():
        if getattr(agreement, name) != value:
            column = col.column_of(name)
            if column and column not in changed:
                changed.append(column)
    if {(p.organisation_id, p.role) for p in agreement.parties} != party_ids:
        changed.append(col.PARTIES)
    return changed


def _outcome_dates(outcome: RowOutcome, agreement: Agreement, as_of: date) -> None:
    dates = agreements.dates_of(agreement, as_of)
    if dates is not None:
        outcome.current_period_start = dates.current_period_start
        outcome.current_period_end = dates.current_period_end
        outcome.last_notice_date = dates.last_notice_date
        outcome.last_notice_business_day = dates.last_notice_business_day


def import_agreements(
    data: bytes,
    filename: str,
    user,
    *,
    dry_run: bool,
    as_of: date,
    progress: Callable[[int, int], Any] | None = None,
) -> ImportReport:
    """Import the register in ``data`` (an .xlsx or .csv file's bytes), all or nothing.

    Returns the report. With any error, or ``dry_run``, the session is rolled back and nothing
    is written; otherwise everything is flushed and the caller commits. ``progress(done,
    total)`` is called as rows are handled.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        sheet = read_sheet(data, filename, max_rows())
    except UnreadableFile as exc:
        report.errors.append(CellError(None, None, exc.message))
        return report
    index = _header_columns(sheet.header, report.errors)
    if report.errors:
        return report
    report.errors.extend(sheet.errors)
    if not sheet.rows:
        report.errors.append(CellError(None, None, _("Filen har inga avtal under rubrikraden.")))
        return report

    rows: list[RowInput] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        row = _read_row(number, cells, index, report.errors)
        key = _raw_key(cells, index)
        if key is not None and key in first_row:
            report.errors.append(_duplicate(number, key, cells, index, first_row[key]))
            continue
        if key is not None:
            first_row[key] = number
        if row is not None:
            rows.append(row)

    try:
        with collector_paused(), _signals_for(dry_run):
            _run_rows(rows, filename, user, as_of, report, progress)
    finally:
        if report.errors or dry_run:
            db.session.rollback()
    report.rows.sort(key=lambda r: r.row)
    report.errors.sort(key=lambda e: (e.row or 0,))
    return report


def _signals_for(dry_run: bool) -> AbstractContextManager:
    """A dry run is rolled back, so what listens for changed agreements (the stored deadlines'
    refresh, a fifth of the work) need not hear of them. (Muting is per process: a threaded
    server could miss another request's change until the daily refresh; the production setup
    runs single-threaded workers.)"""
    return agreements.agreement_changed.muted() if dry_run else nullcontext()


def _raw_key(cells: list[Any], index: dict[str, int]) -> tuple[str, str] | None:
    """The key a row is matched on (as :attr:`RowInput.key`), read from its raw cells so that
    duplicates are found in rows with other errors too."""

    def text(name: str) -> str | None:
        i = index[name]
        try:
            return parse_text(cells[i]) if i < len(cells) else None
        except CellValueError:
            return None

    dnr, title = text(col.DIARIENUMMER), text(col.TITLE)
    if dnr:
        return ("dnr", normalise_name(dnr))
    if title:
        return ("title", normalise_name(title))
    return None


def _duplicate(
    number: int, key: tuple[str, str], cells: list[Any], index: dict[str, int], other: int
) -> CellError:
    if key[0] == "dnr":
        dnr = " ".join(str(cells[index[col.DIARIENUMMER]]).split())
        return CellError(
            number,
            col.DIARIENUMMER,
            _("%(dnr)s står redan på rad %(other)s.", dnr=dnr, other=other),
        )
    return CellError(
        number,
        col.TITLE,
        _(
            "Rad %(other)s har samma rubrik och inget diarienummer; ange diarienummer så att "
            "raderna kan skiljas åt.",
            other=other,
        ),
    )


def _run_rows(
    rows: list[RowInput],
    filename: str,
    user,
    as_of: date,
    report: ImportReport,
    progress: Callable[[int, int], Any] | None,
) -> None:
    lookups = _Lookups()
    matched: dict[int, int] = {}
    ambiguous: set[int] = set()
    for row in rows:
        ids = lookups.by_key.get(row.key, [])
        if len(ids) > 1:
            ambiguous.add(row.number)
            report.errors.append(
                CellError(
                    row.number,
                    col.DIARIENUMMER if row.key[0] == "dnr" else col.TITLE,
                    _(
                        "Flera avtal i registret (id %(ids)s) passar raden; ändra dem på "
                        "avtalens sidor.",
                        ids=", ".join(map(str, ids)),
                    ),
                )
            )
        elif ids:
            matched[row.number] = ids[0]
    existing, items = lookups.load_agreements(sorted(set(matched.values())))
    new_orgs: dict[str, Organisation] = {}
    finished: list = []

    for done, row in enumerate(rows, start=1):
        if progress is not None and (done % 100 == 0 or done == len(rows)):
            progress(done, len(rows))
        errors: list[CellError] = []
        party_ids: list[dict[str, Any]] = []
        for name, role in row.parties:
            key = normalise_name(name)
            org = lookups.organisations.get(key) or new_orgs.get(key)
            if org is None:
                kind = kind_from_name(name)
                if kind is not None and not row.readable:
                    continue  # it would be created, but nothing is made of this row
                if kind is None:
                    errors.append(
                        CellError(
                            row.number,
                            col.PARTIES,
                            _(
                                "Organisationen %(name)s finns inte, och vilken sorts "
                                "organisation det är går inte att läsa ut av namnet. Lägg till "
                                "den under Organisationer först.",
                                name=name,
                            ),
                        )
                    )
                    continue
                try:
                    org = parties.create_organisation({"name": name, "kind": kind})
                except DomainError as exc:
                    errors.append(CellError(row.number, col.PARTIES, exc.message))
                    continue
                new_orgs[key] = org
                report.organisations_created.append(f"{org.name} ({kind})")
            party_ids.append({"organisation_id": org.id, "role": role})
        values = dict(row.values)
        values["responsible_person_id"] = None
        if row.responsible:
            person_id, message = _person(lookups, row.responsible)
            if message:
                errors.append(CellError(row.number, col.RESPONSIBLE, message))
            values["responsible_person_id"] = person_id
        if row.index_code and row.index_code.casefold() not in lookups.series:
            errors.append(
                CellError(
                    row.number,
                    col.INDEX,
                    _("Indexserien %(code)s finns inte.", code=row.index_code),
                )
            )
        if errors or row.number in ambiguous or not row.readable:
            report.errors.extend(errors)
            continue
        try:
            outcome = _apply_row(
                row,
                values,
                party_ids,
                existing.get(matched.get(row.number, -1)),
                items,
                lookups,
                filename,
                user,
                as_of,
                finished,
            )
            if len(finished) >= LET_GO_EVERY:
                _let_go(finished)
        except DomainError as exc:
            report.errors.extend(_rule_errors(row.number, exc))
            continue
        except SQLAlchemyError:
            db.session.rollback()
            report.errors.append(
                CellError(
                    row.number,
                    None,
                    _("raden krockar med en befintlig post och kunde inte sparas."),
                )
            )
            return  # the transaction is gone: nothing more can be tried
        report.rows.append(outcome)
        setattr(report, outcome.action, getattr(report, outcome.action) + 1)
    if not report.errors:
        _let_go(finished)


def _apply_row(
    row: RowInput,
    values: dict[str, Any],
    party_ids: list[dict[str, Any]],
    agreement: Agreement | None,
    items: dict[int, list[CompensationItem]],
    lookups: _Lookups,
    filename: str,
    user,
    as_of: date,
    done: list,
) -> RowOutcome:
    note = f"Import från {filename}, rad {row.number}"
    line = None
    if agreement is None:
        agreement = agreements.create_agreement({**values, "parties": party_ids}, user, as_of)
        if row.compensation is not None:
            line = _apply_compensation(
                agreement, row.compensation, [], lookups, user, values["fte"]
            )
        agreements.record_audit(agreement, user, "imported", None, None, note)
        outcome = RowOutcome(row.number, "created", agreement.title, agreement.diarienummer)
    else:
        wanted = {(p["organisation_id"], p["role"]) for p in party_ids}
        changed = _changed_columns(agreement, values, wanted)
        own_items = items.get(agreement.id, [])
        money_changed = row.compensation is not None and not _same_compensation(
            row.compensation, own_items, lookups
        )
        if money_changed:
            changed.append(col.AMOUNT)
        if changed:
            if len(changed) > (1 if money_changed else 0):
                agreements.update_agreement(
                    agreement,
                    {**values, "parties": party_ids},
                    user,
                    agreement.version,
                    as_of,
                )
            if money_changed:
                line = _apply_compensation(
                    agreement, row.compensation, own_items, lookups, user, None
                )
            agreements.record_audit(agreement, user, "imported", None, None, note)
            agreements.touch(agreement)
            outcome = RowOutcome(
                row.number, "updated", agreement.title, agreement.diarienummer, changed=changed
            )
        else:
            outcome = RowOutcome(row.number, "unchanged", agreement.title, agreement.diarienummer)
    outcome.agreement_id = agreement.id
    _outcome_dates(outcome, agreement, as_of)
    if outcome.action == "created":  # existing ones may be the caller's objects too: kept
        done.append(agreement)
        if line is not None:
            done.append(line)
    return outcome


def _let_go(done: list) -> None:
    """Flush what the last rows left pending (their audit entries) and take their objects out
    of the session, so that every later flush and autoflush (which look at each object the
    session holds) stays as cheap as the first."""
    db.session.flush()
    for obj in done:
        if obj in db.session:
            db.session.expunge(obj)
    done.clear()
