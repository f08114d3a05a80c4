"""The template's columns, in the order API.md fixes, and the Swedish names the cells use for
agreement kinds and party roles. These names are part of the file format (a municipality maps
its sheet onto them once), so they are data, not interface text: they are not translated."""

from __future__ import annotations

DIARIENUMMER = "Diarienummer"
KIND = "Avtalstyp"
TITLE = "Rubrik"
START = "Startdatum"
END = "Slutdatum"
NOTICE = "Uppsägningstid (månader)"
WRITTEN = "Skriftlig uppsägning"
EXTENSION = "Förlängning (månader)"
MAX_EXTENSIONS = "Högst antal förlängningar"
OPEN_ENDED = "Därefter tills vidare"
PARTIES = "Parter"
RESPONSIBLE = "Ansvarig (e-post)"
FTE = "Årsarbetare"
AMOUNT = "Ersättning (kr)"
PRICE_LEVEL = "Prisnivå (år)"
INDEX = "Index"
FIRST_ADJUSTED = "Första indexår"

COLUMNS: tuple[str, ...] = (
    DIARIENUMMER,
    KIND,
    TITLE,
    START,
    END,
    NOTICE,
    WRITTEN,
    EXTENSION,
    MAX_EXTENSIONS,
    OPEN_ENDED,
    PARTIES,
    RESPONSIBLE,
    FTE,
    AMOUNT,
    PRICE_LEVEL,
    INDEX,
    FIRST_ADJUSTED,
)
YES_NO_COLUMNS = (WRITTEN, OPEN_ENDED)
DATE_COLUMNS = (START, END)

#: The Swedish name of each kind as the cells write it (the export writes these).
KIND_NAMES = {
    "verksamhetsuppdrag": "Verksamhetsuppdrag",
    "samverkansavtal": "Samverkansavtal",
    "overenskommelse": "Överenskommelse",
    "iop": "IOP",
    "upphandlat_avtal": "Upphandlat avtal",
}
#: Other names a kind is known by in municipal registers.
KIND_ALIASES = {
    "idéburet offentligt partnerskap": "iop",
    "iop (idéburet offentligt partnerskap)": "iop",
    "upphandling": "upphandlat_avtal",
}
ROLE_NAMES = {
    "bestallare": "beställare",
    "utforare": "utförare",
    "part": "part",
    "huvudman": "huvudman",
    "finansiar": "finansiär",
}

#: Where the agreement and finance services' field messages belong in the sheet.
FIELD_COLUMNS = {
    "diarienummer": DIARIENUMMER,
    "kind": KIND,
    "title": TITLE,
    "start_date": START,
    "end_date": END,
    "notice_period_months": NOTICE,
    "notice_period_days": NOTICE,
    "notice_must_be_written": WRITTEN,
    "extension_months": EXTENSION,
    "max_extensions": MAX_EXTENSIONS,
    "continues_open_ended": OPEN_ENDED,
    "parties": PARTIES,
    "responsible_person_id": RESPONSIBLE,
    "fte": FTE,
    "amount": AMOUNT,
    "label": AMOUNT,
    "price_level_year": PRICE_LEVEL,
    "index_series": INDEX,
    "first_adjusted_year": FIRST_ADJUSTED,
}


def column_of(field: str) -> str | None:
    """The column a service's field key ("parties.0.role", "start_date") belongs to."""
    return FIELD_COLUMNS.get(field.split(".")[0])


def normalise_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()
