"""Locale selection and the Jinja filters that format dates and amounts the Swedish way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user


def select_locale() -> str:
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, the scheduler, services called directly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in langs:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in langs:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in langs:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _locale() -> str:
    return "sv_SE" if str(get_locale()) == "sv" else str(get_locale())


def fmt_date(value: date | None, style: str = "short") -> str:
    """Dates as YYYY-MM-DD in every language (as in DOMAIN and the API; "3/31/26" would be
    ambiguous), "31 mars 2026" / "March 31, 2026" with style="long"."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    if style == "short":
        return value.isoformat()
    return format_date(value, style)


def fmt_money(value: Decimal | int | None, decimals: bool = False) -> str:
    from app.core.money import format_sek

    if value is None:
        return "–"
    return format_sek(Decimal(value), decimals=decimals, locale=_locale())


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["money"] = fmt_money
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
