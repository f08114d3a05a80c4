"""Index series and their yearly values: creating a series, entering a year's value
(preliminary or final) with its history, reading series for the finance rules, and shipping
the values DOMAIN.md knows (:func:`ensure_default_series`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import func

from app.core.errors import NotFoundError, ValidationError
from app.extensions import db
from app.grants.amounts import KNOWN_GRANT_RATES, ensure_default_rates  # noqa: F401
from app.indexation.models import VALUE_STATUSES, IndexSeries, IndexValue, IndexValueChange
from app.indexation.rules import MAX_YEAR, MIN_YEAR, IndexPoint, Series, parse_percent

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")

#: OPI as DOMAIN.md lists it (SKR; 2022 as published by Järfälla). 2023 was first published
#: as 3.5 % preliminary and later set to 4.6 % final; both are kept in the history.
OPI_FINAL = {
    2015: "2.2",
    2016: "2.6",
    2017: "2.7",
    2018: "2.6",
    2019: "2.7",
    2020: "3.0",
    2021: "1.5",
    2022: "1.9",
}
OPI_2023_PRELIMINARY = "3.5"
OPI_2023_FINAL = "4.6"


def get_series(code: str) -> IndexSeries:
    series = db.session.execute(
        db.select(IndexSeries).where(IndexSeries.code == code)
    ).scalar_one_or_none()
    if series is None:
        raise NotFoundError(_("Indexserien %(code)s finns inte.", code=code))
    return series


def all_series() -> list[IndexSeries]:
    return list(
        db.session.execute(
            db.select(IndexSeries)
            .options(db.selectinload(IndexSeries.values))
            .order_by(IndexSeries.code)
        ).scalars()
    )


def create_series(code: str, name: str, description: str | None = None, user=None) -> IndexSeries:
    """A new, empty series. Codes are letters, digits, '-', '_' or '.', at most 40."""
    code = (code or "").strip()
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not _CODE_RE.match(code):
        errors["code"] = _(
            "Koden ska vara 1–40 tecken: bokstäver A–Z, siffror, bindestreck eller understreck."
        )
    elif existing := db.session.execute(
        # "opi" beside "OPI" would be a look-alike that lines could follow by mistake.
        db.select(IndexSeries.code).where(func.lower(IndexSeries.code) == code.lower())
    ).scalar():
        errors["code"] = _("Det finns redan en indexserie med koden %(code)s.", code=existing)
    if not name:
        errors["name"] = _("Ange ett namn.")
    elif len(name) > 200:
        errors["name"] = _("Namnet får vara högst 200 tecken.")
    if errors:
        raise ValidationError(_("Indexserien kunde inte skapas."), errors)
    series = IndexSeries(code=code, name=name, description=(description or "").strip() or None)
    db.session.add(series)
    db.session.flush()
    return series


signals = Namespace()
#: Sent after a year's value of a series was entered or changed (and flushed).
index_value_changed = signals.signal("index-value-changed")


def set_value(
    series: IndexSeries,
    year: int,
    percent: str | int | Decimal,
    status: str,
    user=None,
    note: str | None = None,
    known_from: date | None = None,
) -> IndexValue:
    """Enter or change one year's value; every change is kept as an IndexValueChange.

    ``known_from`` is the day the value became known (published, decided); None: today. A
    draft as of an earlier day does not see it (:func:`series_points_known_on`)."""
    errors: dict[str, str] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = _("Året måste vara mellan %(a)s och %(b)s.", a=MIN_YEAR, b=MAX_YEAR)
    try:
        value = parse_percent(percent)
        if value != value.quantize(Decimal("0.001")):
            raise ValueError(_("Ange procentsatsen med högst tre decimaler."))
    except ValueError as exc:
        errors["percent"] = str(exc)
        value = None
    if status not in VALUE_STATUSES:
        errors["status"] = _("Status ska vara preliminär (preliminary) eller slutlig (final).")
    if errors:
        raise ValidationError(_("Indexvärdet kunde inte sparas."), errors)
    existing = db.session.execute(
        db.select(IndexValue).where(IndexValue.series_id == series.id, IndexValue.year == year)
    ).scalar_one_or_none()
    if existing is not None and existing.percent == value and existing.status == status:
        return existing
    change = IndexValueChange(
        series_id=series.id,
        year=year,
        old_percent=existing.percent if existing else None,
        old_status=existing.status if existing else None,
        new_percent=value,
        new_status=status,
        user_id=getattr(user, "id", None),
        note=(note or "").strip()[:300] or None,
        known_from=known_from,
    )
    if existing is None:
        existing = IndexValue(series_id=series.id, year=year, percent=value, status=status)
        db.session.add(existing)
    else:
        existing.percent = value
        existing.status = status
    db.session.add(change)
    db.session.flush()
    index_value_changed.send(series, year=year)
    return existing


def _points_query(series_ids: Iterable[int] | None):
    stmt = db.select(IndexSeries.code, IndexValue.year, IndexValue.percent, IndexValue.status).join(
        IndexValue, IndexValue.series_id == IndexSeries.id
    )
    if series_ids is not None:
        stmt = stmt.where(IndexSeries.id.in_(list(series_ids)))
    return stmt


def series_points(series_ids: Iterable[int] | None = None) -> dict[str, Series]:
    """code → {year: IndexPoint} for the given series (all when None), in one query."""
    result: dict[str, dict[int, IndexPoint]] = {}
    if series_ids is not None:
        series_ids = list(series_ids)
        if not series_ids:
            return {}
    for code, year, percent, status in db.session.execute(_points_query(series_ids)):
        result.setdefault(code, {})[year] = IndexPoint(year, percent, status == "preliminary")
    return result


_STOCKHOLM = ZoneInfo("Europe/Stockholm")


def series_points_known_on(series_ids: Iterable[int], known_on: date) -> dict[str, Series]:
    """code → {year: IndexPoint} as the values were known on ``known_on``: for each year the
    latest change known by then (its ``known_from``, else the day it was entered). A year
    first known later is absent, so it reads as missing; a preliminary value later made final
    reads as preliminary. Two queries."""
    series_ids = list(series_ids)
    if not series_ids:
        return {}
    rows = db.session.execute(
        db.select(IndexSeries.code, IndexValueChange)
        .join(IndexValueChange, IndexValueChange.series_id == IndexSeries.id)
        .where(IndexSeries.id.in_(series_ids))
        .order_by(IndexValueChange.id)
    ).all()
    best: dict[tuple[str, int], tuple[date, int, IndexValueChange]] = {}
    for code, change in rows:
        known = change.known_from or change.at.astimezone(_STOCKHOLM).date()
        if known > known_on:
            continue
        key = (code, change.year)
        if key not in best or (known, change.id) > best[key][:2]:
            best[key] = (known, change.id, change)
    result: dict[str, dict[int, IndexPoint]] = {}
    for (code, year), (_known, _id, change) in best.items():
        result.setdefault(code, {})[year] = IndexPoint(
            year, change.new_percent, change.new_status == "preliminary"
        )
    return result


def series_names(codes: Iterable[str]) -> dict[str, str]:
    """code → the series' name, for texts that must not show internal codes."""
    codes = list(codes)
    if not codes:
        return {}
    return dict(
        db.session.execute(
            db.select(IndexSeries.code, IndexSeries.name).where(IndexSeries.code.in_(codes))
        ).all()
    )


def replaced_preliminaries(
    series_ids: Iterable[int] | None = None,
) -> dict[str, dict[int, IndexPoint]]:
    """code → {year: the last preliminary point that a final value replaced}.

    This is what was invoiced before the final value came: the "before" side of a settlement.
    """
    stmt = (
        db.select(IndexSeries.code, IndexValueChange)
        .join(IndexValueChange, IndexValueChange.series_id == IndexSeries.id)
        .where(IndexValueChange.old_status == "preliminary", IndexValueChange.new_status == "final")
        .order_by(IndexValueChange.id)
    )
    if series_ids is not None:
        stmt = stmt.where(IndexSeries.id.in_(list(series_ids)))
    result: dict[str, dict[int, IndexPoint]] = {}
    for code, change in db.session.execute(stmt):
        result.setdefault(code, {})[change.year] = IndexPoint(change.year, change.old_percent, True)
    return result


def ensure_default_series() -> None:
    """Ship OPI (with its known values and the 2023 preliminary → final history), an empty KPI
    and the known statsbidrag rates. Idempotent: values already entered are left alone."""
    opi = db.session.execute(
        db.select(IndexSeries).where(IndexSeries.code == "OPI")
    ).scalar_one_or_none()
    if opi is None:
        opi = create_series(
            "OPI",
            "Omsorgsprisindex (OPI)",
            "SKR:s omsorgsprisindex: 80 % arbetskostnadsförändring, 20 % KPI. Publiceras i "
            "december; preliminärt tills löneavtalet är känt, därefter slutligt.",
        )
    known = {v.year for v in opi.values} if opi.id else set()
    # SKR publishes a year's OPI in the December before it; the shipped values count as known
    # from 1 December of the year before (their preliminary stage before 2023 is not recorded),
    # and OPI 2023's final value from 1 December 2023.
    for year, percent in OPI_FINAL.items():
        if year not in known:
            set_value(
                opi, year, Decimal(percent), "final", note="SKR", known_from=date(year - 1, 12, 1)
            )
    if 2023 not in known:
        set_value(
            opi,
            2023,
            Decimal(OPI_2023_PRELIMINARY),
            "preliminary",
            note="SKR, preliminärt",
            known_from=date(2022, 12, 1),
        )
        set_value(
            opi,
            2023,
            Decimal(OPI_2023_FINAL),
            "final",
            note="SKR, slutligt",
            known_from=date(2023, 12, 1),
        )
    if not db.session.execute(db.select(IndexSeries.id).where(IndexSeries.code == "KPI")).first():
        create_series("KPI", "Konsumentprisindex (KPI)", "SCB:s konsumentprisindex, årsförändring.")
    # The statsbidrag rates DOMAIN.md knows ship with the series (app.grants owns them).
    ensure_default_rates()
    db.session.flush()
