"""Reading JSON input and writing JSON output the API.md way: dates as YYYY-MM-DD, amounts as
decimal strings, lists with paging, errors with field messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask import jsonify, request

from app.core import clock
from app.core.dates import parse_iso_date
from app.core.errors import MalformedInput
from app.core.money import plain_decimal
from app.core.query import MAX_ID
from app.core.text import has_control_characters
from app.extensions import db

CONTROL_MESSAGE = "Texten innehåller otillåtna styrtecken (till exempel NUL eller vagnretur)."
ONE_LINE_MESSAGE = "Texten ska stå på en rad, utan radbrytningar eller andra styrtecken."


def json_body(kind: type = dict) -> Any:
    """The request's JSON object (or list); a 400 when it is something else, or when any string
    in it holds a control character other than tab and newline (naming where)."""
    data = request.get_json(silent=True)
    if data is None or not isinstance(data, kind):
        expected = "ett JSON-objekt" if kind is dict else "en JSON-lista"
        raise MalformedInput(
            f"Begärans innehåll måste vara {expected} (Content-Type: application/json)."
        )
    bad = {path: CONTROL_MESSAGE for path in control_character_paths(data)}
    if bad:
        raise MalformedInput(CONTROL_MESSAGE, bad)
    return data


def control_character_paths(value: Any, path: str = "") -> list[str]:
    """Where in a parsed JSON value a string (or a key) holds a control character other than
    tab and newline: ``["title", "parties.0.role"]``; ``""`` for the value itself."""
    if isinstance(value, str):
        return [path] if has_control_characters(value, multiline=True) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key), multiline=True):
                found.append(where)
            found.extend(control_character_paths(item, where))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(control_character_paths(item, f"{path}.{i}" if path else str(i)))
    return found


class Reader:
    """Picks typed fields out of a JSON object, collecting a message per malformed field."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def _take(self, name: str, required: bool) -> Any:
        if name not in self.data:
            if required:
                self.errors[name] = "Fältet krävs."
            return None
        return self.data[name]

    def string(
        self,
        name: str,
        required: bool = False,
        max_length: int = 300,
        multiline: bool | None = None,
    ) -> str | None:
        """A string field. ``multiline`` (by default: fields longer than 300 characters, the
        descriptions and notes) allows newlines; no field allows other control characters."""
        value = self._take(name, required)
        if value is None:
            return self._set(name, None)
        if multiline is None:
            multiline = max_length > 300
        if not isinstance(value, str):
            self.errors[name] = "Ska vara en textsträng."
        elif has_control_characters(value, multiline):
            self.errors[name] = CONTROL_MESSAGE if multiline else ONE_LINE_MESSAGE
        elif len(value) > max_length:
            self.errors[name] = f"Högst {max_length} tecken."
        elif required and not value.strip():
            self.errors[name] = "Fältet får inte vara tomt."
        return self._set(name, value)

    def integer(self, name: str, required: bool = False) -> int | None:
        value = self._take(name, required)
        if value is None:
            return self._set(name, None)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = "Ska vara ett heltal."
        elif abs(value) > MAX_ID:
            self.errors[name] = f"Talet är för stort (högst {MAX_ID})."
        return self._set(name, value)

    def boolean(self, name: str, required: bool = False) -> bool | None:
        value = self._take(name, required)
        if value is None:
            return self._set(name, None)
        if not isinstance(value, bool):
            self.errors[name] = "Ska vara true eller false."
        return self._set(name, value)

    def date(self, name: str, required: bool = False) -> date | None:
        value = self._take(name, required)
        if value is None:
            return self._set(name, None)
        try:
            if not isinstance(value, str):
                raise ValueError("Ska vara ett datum ÅÅÅÅ-MM-DD.")
            return self._set(name, parse_iso_date(value))
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None

    def decimal(self, name: str, required: bool = False) -> Decimal | None:
        value = self._take(name, required)
        if value is None:
            return self._set(name, None)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.errors[name] = 'Ska vara ett decimaltal som sträng, t.ex. "6.0".'
            return None
        try:
            number = Decimal(str(value).strip().replace(",", "."))
            if not number.is_finite():
                raise ArithmeticError
        except ArithmeticError:
            self.errors[name] = f"{value!r} är inget tal."
            return None
        return self._set(name, number)

    def int_list(self, name: str) -> list[int] | None:
        value = self._take(name, False)
        if value is None:
            return self._set(name, None)
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            self.errors[name] = "Ska vara en lista med id (heltal)."
        return self._set(name, value)

    def _set(self, name: str, value: Any) -> Any:
        if name in self.data:
            self.values[name] = value
        return value

    def finish(self) -> dict[str, Any]:
        if self.errors:
            raise MalformedInput("Några fält kunde inte läsas.", self.errors)
        return self.values


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def decimal_str(value: Decimal | None, places: int = 2) -> str | None:
    """ "4107597.00" for amounts; places=1 gives "6.0" for FTE and percentages."""
    if value is None:
        return None
    return f"{value:.{places}f}"


def as_of_arg() -> date:
    raw = request.args.get("as_of")
    if not raw:
        return clock.today()
    try:
        return parse_iso_date(raw)
    except ValueError as exc:
        raise MalformedInput(str(exc), {"as_of": str(exc)}) from None


def int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise MalformedInput(
            f"{name} ska vara ett heltal.", {name: "Ska vara ett heltal."}
        ) from None
    if abs(value) > MAX_ID:
        message = f"Talet är för stort (högst {MAX_ID})."
        raise MalformedInput(f"{name}: {message}", {name: message})
    return value


def choice_arg(name: str, allowed: Sequence[str]) -> str | None:
    """``?name=`` when it is one of ``allowed``; absent or empty: None; anything else: 400."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise MalformedInput(
            f"Okänt värde för {name}: {value}.", {name: "Ett av: " + ", ".join(allowed)}
        )
    return value


def page_args() -> tuple[int, int]:
    """``?page=`` (from 1) and ``?per_page=`` (1–200, default 50); anything else is a 400."""
    page = int_arg("page", 1)
    per_page = int_arg("per_page", 50)
    errors = {}
    if page < 1:
        errors["page"] = "Sidan räknas från 1."
    if not 1 <= per_page <= 200:
        errors["per_page"] = "Mellan 1 och 200 per sida."
    if errors:
        raise MalformedInput("Ogiltig sidindelning.", errors)
    return page, per_page


def paginated(stmt, serialize) -> dict:
    page, per_page = page_args()
    result = db.paginate(
        stmt, page=page, per_page=per_page, max_per_page=200, error_out=False, count=True
    )
    return {
        "items": [serialize(row) for row in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
    }


def short_decimal(value: Decimal | None) -> str | None:
    """FTE and percentages as API.md shows them: "6.0", "2.9", "0.25"."""
    if value is None:
        return None
    text = plain_decimal(value)
    return text if "." in text else text + ".0"


def paged_list(items: Sequence[Any]):
    """A whole list answered as one page of it: ``{items, total, page, per_page}`` with
    ``?page=`` and ``?per_page=`` honoured (every list of the API pages alike)."""
    from app.core.paging import ListPage

    page, per_page = page_args()
    shown = ListPage.of(list(items), page, per_page)
    return jsonify(
        {
            "items": shown.items,
            "total": shown.total,
            "page": shown.page,
            "per_page": shown.per_page,
        }
    )
