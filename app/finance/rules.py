"""The money rules of DOMAIN.md ("Money"), as pure functions.

No Flask, no SQLAlchemy, no clock: everything a rule needs comes in as arguments, so the same
answer comes out for a view, a report, the API and a test.

Indexation
    An amount A in price level P, following series S with yearly changes r(y) (percent), from a
    first adjusted year J (default P + 1), is in year Y:

    * A, for Y < J;
    * A × Π (1 + r(y)/100) over y = P+1 … Y, for Y ≥ J (from P+1, not from J: the years
      between the price level and J are caught up in the first adjusted year).

    The factor is exact (decimal arithmetic that refuses to round); each line's amount is
    rounded once, to whole kronor, half away from zero; a year's total is the sum of its rounded
    lines. A missing index value gives no amount and names every missing (series, year); a
    preliminary value marks the result preliminary. See :func:`line_for_year` for
    ``rounding = "yearly"``.

Everything else: state grant (FTE × grant per full-time ombud), net cost, cost shares split to
öre by the largest-remainder method, instalments (1/12 a month, the last takes the remainder) and
the settlement when a final index value replaces a preliminary one.

Messages meant for users are Swedish.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import TypeVar

from app.core.money import exact_context, fraction_to_ore, is_whole_ore, round_kronor
from app.grants import rules as grant_rules
from app.indexation.rules import (  # the series' own rules; re-exported for finance's callers
    MAX_YEAR,
    MIN_YEAR,
    IndexPoint,
    Series,
    parse_percent,
    validate_percent,
)

_ZERO = Fraction(0)

__all__ = [
    "FREQUENCIES",
    "MAX_YEAR",
    "MIN_YEAR",
    "ROUNDING_MODES",
    "CompensationLine",
    "IndexPoint",
    "LineResult",
    "LineSettlement",
    "MissingGrant",
    "MissingValue",
    "NoCompensation",
    "Series",
    "Settlement",
    "ShareSettlement",
    "YearFigures",
    "YearResult",
    "compute_year",
    "compute_years",
    "equal_shares",
    "instalments",
    "key_shares",
    "line_for_year",
    "lines_for_year",
    "lines_total",
    "parse_percent",
    "settlement",
    "split_largest_remainder",
    "validate_line",
    "validate_percent",
    "validate_shares",
    "year_figures",
]

K = TypeVar("K", bound=Hashable)

#: The longest span :func:`compute_years` will compute in one call.
MAX_YEARS_PER_CALL = 200
ROUNDING_MODES = ("final", "yearly")
FREQUENCIES = {"monthly": 12, "quarterly": 4, "yearly": 1}
_HUNDRED = Decimal(100)
_ONE = Decimal(1)
# The many-agreement paths below call these contexts' methods directly (no ``with`` block per
# line): exact arithmetic that raises instead of rounding, and rounding to whole kronor.
# 5 000 digits hold any factor exactly: at most 300 yearly steps (1900–2200) of five decimals.
_EXACT = Context(prec=5000, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Inexact])
_TO_KRONOR = Context(prec=5000, rounding=ROUND_HALF_UP, traps=[InvalidOperation])


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompensationLine:
    """One line of an agreement's compensation, in the prices of ``price_level_year``.

    ``series_code`` None means a fixed amount that is never indexed. ``first_adjusted_year``
    None means ``price_level_year + 1``. Before ``from_year`` the line is not part of the
    compensation (amount 0). ``rounding`` is ``"final"`` (DOMAIN's default: round
    once) or ``"yearly"`` (round to whole kronor after each year's uplift).
    """

    label: str
    amount: Decimal
    price_level_year: int
    series_code: str | None
    first_adjusted_year: int | None = None
    rounding: str = "final"
    #: The line counts from this year on (a tilläggsavtal's line, a call-off among them);
    #: None: in every year.
    from_year: int | None = None
    #: The line counts before this year only: a tilläggsavtal's lines replace it from then on
    #: (``app.agreements.terms.compensation_years``); None: no end.
    until_year: int | None = None

    def counts_in(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (
            self.until_year is None or year < self.until_year
        )

    @property
    def effective_first_adjusted_year(self) -> int:
        """J: the first adjusted year, defaulting to the year after the price level."""
        if self.first_adjusted_year is None:
            return self.price_level_year + 1
        return self.first_adjusted_year

    @cached_property
    def problems(self) -> tuple[tuple[str, str], ...]:
        """:func:`validate_line`'s findings as (field, message) pairs, worked out once: a line
        is immutable, and the overview computes thousands of lines for several years."""
        return tuple(validate_line(self).items())


@dataclass(frozen=True)
class MissingValue:
    """An index value that is needed and not (yet) entered."""

    series_code: str
    year: int

    @property
    def message(self) -> str:
        return f"Indexvärde saknas: {self.series_code} {self.year}."


@dataclass(frozen=True)
class MissingGrant:
    """A statsbidrag rate (grant per full-time ombud) that is needed and not entered."""

    year: int

    @property
    def message(self) -> str:
        return f"Statsbidrag per årsarbetare saknas för {self.year}."


@dataclass(frozen=True)
class NoCompensation:
    """An agreement with no compensation line: its cost is unknown, not zero."""

    @property
    def message(self) -> str:
        return "Ingen ersättning registrerad."


@dataclass(frozen=True)
class LineResult:
    """A line's amount in one year.

    ``amount`` is whole kronor, or None when an index value is missing (then ``missing`` names
    each one). ``factor`` is the exact product Π(1 + r/100) that was applied — ``Decimal(1)``
    for a fixed amount or a year before the first adjusted year — and None when an index value
    is missing (a partial product would be a guess). ``chain`` lists the index points used, in
    year order, so that a page can explain the figure.
    """

    label: str
    amount: Decimal | None
    factor: Decimal | None
    preliminary: bool
    missing: tuple[MissingValue, ...] = ()
    chain: tuple[IndexPoint, ...] = ()


@dataclass(frozen=True)
class YearFigures:
    """One year of an agreement's compensation, without the per-line detail.

    ``total`` is the sum of the rounded lines (None when any line has no amount).
    ``statsbidrag`` is FTE × grant for the year, rounded to öre half away from zero;
    ``Decimal(0)`` when there is no FTE; None when the grant rate for the year is missing.
    ``net`` = total − statsbidrag (None when either is None). ``shares`` splits ``net`` to
    öre by the largest-remainder method (empty without shares or without a net).
    ``missing`` gathers each missing index value once, and the missing grant.
    With a recorded decision (``granted``) its amount is the statsbidrag instead.
    """

    year: int
    total: Decimal | None
    preliminary: bool
    missing: list[MissingValue | MissingGrant | NoCompensation]
    statsbidrag: Decimal | None
    net: Decimal | None
    shares: list[tuple[Hashable, Decimal]]
    #: "expected" (FTE × rate) or "granted" (Länsstyrelsen's recorded decision), see
    #: :func:`app.grants.rules.statsbidrag`.
    statsbidrag_basis: str = "expected"


@dataclass(frozen=True)
class YearResult(YearFigures):
    """:class:`YearFigures` with each line's amount, factor and chain of index points."""

    items: list[LineResult] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _year_ok(y: object) -> bool:
    return isinstance(y, int) and not isinstance(y, bool) and MIN_YEAR <= y <= MAX_YEAR


def validate_line(line: CompensationLine) -> dict[str, str]:
    """Check a compensation line; return ``{field: Swedish message}`` (empty when fine)."""
    errors: dict[str, str] = {}
    if not isinstance(line.label, str) or not line.label.strip():
        errors["label"] = "Ange en benämning för raden."

    amount = line.amount
    if isinstance(amount, float | bool):
        errors["amount"] = "Beloppet måste anges exakt (Decimal), inte som flyttal."
    elif not isinstance(amount, Decimal | int):
        errors["amount"] = "Beloppet måste vara ett tal."
    elif not Decimal(amount).is_finite():
        errors["amount"] = "Beloppet måste vara ett ändligt tal."
    elif amount < 0:
        errors["amount"] = "Beloppet får inte vara negativt."
    elif not is_whole_ore(amount):
        errors["amount"] = "Beloppet får ha högst två decimaler (hela ören)."

    p_ok = _year_ok(line.price_level_year)
    if not p_ok:
        errors["price_level_year"] = (
            f"Prisnivååret måste vara ett årtal mellan {MIN_YEAR} och {MAX_YEAR}."
        )
    j = line.first_adjusted_year
    if j is not None:
        if not _year_ok(j):
            errors["first_adjusted_year"] = (
                f"Första justeringsåret måste vara ett årtal mellan {MIN_YEAR} och {MAX_YEAR}."
            )
        elif p_ok and j <= line.price_level_year:
            errors["first_adjusted_year"] = (
                f"Första justeringsåret ({j}) måste komma efter prisnivååret "
                f"({line.price_level_year}); beloppet är redan i {line.price_level_year} års "
                "priser."
            )
    if line.from_year is not None and not _year_ok(line.from_year):
        errors["from_year"] = f"Året raden gäller från måste vara mellan {MIN_YEAR} och {MAX_YEAR}."
    if line.series_code is not None and (
        not isinstance(line.series_code, str) or not line.series_code.strip()
    ):
        errors["series_code"] = "Ange en indexserie, eller ingen för ett fast belopp."
    if line.rounding not in ROUNDING_MODES:
        errors["rounding"] = "Avrundning måste vara ”final” (en gång) eller ”yearly” (varje år)."
    return errors


# --------------------------------------------------------------------------------------------
# Indexation
# --------------------------------------------------------------------------------------------


def _as_decimal(x: object, what: str) -> Decimal:
    if isinstance(x, float | bool) or not isinstance(x, Decimal | int):
        raise TypeError(f"{what} must be a Decimal (got {type(x).__name__}); never a float.")
    d = Decimal(x)
    if not d.is_finite():
        raise ValueError(f"{what} must be finite.")
    return d


def _uplift(percent: Decimal) -> Decimal:
    return 1 + _as_decimal(percent, "IndexPoint.percent") / _HUNDRED


def _refuse_invalid(line: CompensationLine) -> None:
    if line.problems:
        raise ValueError(" ".join(message for _field, message in line.problems))


def line_for_year(line: CompensationLine, year: int, series: Series | None) -> LineResult:
    """A line's amount in ``year`` (DOMAIN.md, "Indexation").

    ``series`` is the line's index series (year → point), or None when the agreement's series
    is not available at all (then every needed year is reported missing).

    * Fixed line (``series_code`` None), or ``year`` < J: the amount itself, rounded to
      whole kronor, factor 1.
    * ``year`` ≥ J: A × Π(1 + r(y)/100) over y = P+1 … year. With ``rounding = "final"`` the
      exact product is rounded once, half away from zero.
    * ``rounding = "yearly"`` — our reading: start from A as given, and for y = P+1, …, year
      in turn multiply by (1 + r(y)/100) and round to whole kronor, half away from zero,
      before the next uplift. The years between P and J that are caught up in J are rounded
      the same way, one uplift at a time. ``factor`` still reports the exact product.

    A missing year gives ``amount`` None and lists every missing (series, year); nothing is
    guessed. Any preliminary point used marks the result preliminary.

    This is the rule written out for one line; :func:`lines_for_year` and
    :func:`year_figures` give the same answers for many lines at once (tests hold them to it).
    """
    _refuse_invalid(line)
    if line.from_year is not None and year < line.from_year:
        return LineResult(line.label, Decimal(0), Decimal(1), False)
    amount = _as_decimal(line.amount, "CompensationLine.amount")
    j = line.effective_first_adjusted_year
    if line.series_code is None or year < j:
        return LineResult(line.label, round_kronor(amount), Decimal(1), False)

    chain: list[IndexPoint] = []
    missing: list[MissingValue] = []
    for y in range(line.price_level_year + 1, year + 1):
        point = series.get(y) if series is not None else None
        if point is None:
            missing.append(MissingValue(line.series_code, y))
        else:
            chain.append(point)
    preliminary = any(p.preliminary for p in chain)
    if missing:
        return LineResult(line.label, None, None, preliminary, tuple(missing), tuple(chain))

    with exact_context():
        factor = Decimal(1)
        for point in chain:
            factor *= _uplift(point.percent)
        if line.rounding == "yearly":
            running = amount
            for point in chain:
                running = round_kronor(running * _uplift(point.percent))
            result = running
        else:
            result = round_kronor(amount * factor)
    return LineResult(line.label, result, factor, preliminary, (), tuple(chain))


@dataclass(frozen=True)
class Uplift:
    """Indexation in one series from a price level P to a year Y: the exact factor
    Π(1 + r(y)/100) over y = P+1 … Y and each year's step (None and () when a value is
    missing), whether a preliminary value was used, the missing values and the points used."""

    factor: Decimal | None
    steps: tuple[Decimal, ...]
    preliminary: bool
    missing: tuple[MissingValue, ...]
    chain: tuple[IndexPoint, ...]


#: (series code, price level, year) → :class:`Uplift`, shared by the lines of many agreements;
#: valid for one ``series_by_code``.
FactorCache = dict[tuple[str, int, int], Uplift]


def _uplift_between(
    code: str, price_level: int, year: int, series_by_code: Mapping[str, Series], cache: FactorCache
) -> Uplift:
    key = (code, price_level, year)
    found = cache.get(key)
    if found is not None:
        return found
    series = series_by_code.get(code)
    chain: list[IndexPoint] = []
    missing: list[MissingValue] = []
    for y in range(price_level + 1, year + 1):
        point = series.get(y) if series is not None else None
        if point is None:
            missing.append(MissingValue(code, y))
        else:
            chain.append(point)
    preliminary = any(p.preliminary for p in chain)
    if missing:
        up = Uplift(None, (), preliminary, tuple(missing), tuple(chain))
    else:
        steps = tuple(
            _EXACT.add(_ONE, _EXACT.divide(_as_decimal(p.percent, "IndexPoint.percent"), _HUNDRED))
            for p in chain
        )
        factor = _ONE
        for step in steps:
            factor = _EXACT.multiply(factor, step)
        up = Uplift(factor, steps, preliminary, (), tuple(chain))
    cache[key] = up
    return up


def _indexed_amount(line: CompensationLine, up: Uplift) -> Decimal | None:
    """The line's amount under ``up`` (the year is at or after its first adjusted year)."""
    if up.factor is None:
        return None
    if line.rounding == "yearly":
        running = line.amount
        for step in up.steps:
            running = _EXACT.multiply(running, step).quantize(
                _ONE, rounding=ROUND_HALF_UP, context=_TO_KRONOR
            )
        return running
    return _EXACT.multiply(line.amount, up.factor).quantize(
        _ONE, rounding=ROUND_HALF_UP, context=_TO_KRONOR
    )


def lines_for_year(
    lines: Iterable[CompensationLine],
    year: int,
    series_by_code: Mapping[str, Series],
    factor_cache: FactorCache | None = None,
) -> list[LineResult]:
    """:func:`line_for_year` for many lines. Lines that follow the same series from the same
    price level share their factor, chain and missing values, so each is worked out once per
    such group (``factor_cache``, valid for one ``series_by_code``)."""
    cache: FactorCache = {} if factor_cache is None else factor_cache
    results = []
    for line in lines:
        _refuse_invalid(line)
        if not line.counts_in(year):
            results.append(LineResult(line.label, Decimal(0), _ONE, False))
            continue
        if line.series_code is None or year < line.effective_first_adjusted_year:
            results.append(LineResult(line.label, round_kronor(line.amount), _ONE, False))
            continue
        up = _uplift_between(line.series_code, line.price_level_year, year, series_by_code, cache)
        results.append(
            LineResult(
                line.label,
                _indexed_amount(line, up),
                up.factor,
                up.preliminary,
                up.missing,
                up.chain,
            )
        )
    return results


def lines_total(
    lines: Iterable[CompensationLine],
    year: int,
    series_by_code: Mapping[str, Series],
    factor_cache: FactorCache | None = None,
) -> tuple[Decimal | None, bool, list[MissingValue]]:
    """What :func:`compute_year` makes of :func:`lines_for_year`'s items — the sum of the
    rounded amounts (None when one is missing), whether a preliminary value was used, and each
    missing value once — without a LineResult per line (the overview computes tens of
    thousands of lines). No lines at all: total None (nothing is known of the cost)."""
    cache: FactorCache = {} if factor_cache is None else factor_cache
    total = Decimal(0)
    complete = False  # until a line is seen
    seen_line = False
    preliminary = False
    missing: list[MissingValue] = []
    for line in lines:
        if not seen_line:
            seen_line = complete = True
        if line.problems:
            _refuse_invalid(line)
        if not line.counts_in(year):
            continue
        if line.series_code is None or year < line.effective_first_adjusted_year:
            total = _EXACT.add(total, round_kronor(line.amount))
            continue
        up = _uplift_between(line.series_code, line.price_level_year, year, series_by_code, cache)
        if up.preliminary:
            preliminary = True
        if up.factor is None:
            complete = False
            missing.extend(m for m in up.missing if m not in missing)
            continue
        total = _EXACT.add(total, _indexed_amount(line, up))
    return (total if complete else None), preliminary, missing


def _grant_net_shares(
    year: int,
    lines: Sequence[CompensationLine],
    total: Decimal | None,
    missing: list,
    fte: Decimal | int | None,
    grant_rates: Mapping[int, Decimal] | None,
    shares: Sequence[tuple[K, Fraction]],
    granted: Mapping[int, Decimal] | None = None,
) -> tuple[Decimal | None, Decimal | None, list[tuple[K, Decimal]], str]:
    """What :func:`compute_year` and :func:`year_figures` share once the lines' ``total`` is
    known: an agreement without lines (its cost unknown) noted in ``missing``, statsbidrag (the
    year's FTE × its grant, to öre; a missing grant rate noted too), net cost and its split
    between the shares. The statsbidrag and its basis come from the grants rule (the granted
    amount of ``granted``, year → amount, once recorded)."""
    if not lines:
        missing.append(NoCompensation())
    fte_d = Decimal(0) if fte is None else _as_decimal(fte, "fte")
    if fte_d < 0:
        raise ValueError("Antalet årsarbetare kan inte vara negativt.")
    rate = (grant_rates or {}).get(year)
    grant = grant_rules.statsbidrag(
        fte_d, None if rate is None else _as_decimal(rate, "grant rate"), (granted or {}).get(year)
    )
    statsbidrag = grant.amount
    if statsbidrag is None:
        missing.append(MissingGrant(year))

    net = total - statsbidrag if total is not None and statsbidrag is not None else None
    split: list[tuple[K, Decimal]] = []
    if shares and net is not None:
        split = split_largest_remainder(net, shares)
    elif shares:
        _check_shares(shares)
    return statsbidrag, net, split, grant.basis


def compute_year(
    lines: Iterable[CompensationLine],
    year: int,
    series_by_code: Mapping[str, Series],
    fte: Decimal | int | None = None,
    grant_rates: Mapping[int, Decimal] | None = None,
    shares: Sequence[tuple[K, Fraction]] = (),
    factor_cache: FactorCache | None = None,
    granted: Mapping[int, Decimal] | None = None,
) -> YearResult:
    """Compensation line by line, statsbidrag, net cost and each party's share for one year.

    ``grant_rates`` maps year → statsbidrag per full-time ombud. ``shares`` are (key, fraction)
    pairs adding up to exactly 1 (else :class:`ValueError`). Statsbidrag is rounded to öre.
    ``factor_cache`` may be shared by calls with the same series (see :func:`lines_for_year`).
    """
    lines = list(lines)
    items = lines_for_year(lines, year, series_by_code, factor_cache)
    missing: list[MissingValue | MissingGrant | NoCompensation] = []
    for item in items:
        for m in item.missing:
            if m not in missing:
                missing.append(m)
    total: Decimal | None = None
    if items and all(i.amount is not None for i in items):
        total = sum((i.amount for i in items if i.amount is not None), Decimal(0))
    statsbidrag, net, split, basis = _grant_net_shares(
        year, lines, total, missing, fte, grant_rates, shares, granted
    )
    return YearResult(
        year=year,
        items=items,
        total=total,
        preliminary=any(i.preliminary for i in items),
        missing=missing,
        statsbidrag=statsbidrag,
        net=net,
        shares=split,
        statsbidrag_basis=basis,
    )


def year_figures(
    lines: Iterable[CompensationLine],
    year: int,
    series_by_code: Mapping[str, Series],
    fte: Decimal | int | None = None,
    grant_rates: Mapping[int, Decimal] | None = None,
    shares: Sequence[tuple[K, Fraction]] = (),
    factor_cache: FactorCache | None = None,
    granted: Mapping[int, Decimal] | None = None,
) -> YearFigures:
    """:func:`compute_year` without the lines: the same total, statsbidrag, net, shares,
    missing values and preliminary mark, at a fraction of the cost (for overviews and charts
    across all agreements)."""
    lines = list(lines)
    total, preliminary, index_missing = lines_total(lines, year, series_by_code, factor_cache)
    missing: list[MissingValue | MissingGrant | NoCompensation] = list(index_missing)
    statsbidrag, net, split, basis = _grant_net_shares(
        year, lines, total, missing, fte, grant_rates, shares, granted
    )
    return YearFigures(
        year=year,
        total=total,
        preliminary=preliminary,
        missing=missing,
        statsbidrag=statsbidrag,
        net=net,
        shares=split,
        statsbidrag_basis=basis,
    )


def compute_years(
    lines: Iterable[CompensationLine],
    from_year: int,
    to_year: int,
    series_by_code: Mapping[str, Series],
    fte: Decimal | int | None = None,
    grant_rates: Mapping[int, Decimal] | None = None,
    shares: Sequence[tuple[K, Fraction]] = (),
    granted: Mapping[int, Decimal] | None = None,
) -> list[YearResult]:
    """:func:`compute_year` for each year from ``from_year`` to ``to_year`` inclusive."""
    if from_year > to_year:
        raise ValueError("Från-året måste vara före eller samma som till-året.")
    if to_year - from_year + 1 > MAX_YEARS_PER_CALL:
        raise ValueError(f"Högst {MAX_YEARS_PER_CALL} år åt gången.")
    lines = list(lines)
    return [
        compute_year(lines, y, series_by_code, fte, grant_rates, shares, granted=granted)
        for y in range(from_year, to_year + 1)
    ]


# --------------------------------------------------------------------------------------------
# Cost shares
# --------------------------------------------------------------------------------------------


def _fmt_fraction(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def validate_shares(shares: Sequence[tuple[Hashable, Fraction]]) -> str | None:
    """Swedish message when the shares cannot split a cost, else None.

    Refuses: no shares, a party named twice, a share that is not an exact fraction, a negative
    share, and shares that do not add up to exactly 1 ("Andelarna summerar till 11/12, inte
    exakt 1.").
    """
    if not shares:
        return "Ange minst en andel."
    keys = [k for k, _ in shares]
    if len(set(keys)) != len(keys):
        return "Samma part har angetts mer än en gång."
    values = tuple(s for _, s in shares)
    return _check_share_values(values, tuple(type(s) for s in values))


@lru_cache(maxsize=4096)
def _check_share_values(values: tuple, _types: tuple[type, ...]) -> str | None:
    # The same few sets of shares (1/2 + 1/2, 1/3 × 3 …) recur across thousands of agreements;
    # the types are part of the key since 0.5 == Fraction(1, 2) hash alike.
    for s in values:
        if not isinstance(s, Fraction | int) or isinstance(s, bool):
            return "Andelarna måste vara exakta bråk (t.ex. 1/3), inte flyttal."
        if s < 0:
            return "En andel får inte vara negativ."
    total = sum((Fraction(s) for s in values), Fraction(0))
    if total != 1:
        return f"Andelarna summerar till {_fmt_fraction(total)}, inte exakt 1."
    return None


def _check_shares(shares: Sequence[tuple[Hashable, Fraction]]) -> None:
    message = validate_shares(shares)
    if message:
        raise ValueError(message)


def split_largest_remainder(
    total: Decimal, shares: Sequence[tuple[K, Fraction]]
) -> list[tuple[K, Decimal]]:
    """Split ``total`` to öre by the largest-remainder method.

    Each key first gets its exact share rounded toward zero to öre; the öre left over go one
    each to the keys with the largest remainders (ties: input order). The result adds up to
    ``total`` exactly and each part is within one öre of the exact share. A negative total is
    split as its absolute value and negated, so the rule is symmetric. ``total`` must be in
    whole öre and the shares must add up to exactly 1, else :class:`ValueError`.
    """
    _check_shares(shares)
    t = _as_decimal(total, "total")
    with exact_context():
        try:
            total_ore = int((t * 100).to_integral_exact())
        except Inexact:
            raise ValueError("Beloppet att fördela måste vara i hela ören.") from None
    sign = -1 if total_ore < 0 else 1
    magnitude = abs(total_ore)
    floors: list[int] = []
    remainders: list[Fraction] = []
    for _, s in shares:
        # Integer arithmetic; a Fraction only for the remainder, which orders the leftovers.
        numerator, denominator = s.numerator, s.denominator
        f, rest = divmod(magnitude * numerator, denominator)
        floors.append(f)
        remainders.append(Fraction(rest, denominator) if rest else _ZERO)
    leftover = magnitude - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(k, Decimal(sign * n).scaleb(-2)) for (k, _), n in zip(shares, floors, strict=True)]


def equal_shares(keys: Iterable[K]) -> list[tuple[K, Fraction]]:
    """Equal parts: each of n keys gets exactly 1/n."""
    ks = list(keys)
    if not ks:
        raise ValueError("Ange minst en part.")
    if len(set(ks)) != len(ks):
        raise ValueError("Samma part har angetts mer än en gång.")
    return [(k, Fraction(1, len(ks))) for k in ks]


def key_shares(values: Mapping[K, Decimal | int]) -> list[tuple[K, Fraction]]:
    """Shares by a key (population, number of clients): each value over the sum, exactly."""
    if not values:
        raise ValueError("Ange minst en part.")
    exact: list[tuple[K, Fraction]] = []
    for k, v in values.items():
        d = _as_decimal(v, "key value")
        if d < 0:
            raise ValueError("Fördelningsnyckelns värden får inte vara negativa.")
        exact.append((k, Fraction(d)))
    total = sum((v for _, v in exact), Fraction(0))
    if total == 0:
        raise ValueError("Fördelningsnyckeln summerar till noll; kostnaden kan inte fördelas.")
    return [(k, v / total) for k, v in exact]


# --------------------------------------------------------------------------------------------
# Instalments
# --------------------------------------------------------------------------------------------


def instalments(annual: Decimal, frequency: str) -> list[Decimal]:
    """Split a yearly amount into invoices: ``"monthly"`` (12), ``"quarterly"`` (4), ``"yearly"``.

    All but the last are annual / n rounded to öre, half away from zero; the last takes the
    remainder, so they add up to ``annual`` exactly. ``annual`` must be in whole öre.
    """
    n = FREQUENCIES.get(frequency)
    if n is None:
        raise ValueError(
            f"Okänd faktureringsfrekvens {frequency!r}; välj {', '.join(FREQUENCIES)}."
        )
    a = _as_decimal(annual, "annual")
    if not is_whole_ore(a):
        raise ValueError("Årsbeloppet måste vara i hela ören.")
    a = fraction_to_ore(Fraction(a))
    part = fraction_to_ore(Fraction(a) / n)
    with exact_context():
        last = a - part * (n - 1)
    return [part] * (n - 1) + [last]


# --------------------------------------------------------------------------------------------
# Settlement of preliminary against final index values
# --------------------------------------------------------------------------------------------


def _diff(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    return None if before is None or after is None else after - before


@dataclass(frozen=True)
class LineSettlement:
    """One line: the amount on the old values, on the new values, and after − before."""

    label: str
    before: Decimal | None
    after: Decimal | None
    difference: Decimal | None


@dataclass(frozen=True)
class ShareSettlement:
    """One party: its share before and after, and what it owes (+) or gets back (−)."""

    key: Hashable
    before: Decimal
    after: Decimal
    difference: Decimal


@dataclass(frozen=True)
class Settlement:
    """What to settle for ``year`` when index values change (preliminary → final).

    Differences are after − before: positive means the payer owes more. Statsbidrag does not
    depend on the index, so ``net_difference`` equals ``total_difference``. Per party, the
    difference is its share after minus its share before (each split by largest remainder),
    so the parties' differences add up to ``net_difference`` exactly. Any None means a value
    is still missing on one side (see ``missing``); then there is nothing to settle yet.
    """

    year: int
    lines: list[LineSettlement]
    total_before: Decimal | None
    total_after: Decimal | None
    total_difference: Decimal | None
    net_before: Decimal | None
    net_after: Decimal | None
    net_difference: Decimal | None
    shares: list[ShareSettlement]
    preliminary_before: bool
    preliminary_after: bool
    missing: list[MissingValue | MissingGrant]
    before: YearResult
    after: YearResult


def settlement(
    lines: Iterable[CompensationLine],
    year: int,
    series_before: Mapping[str, Series],
    series_after: Mapping[str, Series],
    fte: Decimal | int | None = None,
    grant_rates: Mapping[int, Decimal] | None = None,
    shares: Sequence[tuple[K, Fraction]] = (),
    factor_caches: tuple[FactorCache, FactorCache] | None = None,
    granted: Mapping[int, Decimal] | None = None,
) -> Settlement:
    """The difference to settle for ``year`` between two sets of index values.

    ``series_before`` holds what was invoiced on (e.g. OPI 2023 3.5 % preliminary),
    ``series_after`` the values now known (OPI 2023 4.6 % final). ``factor_caches`` (one for
    each side) may be shared by calls with the same two sets of series.
    """
    lines = list(lines)
    cache_before, cache_after = factor_caches or ({}, {})
    before = compute_year(
        lines, year, series_before, fte, grant_rates, shares, cache_before, granted=granted
    )
    after = compute_year(
        lines, year, series_after, fte, grant_rates, shares, cache_after, granted=granted
    )
    line_settlements = [
        LineSettlement(b.label, b.amount, a.amount, _diff(b.amount, a.amount))
        for b, a in zip(before.items, after.items, strict=True)
    ]
    share_settlements: list[ShareSettlement] = []
    if before.shares and after.shares:
        share_settlements = [
            ShareSettlement(kb, sb, sa, sa - sb)
            for (kb, sb), (_, sa) in zip(before.shares, after.shares, strict=True)
        ]
    missing: list[MissingValue | MissingGrant] = []
    for m in [*before.missing, *after.missing]:
        if m not in missing:
            missing.append(m)
    return Settlement(
        year=year,
        lines=line_settlements,
        total_before=before.total,
        total_after=after.total,
        total_difference=_diff(before.total, after.total),
        net_before=before.net,
        net_after=after.net,
        net_difference=_diff(before.net, after.net),
        shares=share_settlements,
        preliminary_before=before.preliminary,
        preliminary_after=after.preliminary,
        missing=missing,
        before=before,
        after=after,
    )
