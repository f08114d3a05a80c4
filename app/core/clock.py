"""The calendar day the product works in: Sweden's, whatever zone the server's clock is set to.

Pages, the API, the CLI and the scheduler all ask :func:`today`, so that between midnight in
Stockholm and midnight UTC (one or two hours each night) a page does not read "yesterday" while
the scheduler has already refreshed the deadlines for "today" (the start page would then be
computed instead of read). The rules never ask the clock: they take ``as_of``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.db import utcnow

DEFAULT_ZONE = "Europe/Stockholm"


def zone() -> ZoneInfo:
    """The application's zone (``BABEL_DEFAULT_TIMEZONE``, Europe/Stockholm by default)."""
    name = DEFAULT_ZONE
    if has_app_context():
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    return ZoneInfo(name)


def today(now: datetime | None = None) -> date:
    """The calendar day in the application's zone at ``now`` (default: this instant)."""
    return (now or utcnow()).astimezone(zone()).date()
