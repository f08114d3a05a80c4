"""Money per agreement: compensation lines, cost shares, the yearly
computation (statsbidrag asked of :mod:`app.grants`: expected or granted) (through :mod:`app.finance.rules`), instalments, the overview across agreements,
settlements when a final index value replaces a preliminary one, and index_missing deadlines.

Reads load whole sets in a few bulk queries and compute in Python: one agreement's table or
one year across every agreement costs a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import SimpleNamespace
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import literal as sa_literal

from app.agreements import rules as rules_dates
from app.agreements.models import Agreement, AgreementParty
from app.agreements.services import (
    TERM_FIELDS,
    fte_changes,
    last_day,
    live_amendments,
    live_notices,
    record_audit,
    termination_end,
    touch,
)
from app.agreements.terms import value_in_year
from app.core import clock
from app.core.bulk import collector_paused
from app.core.errors import ValidationError
from app.core.money import format_fte, format_sek, fraction_to_ore, parse_amount, parse_share
from app.deadlines.services import DeadlineData, register_global_producer, register_global_span
from app.extensions import db
from app.finance import figures, rules
from app.finance.models import CompensationItem, CostShare, YearFigure
from app.finance.rules import CompensationLine, YearResult
from app.grants.amounts import (  # noqa: F401  (moved to grants; kept for finance's callers)
    all_grant_rates,
    grant_rates,
    granted_amounts,
    set_grant_rate,
)
from app.grants.models import GrantDecision, GrantRate
from app.indexation import services as indexation
from app.indexation.models import IndexSeries, IndexValue, IndexValueChange
from app.parties.models import Organisation, OrganisationUnit

_MAX_FRACTION_PART = 2**62
T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass
class AgreementMoney:
    """Everything the rules need about one agreement's money."""

    lines: list[CompensationLine] = field(default_factory=list)
    shares: list[tuple[int, Fraction]] = field(default_factory=list)
    series_ids: set[int] = field(default_factory=set)
    #: Per line, the amendment it came with (None: the agreement's own), while loading.
    sources: list[int | None] = field(default_factory=list)


def load_money(
    agreement_ids: Iterable[int] | None = None, as_of: date | None = None
) -> dict[int, AgreementMoney]:
    """agreement id → its lines and shares, in three queries (all agreements when None). With
    ``as_of``, an amendment that takes effect after that day does not exist yet: its lines
    are left out and replace nothing."""
    ids = None if agreement_ids is None else list(agreement_ids)
    not_yet = _amendments_after(ids, as_of) if as_of is not None else set()
    return money_from(*money_rows(ids), not_yet)


def money_rows(ids: list[int] | None) -> tuple[list, list, dict[int, str]]:
    """The raw lines and shares of ``ids`` (all when None) as plain rows, and series codes."""
    code_by_id = dict(db.session.execute(db.select(IndexSeries.id, IndexSeries.code)).all())
    # Plain columns, not ORM objects: the overview loads every line of every agreement.
    items_stmt = db.select(
        CompensationItem.agreement_id,
        CompensationItem.label,
        CompensationItem.amount,
        CompensationItem.price_level_year,
        CompensationItem.series_id,
        CompensationItem.first_adjusted_year,
        CompensationItem.rounding,
        CompensationItem.valid_from_year,
        CompensationItem.amendment_id,
    ).order_by(CompensationItem.agreement_id, CompensationItem.position, CompensationItem.id)
    shares_stmt = db.select(
        CostShare.agreement_id,
        CostShare.organisation_id,
        CostShare.numerator,
        CostShare.denominator,
    ).order_by(CostShare.agreement_id, CostShare.id)
    if ids is not None:
        items_stmt = items_stmt.where(CompensationItem.agreement_id.in_(ids))
        shares_stmt = shares_stmt.where(CostShare.agreement_id.in_(ids))
    items = db.session.execute(items_stmt).all()
    shares = db.session.execute(shares_stmt).all()
    return items, shares, code_by_id


def money_from(
    items: Iterable,
    shares: Iterable,
    code_by_id: dict[int, str],
    not_yet: set[int],
    order: dict[int, list[int]] | None = None,
) -> dict[int, AgreementMoney]:
    """:func:`load_money` from rows already read: the lines of the amendments in ``not_yet``
    are left out; ``order``: each agreement's live amendments in order (read when None)."""
    result: dict[int, AgreementMoney] = defaultdict(AgreementMoney)
    amended: set[int] = set()
    for row in items:
        agreement_id, label, amount, level, series_id, first, rounding, from_year, source = row
        if source in not_yet:
            continue
        money = result[agreement_id]
        code = code_by_id.get(series_id) if series_id else None
        line = CompensationLine(label, amount, level, code, first, rounding, from_year)
        money.lines.append(line)
        money.sources.append(source)
        if source is not None:
            amended.add(agreement_id)
        if series_id:
            money.series_ids.add(series_id)
    if amended:
        _replace_from_amendment_years({i: result[i] for i in amended}, order)
    fractions: dict[tuple[int, int], Fraction] = {}  # most shares are 1/2, 1/3, 1/4 …
    for agreement_id, org_id, num, den in shares:
        key = (int(num), int(den))
        share = fractions.get(key) or fractions.setdefault(key, Fraction(*key))
        result[agreement_id].shares.append((org_id, share))
    return result


def _amendments_after(ids: list[int] | None, as_of: date) -> set[int]:
    from app.agreements.models import Amendment

    stmt = db.select(Amendment.id).where(Amendment.effective_date > as_of)
    if ids is not None:
        stmt = stmt.where(Amendment.agreement_id.in_(ids))
    return set(db.session.execute(stmt).scalars())


def _replace_from_amendment_years(
    money_by_id: dict[int, AgreementMoney], order: dict[int, list[int]] | None = None
) -> None:
    """An amendment's lines replace the earlier lines from its year on (DOMAIN.md,
    Amendments): each line gets the year it stops counting (``until_year``). ``order``: each
    agreement's live amendment ids by day (read when None)."""
    from app.agreements.models import Amendment
    from app.agreements.terms import compensation_years

    if order is None:
        order = defaultdict(list)
        for agreement_id, amendment_id in db.session.execute(
            db.select(Amendment.agreement_id, Amendment.id)
            .where(Amendment.agreement_id.in_(list(money_by_id)), Amendment.withdrawn_at.is_(None))
            .order_by(Amendment.effective_date, Amendment.id)
        ):
            order[agreement_id].append(amendment_id)
    for agreement_id, money in money_by_id.items():
        from_year: dict[int | None, int | None] = {None: None}
        for line, source in zip(money.lines, money.sources, strict=True):
            if source is not None:
                from_year[source] = line.from_year
        sources = [(None, None)] + [
            (from_year[a], a) for a in order.get(agreement_id, ()) if a in from_year
        ]
        until = {key: end for key, _start, end in compensation_years(sources)}
        money.lines = [
            replace(line, until_year=until[source]) if until.get(source) is not None else line
            for line, source in zip(money.lines, money.sources, strict=True)
        ]


def items_of(agreement: Agreement, as_of: date | None = None) -> list[CompensationItem]:
    """The agreement's compensation lines; with ``as_of``, without those of a tilläggsavtal
    that takes effect later (as :func:`load_money` leaves them out of the figures)."""
    not_yet = _amendments_after([agreement.id], as_of) if as_of is not None else set()
    return [
        item
        for item in db.session.execute(
            db.select(CompensationItem)
            .options(db.joinedload(CompensationItem.series))
            .where(CompensationItem.agreement_id == agreement.id)
            .order_by(CompensationItem.position, CompensationItem.id)
        ).scalars()
        if item.amendment_id not in not_yet
    ]


def shares_of(agreement: Agreement) -> list[CostShare]:
    return list(
        db.session.execute(
            db.select(CostShare)
            .options(db.joinedload(CostShare.organisation))
            .where(CostShare.agreement_id == agreement.id)
            .order_by(CostShare.id)
        ).scalars()
    )


def party_names(agreement: Agreement) -> dict[int, str]:
    """organisation id → name, for every party of the agreement (the keys of ``shares``)."""
    rows = db.session.execute(
        db.select(Organisation.id, Organisation.name)
        .join(AgreementParty, AgreementParty.organisation_id == Organisation.id)
        .where(AgreementParty.agreement_id == agreement.id)
        .order_by(AgreementParty.id)
    ).all()
    return {org_id: name for org_id, name in rows}


# --------------------------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------------------------


def _year_range(from_year: int, to_year: int) -> None:
    errors = {}
    for name, y in (("from_year", from_year), ("to_year", to_year)):
        if not rules.MIN_YEAR <= y <= rules.MAX_YEAR:
            errors[name] = _(
                "Året måste vara mellan %(a)s och %(b)s.", a=rules.MIN_YEAR, b=rules.MAX_YEAR
            )
    if not errors and from_year > to_year:
        errors["to_year"] = _("Till-året måste vara samma som eller efter från-året.")
    if not errors and to_year - from_year >= rules.MAX_YEARS_PER_CALL:
        errors["to_year"] = _("Högst %(n)s år åt gången.", n=rules.MAX_YEARS_PER_CALL)
    if errors:
        raise ValidationError(_("Ogiltigt årsintervall."), errors)


def compensation_years(
    agreement: Agreement,
    from_year: int,
    to_year: int,
    index_known_on: date | None = None,
    as_of: date | None = None,
) -> list[YearResult]:
    """The agreement's compensation, statsbidrag, net cost and shares per year (rules'
    YearResult), from ``from_year`` to ``to_year`` inclusive. Four queries. With
    ``index_known_on``, the index values as they were known on that day (board drafts); with
    ``as_of``, the agreement as it stood that day (no amendment that takes effect later)."""
    _year_range(from_year, to_year)
    money = load_money([agreement.id], as_of).get(agreement.id, AgreementMoney())
    if index_known_on is None:
        series = indexation.series_points(money.series_ids)
    else:
        series = indexation.series_points_known_on(money.series_ids, index_known_on)
    granted = granted_amounts([agreement.id], as_of).get(agreement.id)
    changes = fte_changes(agreement, as_of) if agreement.start_date is not None else ()
    if not changes:
        return rules.compute_years(
            money.lines,
            from_year,
            to_year,
            series,
            agreement.fte,
            grant_rates(),
            money.shares,
            granted=granted,
        )
    rates = grant_rates()
    return [
        rules.compute_year(
            money.lines,
            year,
            series,
            value_in_year(agreement.fte, changes, year),
            rates,
            money.shares,
            granted=granted,
        )
        for year in range(from_year, to_year + 1)
    ]


def fte_for_year(agreement: Agreement, year: int, as_of: date | None = None) -> Decimal | None:
    """The agreement's årsarbetare in ``year`` as the statsbidrag counts them (the grants
    package asks this one function), with the amendments in force on ``as_of``: a
    tilläggsavtal's FTE, a call-off among them, counts from the year it takes effect."""
    changes = fte_changes(agreement, as_of) if agreement.start_date is not None else ()
    return value_in_year(agreement.fte, changes, year)


def default_years(agreement: Agreement, as_of: date) -> tuple[int, int]:
    """The years a page shows by default: from the start (at most ten years) to next year, or
    to the agreement's last year when it has ended before then."""
    end = as_of.year + 1
    ends = last_day(agreement)
    if ends is not None and agreement.start_date is not None:
        end = min(end, max(ends.year, agreement.start_date.year))
    start = agreement.start_date.year if agreement.start_date else as_of.year - 1
    start = min(start, end)
    return max(start, end - 9), end


def invoiced_amount(result: YearResult) -> Decimal | None:
    """What the invoicing party invoices for the year: the total compensation (before
    statsbidrag, which the municipality applies for from Länsstyrelsen itself)."""
    return result.total


def instalment_plan(agreement: Agreement, year: int, as_of: date | None = None) -> dict[str, Any]:
    """The year's invoices: the total compensation split by the agreement's invoicing
    frequency, and, where cost shares exist, each party's share of the net cost split the same
    way (the invoice from the invoicing party to each party, as in seed 001). A year the
    agreement is not in force (see :func:`runs_in_year`) has nothing to invoice: 422."""
    if not runs_in_year(agreement, year):
        raise ValidationError(
            _("Avtalet gäller inte %(year)s; det finns inget att fakturera det året.", year=year),
            {"year": _("Avtalet gäller inte det året.")},
            code="not_in_force",
        )
    (result,) = compensation_years(agreement, year, year, as_of=as_of)
    annual = invoiced_amount(result)
    plan: dict[str, Any] = {
        "year": year,
        "frequency": agreement.invoicing,
        "annual": annual,
        "instalments": [],
        "missing": [m.message for m in result.missing],
        "preliminary": result.preliminary,
        "parties": [],
    }
    if annual is None:
        return plan
    plan["instalments"] = _periods(
        agreement.invoicing, rules.instalments(annual, agreement.invoicing)
    )
    for org_id, amount in result.shares:
        plan["parties"].append(
            {
                "organisation_id": org_id,
                "annual": amount,
                "instalments": _periods(
                    agreement.invoicing, rules.instalments(amount, agreement.invoicing)
                ),
            }
        )
    return plan


def _periods(frequency: str, amounts: list[Decimal]) -> list[dict[str, Any]]:
    if frequency == "monthly":
        labels = [f"{m:02d}" for m in range(1, 13)]
    elif frequency == "quarterly":
        labels = [f"Q{q}" for q in range(1, 5)]
    else:
        labels = ["year"]
    return [{"period": p, "amount": a} for p, a in zip(labels, amounts, strict=True)]


# --------------------------------------------------------------------------------------------
# Compensation lines
# --------------------------------------------------------------------------------------------


def _int_field(value: Any, name: str, errors: dict[str, str], required: bool) -> int | None:
    if value is None or value == "":
        if required:
            errors[name] = _("Ange ett årtal.")
        return None
    if isinstance(value, bool):
        errors[name] = _("Ska vara ett årtal.")
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[name] = _("Ska vara ett årtal.")
        return None
    if not rules.MIN_YEAR <= number <= rules.MAX_YEAR:
        errors[name] = _(
            "Året måste vara mellan %(a)s och %(b)s.", a=rules.MIN_YEAR, b=rules.MAX_YEAR
        )
        return None
    return number


def _fte_value(value: Any, errors: dict[str, str], name: str = "fte_basis") -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float | bool):
        errors[name] = _("Ange årsarbetare som text eller Decimal, t.ex. ”6,0”.")
        return None
    try:
        fte = Decimal(str(value).strip().replace(",", "."))
        if not fte.is_finite() or fte <= 0 or fte > 1000 or fte != fte.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors[name] = _("Årsarbetare anges som ett tal större än noll med högst två decimaler.")
        return None
    return fte


def _read_item(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a compensation line's fields (all required except fte_basis and
    first_adjusted_year); raises ValidationError with field messages."""
    errors: dict[str, str] = {}
    label = (data.get("label") or "").strip() if isinstance(data.get("label"), str) else ""
    if not label:
        errors["label"] = _("Ange en benämning för raden.")
    elif len(label) > 200:
        errors["label"] = _("Benämningen får vara högst 200 tecken.")
    amount = None
    raw_amount = data.get("amount")
    if raw_amount is None or raw_amount == "":
        errors["amount"] = _("Ange ett belopp.")
    else:
        try:
            amount = parse_amount(raw_amount)
            if amount < 0:
                errors["amount"] = _("Beloppet får inte vara negativt.")
        except ValueError as exc:
            errors["amount"] = str(exc)
    price_level = _int_field(data.get("price_level_year"), "price_level_year", errors, True)
    first = _int_field(data.get("first_adjusted_year"), "first_adjusted_year", errors, False)
    rounding = data.get("rounding") or "final"
    if rounding not in rules.ROUNDING_MODES:
        errors["rounding"] = _("Avrundning ska vara final (en gång) eller yearly (varje år).")
    series_id = None
    code = data.get("index_series")
    if isinstance(code, str) and code.strip():
        series_id = db.session.execute(
            db.select(IndexSeries.id).where(IndexSeries.code == code.strip())
        ).scalar_one_or_none()
        if series_id is None:
            errors["index_series"] = _("Indexserien %(code)s finns inte.", code=code.strip())
    elif code not in (None, ""):
        errors["index_series"] = _("Ange indexseriens kod, eller inget för ett fast belopp.")
    fte_basis = _fte_value(data.get("fte_basis"), errors)
    if data.get("valid_from_year") not in (None, ""):
        # One mechanism for a change from a year (DOMAIN.md, Amendments).
        errors["valid_from_year"] = _(
            "Ersättning som gäller från ett visst år läggs in som ett tilläggsavtal (eller ett "
            "avrop av fler årsarbetare), inte som en rad i avtalets egen ersättning."
        )
    if price_level is not None and first is not None and first <= price_level:
        errors["first_adjusted_year"] = _(
            "Första justeringsåret (%(j)s) måste komma efter prisnivååret (%(p)s); beloppet är "
            "redan i %(p)s års priser.",
            j=first,
            p=price_level,
        )
    if not errors:
        line_errors = rules.validate_line(
            CompensationLine(label, amount, price_level, code, first, rounding)
        )
        errors.update(line_errors)
    if errors:
        raise ValidationError(_("Ersättningsraden kunde inte sparas. Rätta det markerade."), errors)
    return {
        "label": label,
        "amount": amount,
        "price_level_year": price_level,
        "series_id": series_id,
        "first_adjusted_year": first,
        "rounding": rounding,
        "fte_basis": fte_basis,
    }


def _describe_item(item: CompensationItem) -> str:
    # Audit values are data, not interface text: plain Swedish, no locale lookup (the demo
    # loader runs outside a request).
    series = item.series.code if item.series else "fast"
    text = f"{item.label}: {format_sek(item.amount)} ({item.price_level_year}, {series}"
    if item.first_adjusted_year:
        text += f", från {item.first_adjusted_year}"
    if item.fte_basis:
        text += f", {item.fte_basis} åa"
    if item.valid_from_year:
        text += f", gäller från {item.valid_from_year}"
    return text + ")"


def add_item(agreement: Agreement, data: dict[str, Any], user) -> CompensationItem:
    values = _read_item(data)
    position = (
        db.session.execute(
            db.select(db.func.max(CompensationItem.position)).where(
                CompensationItem.agreement_id == agreement.id
            )
        ).scalar()
        or 0
    )
    item = CompensationItem(agreement_id=agreement.id, position=position + 1, **values)
    db.session.add(item)
    db.session.flush()
    db.session.refresh(item, ["series"])
    record_audit(agreement, user, "compensation_added", "compensation", None, _describe_item(item))
    touch(agreement)
    db.session.flush()
    return item


def update_item(item: CompensationItem, data: dict[str, Any], user) -> CompensationItem:
    values = _read_item(data)
    before = _describe_item(item)
    for key, value in values.items():
        setattr(item, key, value)
    db.session.flush()
    db.session.refresh(item, ["series"])
    after = _describe_item(item)
    if before != after:
        record_audit(item.agreement, user, "compensation_changed", "compensation", before, after)
        touch(item.agreement)
    db.session.flush()
    return item


def delete_item(item: CompensationItem, user) -> None:
    agreement = item.agreement
    record_audit(
        agreement, user, "compensation_removed", "compensation", _describe_item(item), None
    )
    db.session.delete(item)
    touch(agreement)
    db.session.flush()


def call_off_fte(
    item: CompensationItem, extra: Any, user, from_year: Any = None
) -> CompensationItem:
    """Call off more årsarbetare at the line's rate per FTE, from ``from_year`` on: a
    tilläggsavtal from that year (see :mod:`app.agreements.amendments`) whose compensation is
    the lines counting that year plus a new line of amount / fte_basis × extra (to öre), in
    the same price level and series, and whose FTE is the year's plus extra. Earlier years,
    already invoiced, do not change. Returns the new line."""
    from app.agreements.amendments import add_amendment

    errors: dict[str, str] = {}
    extra_fte = _fte_value(extra, errors, "fte")
    start = _int_field(from_year, "from_year", errors, True)
    if item.fte_basis is None:
        errors["fte"] = _("Raden har inget antal årsarbetare att räkna från.")
    if errors or extra_fte is None or start is None:
        errors.setdefault("fte", _("Ange antal årsarbetare att avropa."))
        raise ValidationError(_("Avropet kunde inte sparas."), errors)
    agreement = item.agreement
    if agreement.start_date is None:
        raise ValidationError(
            _("Avropet kunde inte sparas."), {"from_year": _("Avtalet saknar startdatum.")}
        )
    effective = max(date(start, 1, 1), agreement.start_date)
    later = [
        a
        for a in live_amendments([agreement.id]).get(agreement.id, [])
        if a.effective_date > effective and {"compensation", "fte"} & set(a.changes or {})
    ]
    if later:
        # Its lines and FTE would replace the call-off's from its day: the call-off would be
        # silently lost there (amendments apply in order of their day, DOMAIN.md).
        raise ValidationError(
            _("Avropet kunde inte sparas."),
            {
                "from_year": _(
                    "Ett senare tilläggsavtal (från %(day)s) bestämmer ersättningen och "
                    "årsarbetarna därifrån, så avropet skulle inte gälla då. Lägg in ändringen "
                    "som ett nytt tilläggsavtal i stället.",
                    day=later[0].effective_date.isoformat(),
                )
            },
        )
    added = fraction_to_ore(Fraction(item.amount) / Fraction(item.fte_basis) * Fraction(extra_fte))
    money = load_money([agreement.id]).get(agreement.id, AgreementMoney())
    kept = [
        _line_json(existing, line)
        for existing, line in zip(items_of(agreement), money.lines, strict=True)
        if line.counts_in(start)
    ]
    new_line = {
        "label": f"{item.label}, avrop {format_fte(extra_fte)} åa"[:200],
        "amount": str(added),
        "price_level_year": item.price_level_year,
        "index_series": item.series.code if item.series else None,
        "first_adjusted_year": item.first_adjusted_year,
        "rounding": item.rounding,
        "fte_basis": str(extra_fte),
    }
    fte = value_in_year(agreement.fte, fte_changes(agreement), start)
    amendment = add_amendment(
        agreement,
        {
            "effective_date": effective.isoformat(),
            "description": _(
                "Avrop av %(fte)s årsarbetare från %(year)s.", fte=format_fte(extra_fte), year=start
            ),
            "changes": {
                "fte": str((fte or Decimal(0)) + extra_fte),
                "compensation": {"from_year": start, "items": [*kept, new_line]},
            },
        },
        user,
        clock.today(),
    )
    record_audit(agreement, user, "fte_called_off", "compensation", None, new_line["label"])
    db.session.flush()
    return items_of_amendment(amendment)[-1]


def _line_json(item: CompensationItem, line: CompensationLine) -> dict[str, Any]:
    return {
        "label": item.label,
        "amount": str(item.amount),
        "price_level_year": item.price_level_year,
        "index_series": item.series.code if item.series else None,
        "first_adjusted_year": item.first_adjusted_year,
        "rounding": item.rounding,
        "fte_basis": str(item.fte_basis) if item.fte_basis is not None else None,
    }


def items_of_amendment(amendment) -> list[CompensationItem]:
    return list(
        db.session.execute(
            db.select(CompensationItem)
            .where(CompensationItem.amendment_id == amendment.id)
            .order_by(CompensationItem.position, CompensationItem.id)
        ).scalars()
    )


# --------------------------------------------------------------------------------------------
# Cost shares
# --------------------------------------------------------------------------------------------


def _fmt_fraction(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def set_cost_shares(
    agreement: Agreement,
    entries: Sequence[dict[str, Any]],
    user,
    method: str = "fraction",
    key_label: str | None = None,
) -> list[CostShare]:
    """Replace the agreement's cost shares.

    ``method`` "fraction": each entry ``{organisation_id, share}`` with share "0.25" or "1/3";
    "equal": each entry ``{organisation_id}`` gets 1/n; "key": each entry
    ``{organisation_id, key_value}`` (population, clients) gets its value over the sum.
    The shares must add up to exactly 1 and name parties of the agreement, else nothing is saved.
    """
    errors: dict[str, str] = {}
    parties = {p.organisation_id for p in agreement.parties}
    if method not in ("fraction", "equal", "key"):
        raise ValidationError(
            _("Okänd fördelningsmetod."), {"method": _("Välj lika delar, bråk eller nyckel.")}
        )
    if not entries:
        raise ValidationError(_("Ange minst en andel."), {"shares": _("Ange minst en andel.")})
    org_ids: list[int] = []
    for i, entry in enumerate(entries):
        org_id = entry.get("organisation_id")
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            errors[f"shares.{i}.organisation_id"] = _("Ange organisationens id (ett heltal).")
        elif org_id not in parties:
            errors[f"shares.{i}.organisation_id"] = _(
                "Organisation %(id)s är inte part i avtalet.", id=org_id
            )
        org_ids.append(org_id)
    if len(set(map(str, org_ids))) != len(org_ids):
        errors["shares"] = _("Samma part har angetts mer än en gång.")
    shares: list[tuple[int, Fraction]] = []
    key_values: dict[int, Decimal] = {}
    if not errors:
        if method == "equal":
            shares = rules.equal_shares(org_ids)
        elif method == "fraction":
            for i, entry in enumerate(entries):
                raw = entry.get("share")
                if not isinstance(raw, str | int) or isinstance(raw, bool):
                    errors[f"shares.{i}.share"] = _(
                        "Ange andelen som text, t.ex. ”0.25” eller ”1/3”."
                    )
                    continue
                try:
                    shares.append((org_ids[i], parse_share(str(raw))))
                except ValueError as exc:
                    errors[f"shares.{i}.share"] = str(exc)
        else:
            for i, entry in enumerate(entries):
                raw = entry.get("key_value")
                try:
                    if isinstance(raw, float | bool) or raw is None:
                        raise ValueError
                    value = parse_amount(raw)
                    if value < 0:
                        raise ValueError
                    key_values[org_ids[i]] = value
                except ValueError:
                    errors[f"shares.{i}.key_value"] = _(
                        "Ange nyckelns värde (t.ex. invånare) som ett tal, noll eller större."
                    )
            if not errors:
                try:
                    shares = rules.key_shares(key_values)
                except ValueError as exc:
                    errors["shares"] = str(exc)
    if not errors:
        message = rules.validate_shares(shares)
        if message:
            errors["shares"] = message
        elif any(
            q.numerator >= _MAX_FRACTION_PART or q.denominator >= _MAX_FRACTION_PART
            for _k, q in shares
        ):
            errors["shares"] = _("Andelarna har för många decimaler; ange dem som bråk, t.ex. 1/3.")
    if errors:
        raise ValidationError(
            errors.get("shares")
            or _("Kostnadsfördelningen kunde inte sparas. Rätta det markerade."),
            errors,
        )
    existing = shares_of(agreement)
    names = party_names(agreement)
    before = "; ".join(
        f"{names.get(s.organisation_id, s.organisation_id)} {_fmt_fraction(s.fraction)}"
        for s in existing
    )
    for s in existing:
        db.session.delete(s)
    db.session.flush()
    rows = []
    for org_id, q in shares:
        row = CostShare(
            agreement_id=agreement.id,
            organisation_id=org_id,
            numerator=q.numerator,
            denominator=q.denominator,
            method=method,
            key_value=key_values.get(org_id),
            key_label=(key_label or "").strip()[:100] or None if method == "key" else None,
        )
        db.session.add(row)
        rows.append(row)
    after = "; ".join(f"{names.get(k, k)} {_fmt_fraction(q)}" for k, q in shares)
    if before != after:
        record_audit(agreement, user, "cost_shares_changed", "cost_shares", before or None, after)
        touch(agreement)
    db.session.flush()
    return rows


def clear_cost_shares(agreement: Agreement, user) -> None:
    existing = shares_of(agreement)
    if not existing:
        return
    for s in existing:
        db.session.delete(s)
    record_audit(agreement, user, "cost_shares_changed", "cost_shares", "fördelade", None)
    touch(agreement)
    db.session.flush()


# --------------------------------------------------------------------------------------------
# Overview across agreements
# --------------------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    agreement: AgreementRef
    result: rules.YearFigures


@dataclass
class Overview:
    year: int
    rows: list[OverviewRow]
    total: Decimal
    statsbidrag: Decimal
    net: Decimal
    missing_count: int
    preliminary_count: int
    by_board: list[tuple[str, Decimal, Decimal]]
    by_kind: list[tuple[str, Decimal, Decimal]]
    by_party: list[tuple[str, Decimal]]
    unshared_net: Decimal
    board_names: dict[int, str]
    #: how many agreements the selection holds, and how many of them have every figure known
    count: int = 0
    complete_count: int = 0
    #: the rows with something missing (what :func:`app.finance.gaps.explain_gaps` reads):
    #: from the stored figures the first ``GAPS_LISTED`` of them, with ``gap_tallies`` (each
    #: distinct list of missing facts and its number of agreements) for the sentences
    gap_rows: Sequence[OverviewRow] = ()
    gap_tallies: list[tuple[list, int]] | None = None
    #: agreements whose stored figures wait to be recomputed (see app.finance.figures)
    stale: int = 0

    def board_name(self, row: OverviewRow) -> str:
        return self.board_names.get(row.agreement.board_id or 0, "")


@dataclass(frozen=True)
class AgreementRef:
    """What the overview and the chart need of an agreement, read as plain columns (ten
    thousand ORM objects would cost more than the computation itself)."""

    id: int
    title: str
    kind: str
    diarienummer: str | None
    fte: Decimal | None
    start_date: date | None
    last_day: date | None
    board_id: int | None
    #: (first year counted, FTE) of the amendments that change the FTE, in order.
    fte_changes: tuple[tuple[int, Decimal | None], ...] = ()

    def fte_in(self, year: int) -> Decimal | None:
        """The FTE in force in ``year`` (the amendments' from the year they count)."""
        return value_in_year(self.fte, self.fte_changes, year)


def agreement_refs(
    as_of: date | None = None, ids: Sequence[int] | None = None
) -> list[AgreementRef]:
    """Every non-archived agreement (or those of ``ids``), by title, with the last day it runs
    (three queries); with ``as_of``, as it stood that day (no amendment that takes effect
    later, no notice received later)."""
    return refs_from(ref_rows(ids), live_notices(ids), live_amendments(ids), as_of)


def ref_rows(ids: Sequence[int] | None = None) -> list:
    """The columns :func:`refs_from` reads of the non-archived agreements (of ``ids``)."""
    columns = [getattr(Agreement, f) for f in _REF_COLUMNS]
    stmt = db.select(*columns).where(Agreement.stage != "archived")
    if ids is not None:
        stmt = stmt.where(Agreement.id.in_(list(ids)))
    return db.session.execute(stmt.order_by(Agreement.title, Agreement.id)).all()


def refs_from(
    rows: Iterable, notices: dict, amendments: dict, as_of: date | None
) -> list[AgreementRef]:
    """:func:`agreement_refs` from rows already read (``live_notices``, ``live_amendments``)."""
    if as_of is not None:
        notices = {i: [n for n in ns if n.received_date <= as_of] for i, ns in notices.items()}
        amendments = {
            i: kept
            for i, ams in amendments.items()
            if (kept := [a for a in ams if a.effective_date <= as_of])
        }
    refs = []
    for row in rows:
        if row.id in amendments and row.start_date is not None:
            # Amended: the rules read the latest terms (rarely, so the plain path stays fast).
            facts = SimpleNamespace(
                **row._asdict(),
                amendments=amendments[row.id],
                terminations=notices.get(row.id, []),
            )
            refs.append(
                AgreementRef(
                    row.id,
                    row.title,
                    row.kind,
                    row.diarienummer,
                    row.fte,
                    row.start_date,
                    last_day(facts, as_of),
                    row.board_id,
                    fte_changes(facts, as_of),
                )
            )
            continue
        refs.append(
            AgreementRef(
                row.id,
                row.title,
                row.kind,
                row.diarienummer,
                row.fte,
                row.start_date,
                _last_day(
                    row, termination_end(SimpleNamespace(terminations=notices.get(row.id, [])))
                ),
                row.board_id,
            )
        )
    return refs


_REF_COLUMNS = ("id", "title", "kind", "diarienummer", "fte", "board_id", *TERM_FIELDS)


def _last_day(terms: Any, notice_end: date | None) -> date | None:
    """:func:`app.agreements.services.last_day` for ten thousand rows read as columns: the
    rules are asked only for capped extensions, the one case that needs them."""
    if terms.start_date is None:
        return None
    if terms.end_date is None or terms.continues_open_ended:
        natural = None
    elif terms.extension_months is None:
        natural = terms.end_date
    elif terms.max_extensions is None:
        natural = None
    else:  # capped extensions: the rules count them
        natural = rules_dates.final_end(
            rules_dates.Terms(*(getattr(terms, f) for f in TERM_FIELDS))
        )
    if notice_end is not None and (natural is None or notice_end < natural):
        return notice_end
    return natural


def _names(model) -> dict[int, str]:
    """id → name of every organisation or unit, read now (names are not part of the
    remembered figures, so a renamed nämnd shows its new name at once)."""
    return dict(db.session.execute(db.select(model.id, model.name)).all())


def runs_in_year(agreement: Agreement | AgreementRef, year: int) -> bool:
    """Whether the agreement is in force some day of ``year``: it has started by then and has
    not ended before it — by the end of its last possible period (a term that extends itself
    without a cap, or goes on tills vidare, runs on) or the end a notice fixed. A procurement
    without dates is in force in no year."""
    if agreement.start_date is None or agreement.start_date.year > year:
        return False
    end = agreement.last_day if isinstance(agreement, AgreementRef) else last_day(agreement)
    return end is None or end.year >= year


@dataclass(frozen=True)
class MoneySnapshot:
    """Everything the figures across all agreements are computed from, read in a few bulk
    queries: the non-archived agreements, their lines and shares, the index series and the
    grant rates."""

    agreements: list[AgreementRef]
    money: dict[int, AgreementMoney]
    series: dict[str, rules.Series]
    rates: dict[int, Decimal]
    #: agreement id → {year: the statsbidrag Länsstyrelsen granted}
    granted: dict[int, dict[int, Decimal]] = field(default_factory=dict)


# The index gaps across all agreements (a short list) are remembered per process until
# money_fingerprint() changes: the daily refresh and every start page computed as of another
# day ask for them. The figures themselves are kept in the database (app.finance.figures).
_REMEMBERED: dict[str, Any] = {"key": None, "values": {}}
_REMEMBERED_MAX = 64


def forget_remembered() -> None:
    """Drop every remembered value: the next call computes from the database."""
    _REMEMBERED["key"] = None
    _REMEMBERED["values"] = {}


def _remember(what: tuple, compute: Callable[[], T]) -> T:
    key = (str(db.engine.url), money_fingerprint())
    if _REMEMBERED["key"] != key or len(_REMEMBERED["values"]) >= _REMEMBERED_MAX:
        _REMEMBERED["key"] = key
        _REMEMBERED["values"] = {}
    values = _REMEMBERED["values"]
    if what not in values:
        with collector_paused():  # tens of thousands of small objects: see app.core.bulk
            values[what] = compute()
    return values[what]


def money_snapshot(as_of: date | None = None, ids: list[int] | None = None) -> MoneySnapshot:
    """The data behind the figures across agreements (or those of ``ids``), read now; with
    ``as_of``, as it stood that day (see :func:`not_yet`). Used for a year outside the stored
    figures, a page of settlements in detail, and the index gaps."""
    with collector_paused():
        return MoneySnapshot(
            agreement_refs(as_of, ids),
            load_money(ids, as_of),
            indexation.series_points(),
            grant_rates(),
            granted_amounts(ids, as_of),
        )


@dataclass(frozen=True)
class NotYet:
    """What had not happened on a day: the amendments that take effect later, the notices
    received later and Länsstyrelsen's decisions made later (ids). The figures across
    agreements as of a day depend on the day only through these, so they are remembered by
    them: as of any day after the last of them the figures are the same."""

    amendments: frozenset[int] = frozenset()
    notices: frozenset[int] = frozenset()
    decisions: frozenset[int] = frozenset()


def not_yet(as_of: date | None) -> NotYet:
    """:class:`NotYet` on ``as_of`` (nothing left out when None), in one query."""
    from app.agreements.models import Amendment, Termination

    if as_of is None:
        return NotYet()

    found: dict[str, set[int]] = {"a": set(), "n": set(), "d": set()}
    stmt = db.union_all(
        db.select(sa_literal("a"), Amendment.id).where(
            Amendment.withdrawn_at.is_(None), Amendment.effective_date > as_of
        ),
        db.select(sa_literal("n"), Termination.id).where(
            Termination.withdrawn_at.is_(None), Termination.received_date > as_of
        ),
        db.select(sa_literal("d"), GrantDecision.id).where(GrantDecision.decided_on > as_of),
    )
    for what, row_id in db.session.execute(stmt):
        found[what].add(row_id)
    return NotYet(frozenset(found["a"]), frozenset(found["n"]), frozenset(found["d"]))


GAPS_LISTED = 100  # agreements named one by one in the overview's gaps


class StoredRows(Sequence):
    """The overview rows of a selection read from the stored figures a slice at a time: its
    length is a count, a page is one query, and iterating streams the rows (exports)."""

    def __init__(self, sel: figures.Selection, count: int, extra: Any = None) -> None:
        self.sel, self.count, self.extra = sel, count, extra

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.count)
            if step != 1:
                raise ValueError("step")
            return self._read(start, max(0, stop - start))
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self._read(index, 1)[0]

    def __iter__(self):
        return figures.chunked(self._read, self.count)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.sel} ({self.count})>"

    def _read(self, offset: int, limit: int) -> list[OverviewRow]:
        if limit <= 0:
            return []
        return _overview_rows(figures.figure_rows(self.sel, offset, limit, self.extra))


def _overview_rows(pairs: list) -> list[OverviewRow]:
    ids = [f.agreement_id for f, _shares in pairs]
    columns = {
        r.id: r
        for r in db.session.execute(
            db.select(
                Agreement.id, Agreement.diarienummer, Agreement.fte, Agreement.start_date
            ).where(Agreement.id.in_(ids))
        )
    }
    rows = []
    for f, shares in pairs:
        a = columns.get(f.agreement_id)
        ref = AgreementRef(
            f.agreement_id,
            f.title,
            f.kind,
            a.diarienummer if a else None,
            a.fte if a else None,
            a.start_date if a else None,
            None,
            f.board_id,
        )
        result = rules.YearFigures(
            year=f.year,
            total=f.total,
            preliminary=f.preliminary,
            missing=figures.decode_missing(f.missing),
            statsbidrag=f.statsbidrag,
            net=f.net,
            shares=shares,
            statsbidrag_basis=f.statsbidrag_basis,
        )
        rows.append(OverviewRow(ref, result))
    return rows


def year_results(
    year: int,
    kind: str | None = None,
    board_id: int | None = None,
    organisation_id: int | None = None,
    as_of: date | None = None,
) -> Sequence[OverviewRow]:
    """Every non-archived agreement running in ``year`` (see :func:`runs_in_year`) with its
    year's figures, by title, optionally only one kind, one board's or those with one party;
    with ``as_of``, as the agreements stood that day (DOMAIN: an amendment that takes effect
    later does not exist yet). Read from the stored figures (a lazy sequence) for the years
    they cover, computed otherwise."""
    _year_range(year, year)
    if figures.covers(year):
        sel = figures.Selection(year, as_of, kind, board_id, organisation_id)
        return StoredRows(sel, figures.count(sel))
    return _computed_year_results(year, kind, board_id, organisation_id, as_of)


def _stored_selection(year: int, as_of: date | None, **filters: Any):
    """The selection and its sums when ``year`` is read from the stored figures, else None."""
    _year_range(year, year)
    if not figures.covers(year):
        return None
    sel = figures.Selection(year, as_of, **filters)
    return sel, figures.sums(sel)


def _computed_year_results(
    year: int,
    kind: str | None,
    board_id: int | None,
    organisation_id: int | None,
    as_of: date | None,
) -> list[OverviewRow]:
    rows = _year_results(year, as_of)
    if organisation_id:
        with_party = set(
            db.session.execute(
                db.select(AgreementParty.agreement_id).where(
                    AgreementParty.organisation_id == organisation_id
                )
            ).scalars()
        )
        rows = [r for r in rows if r.agreement.id in with_party]
    if kind:
        rows = [r for r in rows if r.agreement.kind == kind]
    if board_id:
        rows = [r for r in rows if r.agreement.board_id == board_id]
    return rows


def _year_results(year: int, as_of: date | None) -> list[OverviewRow]:
    snap = money_snapshot(as_of)
    empty = AgreementMoney()
    factors: rules.FactorCache = {}
    rows = []
    for a in snap.agreements:
        if not runs_in_year(a, year):
            continue
        m = snap.money.get(a.id, empty)
        figures_ = rules.year_figures(
            m.lines,
            year,
            snap.series,
            a.fte_in(year),
            snap.rates,
            m.shares,
            factors,
            snap.granted.get(a.id),
        )
        rows.append(OverviewRow(a, figures_))
    return rows


@dataclass
class YearListing:
    """One page of a year's agreements for the API, with the sums over all of them."""

    rows: list[OverviewRow]
    count: int
    #: the sum of every known total (an agreement with a missing value is left out)
    total: Decimal
    #: whether every agreement's total is known
    complete: bool


def year_listing(
    year: int,
    page: int,
    per_page: int,
    kind: str | None = None,
    board_id: int | None = None,
    as_of: date | None = None,
) -> YearListing:
    stored = _stored_selection(year, as_of, kind=kind, board_id=board_id)
    if stored is not None:
        sel, sums = stored
        shown = StoredRows(sel, sums.count)[(page - 1) * per_page : page * per_page]
        return YearListing(shown, sums.count, sums.total_known, sums.unknown_totals == 0)
    rows = year_results(year, kind=kind, board_id=board_id, as_of=as_of)
    shown = list(rows[(page - 1) * per_page : page * per_page])
    total = sum((r.result.total for r in rows if r.result.total is not None), Decimal(0))
    return YearListing(shown, len(rows), total, all(r.result.total is not None for r in rows))


def overview(
    year: int,
    kind: str | None = None,
    board_id: int | None = None,
    organisation_id: int | None = None,
    as_of: date | None = None,
) -> Overview:
    """The year's figures across the selected agreements: sums, per board, kind and party,
    and the rows (a lazy sequence when read from the stored figures)."""
    filters = {"kind": kind, "board_id": board_id, "organisation_id": organisation_id}
    stored = _stored_selection(year, as_of, **filters)
    if stored is not None:
        return _stored_overview(year, *stored)
    return _computed_overview(year, year_results(year, as_of=as_of, **filters))


def _by_board(board_names: dict, sums: Iterable[tuple[Any, Decimal, Decimal]]) -> list:
    boards: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for board_id, total, net in sums:
        board = board_names.get(board_id) or _("(ingen nämnd)")
        boards[board][0] += total
        boards[board][1] += net
    return sorted((k, v[0], v[1]) for k, v in boards.items())


def _party_names(party_sum: dict[int, Decimal]) -> list[tuple[str, Decimal]]:
    names = (
        dict(
            db.session.execute(
                db.select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(list(party_sum))
                )
            ).all()
        )
        if party_sum
        else {}
    )
    return sorted((names.get(k, str(k)), v) for k, v in party_sum.items())


def _stored_overview(year: int, sel: figures.Selection, sums: figures.Sums) -> Overview:
    board_names = _names(OrganisationUnit)
    return Overview(
        year=year,
        rows=StoredRows(sel, sums.count),
        total=sums.total,
        statsbidrag=sums.statsbidrag,
        net=sums.net,
        missing_count=sums.missing_count,
        preliminary_count=sums.preliminary_count,
        by_board=_by_board(board_names, sums.by_board),
        by_kind=sorted(sums.by_kind),
        by_party=_party_names(dict(figures.party_sums(sel))),
        unshared_net=sums.unshared_net,
        board_names=board_names,
        count=sums.count,
        complete_count=sums.complete,
        gap_rows=StoredRows(sel, sums.missing_count, YearFigure.missing.is_not(None))[:GAPS_LISTED],
        gap_tallies=figures.missing_tallies(sel),
        stale=figures.stale_count(),
    )


def _computed_overview(year: int, rows: list[OverviewRow]) -> Overview:
    total = statsbidrag = net = unshared = Decimal(0)
    missing = preliminary = complete_count = 0
    board_names = _names(OrganisationUnit)
    boards: list[tuple[Any, Decimal, Decimal]] = []
    kinds: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    party_sum: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        r = row.result
        if r.missing:
            missing += 1
        if r.preliminary:
            preliminary += 1
        # An agreement counts in the sums only with all its figures known, so that on every
        # line compensation − statsbidrag = net; the others are counted in missing_count.
        complete = r.total is not None and r.net is not None
        complete_count += complete
        t = r.total if complete else Decimal(0)
        n = r.net if complete else Decimal(0)
        total += t
        statsbidrag += r.statsbidrag if complete else Decimal(0)
        net += n
        boards.append((row.agreement.board_id, t, n))
        kinds[row.agreement.kind][0] += t
        kinds[row.agreement.kind][1] += n
        if r.shares:
            for org_id, amount in r.shares:
                party_sum[org_id] += amount
        else:
            unshared += n
    return Overview(
        year=year,
        rows=rows,
        total=total,
        statsbidrag=statsbidrag,
        net=net,
        missing_count=missing,
        preliminary_count=preliminary,
        by_board=_by_board(board_names, boards),
        by_kind=sorted((k, v[0], v[1]) for k, v in kinds.items()),
        by_party=_party_names(party_sum),
        unshared_net=unshared,
        board_names=board_names,
        count=len(rows),
        complete_count=complete_count,
        gap_rows=[r for r in rows if r.result.missing],
    )


def money_fingerprint() -> tuple:
    """Changes whenever anything the yearly figures depend on changes: every change of an
    agreement's money touches the agreement (updated_at, version); index values keep a change
    history; grant rates an updated_at. One cheap query."""
    return db.session.execute(
        db.select(
            db.select(func.count(Agreement.id)).scalar_subquery(),
            db.select(func.max(Agreement.updated_at)).scalar_subquery(),
            db.select(func.count(IndexValue.id)).scalar_subquery(),
            db.select(func.max(IndexValueChange.id)).scalar_subquery(),
            db.select(func.count(GrantRate.id)).scalar_subquery(),
            db.select(func.max(GrantRate.updated_at)).scalar_subquery(),
            db.select(func.count(GrantDecision.id)).scalar_subquery(),
            db.select(func.max(GrantDecision.updated_at)).scalar_subquery(),
        )
    ).one()


def totals_per_year(
    from_year: int, to_year: int, as_of: date | None = None
) -> list[tuple[int, Decimal, bool]]:
    """(year, total compensation over all agreements, whether any value is missing) per year;
    each year counts the agreements running in it, like the overview (as of ``as_of``)."""
    _year_range(from_year, to_year)
    covered = figures.covered_years()
    stored = {y for y in range(from_year, to_year + 1) if y in covered}
    kept = figures.year_totals(from_year, to_year, as_of) if stored else {}
    computed = {}
    rest = [y for y in range(from_year, to_year + 1) if y not in stored]
    if rest:
        computed = {y: (t, gap) for y, t, gap in _totals_per_year(rest, as_of)}
    result = []
    for y in range(from_year, to_year + 1):
        total, gap = kept.get(y, (Decimal(0), False)) if y in stored else computed[y]
        result.append((y, total, gap))
    return result


def _totals_per_year(years: list[int], as_of: date | None) -> list[tuple[int, Decimal, bool]]:
    snap = money_snapshot(as_of)
    factors: rules.FactorCache = {}
    result = []
    for y in years:
        total, gap = Decimal(0), False
        for a in snap.agreements:
            m = snap.money.get(a.id)
            if m is None or not m.lines or not runs_in_year(a, y):
                continue
            line_total, _preliminary, _missing = rules.lines_total(m.lines, y, snap.series, factors)
            if line_total is None:
                gap = True
            else:
                total += line_total
        result.append((y, total, gap))
    return result


# --------------------------------------------------------------------------------------------
# Settlement
# --------------------------------------------------------------------------------------------


def settlement_years() -> list[int]:
    """Years whose value in some series went from preliminary to final (newest first)."""
    years: set[int] = set()
    for points in indexation.replaced_preliminaries().values():
        years.update(points)
    return sorted(years, reverse=True)


@dataclass
class SettlementRow:
    agreement: AgreementRef
    settlement: rules.Settlement


@dataclass
class Settlements:
    """Every agreement with something to settle for ``year``, and the sums finance invoices or
    credits: in total (net of statsbidrag) and per party (``names``: organisation id → name)."""

    year: int
    rows: Sequence[SettlementRow]
    net_difference: Decimal
    by_party: list[tuple[str, Decimal]]
    incomplete: int
    names: dict[int, str]


class StoredSettlementRows(StoredRows):
    """The agreements with something to settle, counted and ordered from the stored figures;
    a page's settlements in detail (each line before and after) are computed for that page's
    agreements only. ``sums``: :func:`figures.settle_sums` of the selection, read once."""

    def __init__(self, sel: figures.Selection, sums: tuple[int, int, Decimal]) -> None:
        super().__init__(sel, sums[0], YearFigure.settles)
        self.sums = sums

    def _read(self, offset: int, limit: int) -> list[SettlementRow]:  # type: ignore[override]
        if limit <= 0:
            return []
        ids = figures.ids_in_order(self.sel, offset, limit, self.extra)
        return _settlements(self.sel.year, self.sel.as_of, ids)


def settlements(year: int, as_of: date | None = None) -> Sequence[SettlementRow]:
    """Per agreement in force in ``year`` whose lines follow a series whose value for ``year``
    went from preliminary to final: the year's amounts on the preliminary value against the
    final one (agreements with nothing to settle are left out); the agreements as they stood
    on ``as_of``."""
    _year_range(year, year)
    if figures.covers(year):
        sel = figures.Selection(year, as_of)
        return StoredSettlementRows(sel, figures.settle_sums(sel))
    return _settlements(year, as_of)


def _settlements(
    year: int, as_of: date | None, ids: list[int] | None = None
) -> list[SettlementRow]:
    # Our reading of DOMAIN: a year's settlement is the replacement of that year's own value.
    # The year was invoiced on its preliminary value (and on the earlier years' values, final
    # by then); an earlier year's replacement is settled on that year's page, and a year whose
    # value was entered final at once has nothing to settle.
    replaced = {
        code: pts[year] for code, pts in indexation.replaced_preliminaries().items() if year in pts
    }
    if not replaced or ids == []:
        return []
    affected_codes = set(replaced)
    snap = money_snapshot(as_of, ids)
    after = snap.series
    before = {code: dict(points) for code, points in after.items()}
    for code, point in replaced.items():
        before.setdefault(code, {})[year] = point
    caches: tuple[rules.FactorCache, rules.FactorCache] = ({}, {})
    rows = []
    for a in snap.agreements:
        m = snap.money.get(a.id)
        if m is None or not any(line.series_code in affected_codes for line in m.lines):
            continue
        if not runs_in_year(a, year):
            continue  # nothing was invoiced that year
        s = rules.settlement(
            m.lines,
            year,
            before,
            after,
            a.fte_in(year),
            snap.rates,
            m.shares,
            caches,
            snap.granted.get(a.id),
        )
        if s.total_difference == 0 and not s.missing:
            continue
        rows.append(SettlementRow(a, s))
    return rows


def settlement_overview(year: int, as_of: date | None = None) -> Settlements:
    """:func:`settlements` with the sums over all agreements."""
    rows = settlements(year, as_of)
    names = _names(Organisation)
    if isinstance(rows, StoredSettlementRows):
        _count, incomplete, net = rows.sums
        per_party = figures.party_sums(rows.sel, "settle_difference")
        by_party = sorted((names.get(k, str(k)), v) for k, v in per_party)
        return Settlements(year, rows, net, by_party, incomplete, names)
    net = Decimal(0)
    party_sum: dict[int, Decimal] = defaultdict(Decimal)
    incomplete = 0
    for row in rows:
        s = row.settlement
        if s.net_difference is None:
            incomplete += 1
            continue
        net += s.net_difference
        for share in s.shares:
            party_sum[share.key] += share.difference
    by_party = sorted((names.get(k, str(k)), v) for k, v in party_sum.items())
    return Settlements(year, rows, net, by_party, incomplete, names)


# --------------------------------------------------------------------------------------------
# index_missing deadlines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexMissing:
    """A year whose value finance has not entered for a series active agreements follow."""

    series_code: str
    year: int
    date: date
    agreement_ids: tuple[int, ...]
    #: Every agreement it concerns had ended by the day asked about.
    only_ended: bool = False

    @property
    def key(self) -> str:
        return f"index:{self.series_code}:{self.year}"

    @property
    def title(self) -> str:
        # Stored in the deadlines table, so plain data text (no request locale needed).
        return f"Indexvärde saknas: {self.series_code} {self.year}"


def index_missing_deadlines(as_of: date) -> list[IndexMissing]:
    """Years whose value finance has not yet entered, for each series that a line of a
    non-archived agreement follows and needs: a line indexed in some year Y up to the coming
    year (Y at or after its first adjusted year J, while the agreement runs) needs every year
    from its price level P + 1 to Y. A gap stays listed, however old, until it is entered:
    those years have no amount until then.

    Our choice of date: 31 January of the year the value is for. OPI for a year is published
    in December of the year before (preliminary), so by the end of January finance should have
    entered it, before the first invoices of the year are settled. With the default lead times
    the coming year's value is reminded of from early August.
    """
    return _remember(("index_missing", as_of), lambda: _index_missing(as_of))


def _index_needs(snap: MoneySnapshot, last_year: int) -> dict[tuple[str, int], set[int]]:
    """(series, year) → the agreements that need the value, asked up to ``last_year`` (the
    year after the day asked about) or the year an agreement ends."""
    needed: dict[tuple[str, int], set[int]] = defaultdict(set)
    for a in snap.agreements:
        m = snap.money.get(a.id)
        if m is None or a.start_date is None:
            continue
        up_to = last_year if a.last_day is None else min(last_year, a.last_day.year)
        for line in m.lines:
            if line.series_code is None:
                continue
            if up_to < max(line.effective_first_adjusted_year, a.start_date.year):
                continue  # not indexed in any year the agreement runs up to the coming year
            points = snap.series.get(line.series_code, {})
            for y in range(line.price_level_year + 1, up_to + 1):
                if y not in points:
                    needed[(line.series_code, y)].add(a.id)
    return needed


def _index_missing(as_of: date) -> list[IndexMissing]:
    snap = money_snapshot()
    ended = {a.id for a in snap.agreements if a.last_day is not None and a.last_day < as_of}
    return sorted(
        (
            IndexMissing(code, y, date(y, 1, 31), tuple(sorted(ids)), ids <= ended)
            for (code, y), ids in _index_needs(snap, as_of.year + 1).items()
        ),
        key=lambda d: (d.date, d.series_code),
    )


def index_missing_span(first: date, last: date) -> list[tuple[DeadlineData, date, date]]:
    """:func:`index_missing_producer` as of every day from ``first`` to ``last``, as
    (deadline, the first as-of day it holds on, the first it no longer does). The day asked
    about enters only through its year (values are needed up to the coming year) and whether
    every agreement concerned had ended by then (from the day after the last of them ends)."""
    snap = money_snapshot()
    last_day = {a.id: a.last_day for a in snap.agreements}
    one_day = timedelta(days=1)
    held: dict[tuple[str, int, bool], list] = {}  # → [deadline, from, to) of its latest row
    rows: list[list] = []
    for year in range(first.year, last.year + 1):
        lo = max(first, date(year, 1, 1))
        hi = min(last, date(year, 12, 31)) + one_day
        for (code, y), ids in _index_needs(snap, year + 1).items():
            ends = [last_day[i] for i in ids]
            switch = max(ends) + one_day if None not in ends else hi  # only ended from here
            switch = min(max(switch, lo), hi)
            for since, until, only_ended in ((lo, switch, False), (switch, hi, True)):
                if since >= until:
                    continue
                row = held.get((code, y, only_ended))
                if row is not None and row[2] == since:
                    row[2] = until  # the same row goes on into this year
                    continue
                row = [IndexMissing(code, y, date(y, 1, 31), (), only_ended), since, until]
                held[(code, y, only_ended)] = row
                rows.append(row)
    return [(_as_deadline(d), since, until) for d, since, until in rows]


def _as_deadline(d: IndexMissing, overdue: bool = False) -> DeadlineData:
    return DeadlineData(
        key=d.key,
        kind="index_missing",
        date=d.date,
        title=d.title,
        series_code=d.series_code,
        year=d.year,
        overdue=overdue,
        only_ended=d.only_ended,
    )


@register_global_producer
def index_missing_producer(as_of: date) -> list[DeadlineData]:
    """index_missing deadlines (see index_missing_deadlines for the dates chosen)."""
    return [_as_deadline(d, overdue=d.date < as_of) for d in index_missing_deadlines(as_of)]


register_global_span(index_missing_producer, index_missing_span, "index_missing")
