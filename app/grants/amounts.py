"""What finance reads from grants, and the statsbidrag rates themselves: the rate per full-time
ombud per year (entered by finance staff, the known ones shipped), and the amounts Länsstyrelsen
granted per agreement and year. Finance asks :func:`app.grants.rules.statsbidrag` with these
for each agreement and year; this module depends on no other domain package."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.core.errors import ValidationError
from app.core.money import parse_amount
from app.extensions import db
from app.grants.models import GrantDecision, GrantRate
from app.indexation.rules import MAX_YEAR, MIN_YEAR

#: Statsbidrag per full-time ombud that DOMAIN.md knows: 302 400 kr before 2018
#: (Länsstyrelsen Örebro) and 402 638 kr in 2020 (seed 003). 2018, 2019 and later years are
#: for finance staff to enter; a missing year is reported as missing, never guessed.
KNOWN_GRANT_RATES = {2015: "302400", 2016: "302400", 2017: "302400", 2020: "402638"}


def grant_rates() -> dict[int, Decimal]:
    """year → statsbidrag per full-time ombud, for every year entered."""
    return dict(db.session.execute(db.select(GrantRate.year, GrantRate.amount_per_fte)).all())


def all_grant_rates() -> list[GrantRate]:
    return list(db.session.execute(db.select(GrantRate).order_by(GrantRate.year)).scalars())


def granted_amounts(
    agreement_ids: Iterable[int] | None = None, as_of: date | None = None
) -> dict[int, dict[int, Decimal]]:
    """agreement id → {year: granted amount} for every recorded decision (all when None). With
    ``as_of``, only the decisions made by then: before its decision date a year's statsbidrag
    is the expected one (a decision recorded without its date counts on every day)."""
    return granted_from(decision_rows(agreement_ids), as_of)


def decision_rows(agreement_ids: Iterable[int] | None = None) -> list:
    """(agreement id, year, granted, decided on) of every recorded decision (of the ids)."""
    stmt = db.select(
        GrantDecision.agreement_id,
        GrantDecision.year,
        GrantDecision.granted,
        GrantDecision.decided_on,
    )
    if agreement_ids is not None:
        ids = list(agreement_ids)
        if not ids:
            return []
        stmt = stmt.where(GrantDecision.agreement_id.in_(ids))
    return db.session.execute(stmt).all()


def granted_from(rows: Iterable, as_of: date | None) -> dict[int, dict[int, Decimal]]:
    """:func:`granted_amounts` from :func:`decision_rows`."""
    result: dict[int, dict[int, Decimal]] = {}
    for agreement_id, year, granted, decided_on in rows:
        if as_of is None or decided_on is None or decided_on <= as_of:
            result.setdefault(agreement_id, {})[year] = granted
    return result


def _year(value: Any, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        errors["year"] = _("Ange ett årtal.")
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors["year"] = _("Ska vara ett årtal.")
        return None
    if not MIN_YEAR <= value <= MAX_YEAR:
        errors["year"] = _("Året måste vara mellan %(a)s och %(b)s.", a=MIN_YEAR, b=MAX_YEAR)
        return None
    return value


def set_grant_rate(year: Any, amount: Any, user=None, note: str | None = None) -> GrantRate:
    """Enter or change the statsbidrag per full-time ombud for ``year``."""
    errors: dict[str, str] = {}
    y = _year(year, errors)
    value = None
    if amount is None or amount == "":
        errors["amount_per_fte"] = _("Ange statsbidraget per årsarbetare.")
    else:
        try:
            value = parse_amount(amount)
            if value < 0:
                errors["amount_per_fte"] = _("Beloppet får inte vara negativt.")
        except ValueError as exc:
            errors["amount_per_fte"] = str(exc)
    if errors:
        raise ValidationError(_("Statsbidraget kunde inte sparas."), errors)
    rate = db.session.execute(db.select(GrantRate).where(GrantRate.year == y)).scalar_one_or_none()
    if rate is None:
        rate = GrantRate(year=y, amount_per_fte=value)
        db.session.add(rate)
    rate.amount_per_fte = value
    if note is not None:
        rate.note = note.strip()[:300] or None
    db.session.flush()
    return rate


def ensure_default_rates() -> None:
    """Ship the statsbidrag rates DOMAIN.md knows. Idempotent: years entered are left alone."""
    have = set(db.session.execute(db.select(GrantRate.year)).scalars())
    for year, amount in KNOWN_GRANT_RATES.items():
        if year not in have:
            db.session.add(
                GrantRate(
                    year=year,
                    amount_per_fte=Decimal(amount),
                    note="Länsstyrelsen Örebro (före 2018)"
                    if year < 2018
                    else "Seed 003, 2020 års prisnivå",
                )
            )
    db.session.flush()
