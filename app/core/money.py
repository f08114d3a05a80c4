"""Exact money helpers and Swedish formatting (pure: no Flask, no database, no clock).

Amounts are Swedish kronor held as :class:`~decimal.Decimal`, never binary floating point
(see DOMAIN.md, "Money"). A ``float`` is refused wherever a value enters, because by the time
it is a float the öre may already be wrong.

- :func:`parse_amount` reads what people type ("4 107 597", "4107597,50", "4107597.00").
- :func:`round_kronor` / :func:`round_ore` round half away from zero.
- :func:`format_sek` shows "4 107 597 kr" with no-break spaces (Babel).
- :func:`api_amount` gives the JSON form "4107597.00".
- :func:`parse_share` reads a share as an exact :class:`~fractions.Fraction` ("0,25", "1/3", "25 %").
- :func:`format_percent` shows "4,6 %".

Arithmetic that must stay exact runs in :func:`exact_context`, a decimal context with a very
high precision that raises instead of silently rounding.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    localcontext,
)
from fractions import Fraction

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal

__all__ = [
    "MAX_AMOUNT",
    "ONE_KRONA",
    "ONE_ORE",
    "api_amount",
    "exact_context",
    "format_fte",
    "format_percent",
    "format_sek",
    "plain_decimal",
    "fraction_to_ore",
    "is_whole_ore",
    "parse_amount",
    "parse_share",
    "round_kronor",
    "round_ore",
]

ONE_KRONA = Decimal(1)
ONE_ORE = Decimal("0.01")
#: Amounts at or above this (in absolute value) are refused as input: 10 000 billion kronor.
MAX_AMOUNT = Decimal(10) ** 13

_EXACT_PRECISION = 5000
_SPACES = "\u0020\u00a0\u202f\u2009\u2007"
_MINUS = "-\u2212"
_AMOUNT_RE = re.compile(
    r"""^(?P<sign>[+-])?
        (?P<int>\d{1,3}(?:\x20\d{3})+|\d+)
        (?:[.,](?P<frac>\d+))?
        (?:\x20?(?:kr|sek))?$""",
    re.VERBOSE | re.IGNORECASE,
)


def exact_context() -> AbstractContextManager[Context]:
    """A local decimal context for exact arithmetic.

    Precision is 5000 digits and :class:`~decimal.Inexact` is trapped, so a multiplication or
    addition that could not be held exactly raises instead of rounding behind our back.
    """
    ctx = Context(prec=_EXACT_PRECISION, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Inexact])
    return localcontext(ctx)


# Rounding to kronor or öre needs no local context: quantize takes one (precision large enough
# for any amount, so only the intended rounding happens).
_ROUNDING = Context(prec=_EXACT_PRECISION, rounding=ROUND_HALF_UP, traps=[InvalidOperation])


def _no_negative_zero(x: Decimal) -> Decimal:
    return x.copy_abs() if x.is_zero() else x


def _require_decimal(x: object, what: str = "beloppet") -> Decimal:
    if isinstance(x, float):
        raise TypeError(
            f"{what.capitalize()} är ett flyttal; pengar hanteras bara som Decimal, aldrig float."
        )
    if isinstance(x, bool) or not isinstance(x, Decimal | int):
        raise TypeError(f"{what.capitalize()} måste vara ett Decimal-värde.")
    d = Decimal(x)
    if not d.is_finite():
        raise ValueError(f"{what.capitalize()} är inte ett ändligt tal.")
    return d


def round_kronor(x: Decimal) -> Decimal:
    """Round to whole kronor, half away from zero (2.5 → 3, −2.5 → −3).

    ``ROUND_HALF_UP`` in :mod:`decimal` rounds ties away from zero for negative numbers too.
    """
    d = _require_decimal(x)
    return _no_negative_zero(d.quantize(ONE_KRONA, rounding=ROUND_HALF_UP, context=_ROUNDING))


def round_ore(x: Decimal) -> Decimal:
    """Round to öre (two decimals), half away from zero (0.005 → 0.01, −0.005 → −0.01)."""
    d = _require_decimal(x)
    return _no_negative_zero(d.quantize(ONE_ORE, rounding=ROUND_HALF_UP, context=_ROUNDING))


def fraction_to_ore(q: Fraction) -> Decimal:
    """Round an exact fraction of kronor to öre, half away from zero, without any detour."""
    ore = q * 100
    sign = -1 if ore < 0 else 1
    n, d = abs(ore.numerator), ore.denominator
    whole, rest = divmod(n, d)
    if 2 * rest >= d:
        whole += 1
    return Decimal(sign * whole).scaleb(-2)


def plain_decimal(d: Decimal) -> str:
    """A decimal written out exactly, with no exponent and no trailing zeros: 1.0454500 →
    "1.04545", 1E+1 → "10". (``normalize()`` would round to the context's 28 digits.)"""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_fte(value: Decimal) -> str:
    """Årsarbetare the Swedish way, without needless decimals: 1,5 · 2 · 0,75."""
    return plain_decimal(value).replace(".", ",")


def is_whole_ore(x: Decimal | int) -> bool:
    """Whether a finite amount is a whole number of öre ("12.30" and "12.300" are, "12.305" is
    not)."""
    d = Decimal(x)
    if d.as_tuple().exponent >= -2:  # type: ignore[operator]  # finite: an int exponent
        return True
    try:
        return d == d.quantize(ONE_ORE, rounding=ROUND_DOWN, context=_ROUNDING)
    except InvalidOperation:  # more digits than the context holds: the exact way
        return Decimal(x) == fraction_to_ore(Fraction(d))


def parse_amount(value: str | int | Decimal) -> Decimal:
    """Read an amount in kronor and return it as a Decimal with two decimals.

    Accepts ``"4107597.00"``, ``"4107597"``, ``"4 107 597"`` (spaces, no-break spaces or thin
    spaces between groups of three), ``"4107597,50"``, an optional trailing ``"kr"``, a leading
    sign (also the typographic minus "−"), ``int`` and ``Decimal``.

    Refuses, with a Swedish :class:`ValueError`: anything that is not a number, NaN and
    infinity, more than two decimals, amounts of 10 000 miljarder kronor or more, and every
    ``float`` (money never passes through binary floating point; also a :class:`TypeError`
    would be just as right, but one exception type is easier for forms to catch).
    """
    if isinstance(value, float):
        raise ValueError(
            "Beloppet kom som flyttal (float). Ange det som text eller Decimal, "
            "så att inga ören går förlorade."
        )
    if isinstance(value, bool):
        raise ValueError("Beloppet måste vara ett tal, inte sant/falskt.")
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("Beloppet måste vara ett ändligt tal (inte NaN eller oändligheten).")
        d = value
    elif isinstance(value, str):
        d = _parse_amount_text(value)
    else:
        raise ValueError("Beloppet måste anges som text, heltal eller Decimal.")

    if abs(d) >= MAX_AMOUNT:
        raise ValueError("Beloppet är orimligt stort.")
    with exact_context():
        try:
            q = d.quantize(ONE_ORE)
        except Inexact:
            raise ValueError("Beloppet får ha högst två decimaler (hela ören).") from None
    return _no_negative_zero(q)


def _parse_amount_text(text: str) -> Decimal:
    s = text.strip()
    for ch in _SPACES:
        s = s.replace(ch, " ")
    s = re.sub(" +", " ", s)
    for ch in _MINUS:
        s = s.replace(ch, "-")
    s = re.sub(r"^([+-]) ", r"\1", s)
    if not s:
        raise ValueError("Ange ett belopp.")
    if len(s) > 40:
        raise ValueError(f"”{text[:40]}…” är inte ett belopp.")
    m = _AMOUNT_RE.match(s)
    if not m:
        raise ValueError(
            f"”{text}” är inte ett belopp. Skriv till exempel 4 107 597 eller 4107597,50."
        )
    frac = m.group("frac")
    if frac is not None and len(frac) > 2:
        raise ValueError(f"”{text}” har fler än två decimaler; ange beloppet i hela ören.")
    digits = m.group("int").replace(" ", "")
    literal = f"{m.group('sign') or ''}{digits}.{frac or '0'}"
    return Decimal(literal)


def api_amount(x: Decimal) -> str:
    """The JSON form of an amount: always two decimals, a dot, no grouping ("4107597.00").

    A value with more than two decimals is rounded to öre, half away from zero.
    """
    return f"{round_ore(x):f}"


def _language(locale: str) -> str:
    try:
        return Locale.parse(locale.replace("-", "_")).language
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"Okänt språk/locale: {locale!r}.") from exc


def format_sek(amount: Decimal, decimals: bool = False, locale: str = "sv_SE") -> str:
    """Show an amount the Swedish way: ``"4 107 597 kr"`` / ``"4 107 597,50 kr"``.

    Groups and the space before "kr" are NO-BREAK SPACE (U+00A0), so a figure never wraps.
    Without ``decimals`` the amount is first rounded to whole kronor, with ``decimals`` to
    öre — both half away from zero, here, rather than leaving rounding to Babel (which rounds
    half to even). Other locales use their own currency pattern; English gives
    ``"SEK 4,107,597"``.
    """
    d = round_ore(amount) if decimals else round_kronor(amount)
    loc = locale.replace("-", "_")
    if _language(loc) == "sv":
        pattern = "#,##0.00\xa0¤" if decimals else "#,##0\xa0¤"
    else:
        pattern = Locale.parse(loc).currency_formats["standard"].pattern.split(";")[0]
        if not decimals:
            pattern = re.sub(r"0\.0+", "0", pattern)
        # CLDR's currency spacing: a letter symbol ("SEK") is kept apart from the digits.
        if pattern.startswith("¤") and pattern[1:2] not in (" ", "\xa0"):
            pattern = "¤\xa0" + pattern[1:]
        elif pattern.endswith("¤") and pattern[-2:-1] not in (" ", "\xa0"):
            pattern = pattern[:-1] + "\xa0¤"
    return format_currency(d, "SEK", locale=loc, format=pattern, currency_digits=False)


def format_percent(p: Decimal, locale: str = "sv_SE") -> str:
    """Show a percentage change as written in Swedish: ``Decimal("4.6")`` → ``"4,6 %"``.

    ``p`` is in percent (4.6 means 4.6 %). At least one decimal is shown and no decimal is ever
    dropped (``3`` → "3,0 %", ``1.25`` → "1,25 %"). The space before "%" is a NO-BREAK SPACE,
    as in "kr".
    """
    d = _require_decimal(p, "procentsatsen")
    loc = locale.replace("-", "_")
    number = format_decimal(d, format="#,##0.0", locale=loc, decimal_quantization=False)
    return f"{number}\xa0%"


_FRACTION_RE = re.compile(r"^(?P<num>[+-]?\d+)\s*/\s*(?P<den>[+-]?\d+)$")
_DECIMAL_RE = re.compile(r"^(?P<num>[+-]?\d+(?:[.,]\d+)?|[+-]?[.,]\d+)\s*(?P<pct>%)?$")


def share_text(share: Fraction) -> str:
    """A share as the API writes it: a decimal string ("0.25", "0.3333") when the fraction
    has one, else the exact fraction ("1/3", which no decimal string can hold)."""
    denominator = share.denominator
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    if denominator != 1:
        return f"{share.numerator}/{share.denominator}"
    places = 0
    while (share * 10**places).denominator != 1:
        places += 1
    value = Decimal(share.numerator) / Decimal(share.denominator)
    return f"{value:.{places}f}" if places else f"{value:.0f}"


def parse_share(value: str) -> Fraction:
    """Read a share of a cost as an exact fraction between 0 and 1.

    Accepts a decimal ``"0.25"`` / ``"0,25"``, a fraction ``"1/3"``, or a percentage
    ``"25%"`` / ``"25 %"`` / ``"33,5 %"``. Refuses, with a Swedish :class:`ValueError`,
    garbage, a zero or negative denominator, negative shares and shares above 1.
    A share of exactly 0 is allowed (a party that takes part without paying).
    """
    if isinstance(value, float):
        raise ValueError("Andelen kom som flyttal (float); ange den som text, t.ex. ”1/3”.")
    if isinstance(value, Fraction):
        share = value
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError("Andelen måste vara ett ändligt tal.")
        share = Fraction(value)
    elif isinstance(value, str):
        share = _parse_share_text(value)
    else:
        raise ValueError("Andelen måste anges som text, t.ex. ”0,25” eller ”1/3”.")
    if share < 0:
        raise ValueError(f"Andelen {value} är negativ; en andel ligger mellan 0 och 1.")
    if share > 1:
        raise ValueError(f"Andelen {value} är större än 1 (hela kostnaden).")
    return share


def _parse_share_text(text: str) -> Fraction:
    s = text.strip()
    for ch in _SPACES:
        s = s.replace(ch, " ")
    for ch in _MINUS:
        s = s.replace(ch, "-")
    if not s:
        raise ValueError("Ange en andel, t.ex. ”0,25” eller ”1/3”.")
    if len(s) > 40:
        raise ValueError(f"”{text[:40]}…” är ingen andel.")
    m = _FRACTION_RE.match(s)
    if m:
        num, den = int(m.group("num")), int(m.group("den"))
        if den == 0:
            raise ValueError(f"”{text}”: nämnaren får inte vara noll.")
        if den < 0:
            raise ValueError(f"”{text}”: nämnaren får inte vara negativ.")
        return Fraction(num, den)
    m = _DECIMAL_RE.match(s)
    if m:
        share = Fraction(Decimal(m.group("num").replace(",", ".")))
        return share / 100 if m.group("pct") else share
    raise ValueError(
        f"”{text}” är ingen andel. Skriv ett decimaltal (0,25), ett bråk (1/3) eller procent (25 %)."
    )
