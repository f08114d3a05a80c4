"""The rules of the yearly cycle (DOMAIN.md, "State grant" and "The yearly cycle"), as pure
functions: no database, no request, no clock.

- :func:`statsbidrag`: the grant a year brings — Länsstyrelsen's granted amount once recorded,
  else the expected FTE × rate (to öre) — with its basis, so every page can say which.
- :func:`split_by_fte`: one decision for several agreements split in proportion to their FTE,
  to the krona by the largest-remainder method, so the parts add up to the decision exactly.
- :func:`validate_statistics`: a year's statistics checked for what cannot be (negative
  counts, more persons per municipality or reasons than persons, a year outside the agreement).

Messages meant for users are Swedish.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction
from typing import TypeVar

from app.core.money import round_ore

__all__ = [
    "EXPECTED",
    "GRANTED",
    "Grant",
    "StatisticsInput",
    "expected_grant",
    "split_by_fte",
    "statsbidrag",
    "validate_statistics",
]

K = TypeVar("K", bound=Hashable)

#: The basis of a year's statsbidrag: FTE × rate, or Länsstyrelsen's recorded decision.
EXPECTED = "expected"
GRANTED = "granted"
#: More hours a week per person than a week has is a typing mistake.
MAX_HOURS_PER_WEEK = Decimal(168)
#: More persons than this in one agreement's year is a typing mistake.
MAX_PERSONS = 1_000_000

_EXACT = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Inexact])


@dataclass(frozen=True)
class Grant:
    """A year's statsbidrag: ``amount`` (None when the rate is missing and nothing is granted)
    and its ``basis``, :data:`EXPECTED` or :data:`GRANTED`."""

    amount: Decimal | None
    basis: str

    @property
    def granted(self) -> bool:
        return self.basis == GRANTED


def expected_grant(fte: Decimal | None, rate: Decimal | None) -> Decimal | None:
    """FTE × the year's rate per full-time ombud, to öre; 0 without FTE; None without a rate."""
    if fte is None or fte == 0:
        return Decimal(0)
    if fte < 0:
        raise ValueError("Antalet årsarbetare kan inte vara negativt.")
    if rate is None:
        return None
    return round_ore(_EXACT.multiply(Decimal(fte), Decimal(rate)))


def statsbidrag(fte: Decimal | None, rate: Decimal | None, granted: Decimal | None) -> Grant:
    """The statsbidrag that counts for an agreement's year: the granted amount once
    Länsstyrelsen's decision is recorded, else the expected FTE × rate."""
    if granted is not None:
        return Grant(Decimal(granted), GRANTED)
    return Grant(expected_grant(fte, rate), EXPECTED)


def split_by_fte(total: Decimal, ftes: Sequence[tuple[K, Decimal]]) -> list[tuple[K, Decimal]]:
    """Split ``total`` (whole kronor) over the keys in proportion to their FTE, to the krona.

    Each key first gets its exact part rounded down to whole kronor; the kronor left over go
    one each to the keys with the largest remainders (ties: input order). The parts add up to
    ``total`` exactly. Raises :class:`ValueError` (Swedish) for öre in the total, a negative
    total or FTE, or no FTE at all.
    """
    total = Decimal(total)
    if total < 0:
        raise ValueError("Beloppet får inte vara negativt.")
    if total != total.to_integral_value():
        raise ValueError("Beslutets belopp fördelas i hela kronor; ange det utan ören.")
    if not ftes:
        raise ValueError("Välj minst ett avtal att fördela beslutet på.")
    weights = [Fraction(Decimal(f)) for _, f in ftes]
    if any(w < 0 for w in weights):
        raise ValueError("Antalet årsarbetare kan inte vara negativt.")
    whole = sum(weights, Fraction(0))
    if whole == 0:
        raise ValueError("Avtalen har inga årsarbetare det året; beslutet kan inte fördelas.")
    kronor = int(total)
    floors: list[int] = []
    remainders: list[Fraction] = []
    for w in weights:
        exact = kronor * w / whole
        f = exact.numerator // exact.denominator
        floors.append(f)
        remainders.append(exact - f)
    leftover = kronor - sum(floors)
    for i in sorted(range(len(floors)), key=lambda i: (-remainders[i], i))[:leftover]:
        floors[i] += 1
    return [(k, Decimal(n)) for (k, _), n in zip(ftes, floors, strict=True)]


@dataclass(frozen=True)
class StatisticsInput:
    """A year's statistics as entered (counts may still be wrong: see
    :func:`validate_statistics`). ``by_municipality`` maps an organisation id to persons."""

    persons_women: int = 0
    persons_men: int = 0
    persons_other: int = 0
    new_persons: int = 0
    ended_persons: int = 0
    hours_per_week: Decimal | None = None
    contact_reasons: Mapping[str, int] = field(default_factory=dict)
    end_reasons: Mapping[str, int] = field(default_factory=dict)
    by_municipality: Mapping[int, int] = field(default_factory=dict)

    @property
    def persons(self) -> int:
        return self.persons_women + self.persons_men + self.persons_other


def _count_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "Ange ett heltal."
    if value < 0:
        return "Antalet kan inte vara negativt."
    if value > MAX_PERSONS:
        return f"Högst {MAX_PERSONS} personer."
    return None


def validate_statistics(
    stats: StatisticsInput, year: int, first_year: int | None, last_year: int | None
) -> dict[str, str]:
    """field → Swedish message for everything wrong with a year's statistics (empty when fine).

    ``first_year`` and ``last_year`` are the agreement's first and last year (None: not
    started / still running); statistics for a year outside them are refused on ``year``.
    """
    errors: dict[str, str] = {}
    if first_year is None or year < first_year:
        errors["year"] = (
            f"Avtalet hade inte börjat gälla {year}."
            if first_year is not None
            else "Avtalet har inget startdatum; statistik kan inte föras in."
        )
    elif last_year is not None and year > last_year:
        errors["year"] = f"Avtalet upphörde {last_year}; det finns ingen statistik för {year}."
    for name in ("persons_women", "persons_men", "persons_other", "new_persons", "ended_persons"):
        if problem := _count_problem(getattr(stats, name)):
            errors[name] = problem
    hours = stats.hours_per_week
    if hours is not None and not (Decimal(0) <= hours <= MAX_HOURS_PER_WEEK):
        errors["hours_per_week"] = "Timmar per vecka ska vara mellan 0 och 168."
    for name, reasons, limit_name in (
        ("contact_reasons", stats.contact_reasons, "new_persons"),
        ("end_reasons", stats.end_reasons, "ended_persons"),
    ):
        bad = [r for r, n in reasons.items() if not str(r).strip() or _count_problem(n)]
        if bad:
            errors[name] = "Varje orsak behöver en text och ett antal som inte är negativt."
        elif limit_name not in errors and sum(reasons.values()) > getattr(stats, limit_name):
            errors[name] = (
                f"Orsakerna summerar till {sum(reasons.values())}, fler än "
                f"{getattr(stats, limit_name)} personer."
            )
    bad_municipality = [k for k, n in stats.by_municipality.items() if _count_problem(n)]
    counts_ok = not any(
        n in errors for n in ("persons_women", "persons_men", "persons_other", "new_persons")
    )
    if bad_municipality:
        errors["by_municipality"] = "Antalet personer per kommun kan inte vara negativt."
    elif counts_ok and sum(stats.by_municipality.values()) > stats.persons:
        errors["by_municipality"] = (
            f"Personerna per kommun summerar till {sum(stats.by_municipality.values())}, fler "
            f"än de {stats.persons} personerna totalt."
        )
    if counts_ok and "new_persons" not in errors and stats.new_persons > stats.persons:
        errors["new_persons"] = f"Fler nya personer än de {stats.persons} personerna totalt."
    if counts_ok and "ended_persons" not in errors and stats.ended_persons > stats.persons:
        errors["ended_persons"] = (
            f"Fler avslutade personer än de {stats.persons} personerna totalt."
        )
    return errors
