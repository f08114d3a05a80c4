"""The request guard: a NUL character anywhere in a request (path, query, form fields, JSON
body) is refused with a 400 before any view runs; so is a lone UTF-16 surrogate in a JSON
body (``"\\ud800"``), which no database can store either.

PostgreSQL cannot store or even compare a NUL in text (it raised a 500), SQLite stored it;
no legitimate input holds one. Uploaded files are not looked at (binary files hold NULs);
their names are. Other control characters are refused field by field, where the message can
name the field (``app.core.forms.FlaskForm``, ``app.api.helpers``).
"""

from __future__ import annotations

from flask import Flask, request

from app.core.errors import MalformedInput
from app.core.text import UNSTORABLE

NUL = "\x00"


def _bad(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def nul_fields() -> dict[str, str]:
    """Where this request holds a NUL: ``{"path": …, "q": …, "title": …}``."""
    from flask_babel import gettext as _

    message = _("Tecknet NUL (\\0) och ogiltiga Unicode-tecken är inte tillåtna.")
    found: dict[str, str] = {}
    if _bad(request.path):
        found["path"] = message
    for source in (request.args, request.form):
        for key, values in source.lists():
            if _bad(key) or any(_bad(v) for v in values):
                found[_clean(key)] = message
    for key, storage in request.files.items(multi=True):
        if _bad(key) or _bad(storage.filename or ""):
            found[_clean(key)] = message
    if request.is_json:
        for where in _nul_paths(parsed_json()):
            found[_clean(where) or "body"] = message
    return found


class TooDeep(Exception):
    """A JSON body nested deeper than Python's parser (and any real agreement) goes."""


def parsed_json():
    """The request's JSON body, or None when it is no JSON; :class:`TooDeep` when it is nested
    so deep that parsing it would exhaust the stack (a RecursionError, else a 500)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise TooDeep from None


def _clean(name: str) -> str:
    return UNSTORABLE.sub("", name)


def _nul_paths(value, path: str = "") -> list[str]:
    """Where a parsed JSON value holds a NUL: ``["title", "parties.0.role"]``."""
    if isinstance(value, str):
        return [path] if _bad(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found.extend([where] if _bad(str(key)) else _nul_paths(item, where))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_nul_paths(item, f"{path}.{i}" if path else str(i)))
    return found


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul():
        if request.method == "OPTIONS":
            return None
        try:
            fields = nul_fields()
        except TooDeep:
            from flask_babel import gettext as _

            message = _("Begärans JSON är för djupt nästlad.")
            raise MalformedInput(message, {"body": message}) from None
        if fields:
            from flask_babel import gettext as _

            raise MalformedInput(
                _("Begäran innehåller tecknet NUL eller ett ogiltigt Unicode-tecken."), fields
            )
        return None
