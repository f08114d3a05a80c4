"""Tests for app.core.money: exact parsing, rounding half away from zero, Swedish formatting."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import (
    api_amount,
    format_percent,
    format_sek,
    fraction_to_ore,
    parse_amount,
    parse_share,
    round_kronor,
    round_ore,
)

NBSP = "\xa0"

# Amounts in whole öre, up to ±10 000 000 000 kr.
ore_amounts = st.integers(min_value=-(10**12), max_value=10**12).map(
    lambda n: Decimal(n).scaleb(-2)
)


# --- parse_amount -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4107597.00", "4107597.00"),
        ("4107597", "4107597.00"),
        ("4 107 597", "4107597.00"),
        ("4\xa0107\xa0597", "4107597.00"),
        ("4\u202f107\u202f597", "4107597.00"),
        ("4107597,50", "4107597.50"),
        ("4 107 597,5", "4107597.50"),
        ("4 107 597 kr", "4107597.00"),
        ("  263426  ", "263426.00"),
        ("-12,50", "-12.50"),
        ("\u221212,50", "-12.50"),
        ("0,05", "0.05"),
        ("0", "0.00"),
    ],
)
def test_parse_amount_reads_what_people_type(text, expected):
    assert parse_amount(text) == Decimal(expected)
    assert api_amount(parse_amount(text)) == expected


def test_parse_amount_accepts_int_and_decimal():
    assert parse_amount(4107597) == Decimal("4107597.00")
    assert parse_amount(Decimal("4107597.5")) == Decimal("4107597.50")
    assert parse_amount(Decimal("1.000")) == Decimal("1.00")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "12 kronor",
        "1,2,3",
        "4.107.597",
        "4 1 0 7",
        "1e5",
        "NaN",
        "Infinity",
        "--1",
    ],
)
def test_parse_amount_refuses_non_numbers_in_swedish(text):
    with pytest.raises(ValueError, match="belopp"):
        parse_amount(text)


@pytest.mark.parametrize("value", ["1.005", "4107597,505", Decimal("0.001")])
def test_parse_amount_refuses_more_than_two_decimals(value):
    with pytest.raises(ValueError, match="två decimaler"):
        parse_amount(value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_parse_amount_refuses_nan_and_infinity(value):
    with pytest.raises(ValueError, match="ändligt"):
        parse_amount(value)


def test_parse_amount_refuses_floats_even_harmless_ones():
    with pytest.raises(ValueError, match="flyttal"):
        parse_amount(0.5)
    with pytest.raises(ValueError, match="flyttal"):
        parse_amount(4107597.0)


def test_parse_amount_refuses_booleans_and_absurd_sizes():
    with pytest.raises(ValueError):
        parse_amount(True)
    with pytest.raises(ValueError, match="orimligt"):
        parse_amount(10**13)


@given(ore_amounts)
def test_api_amount_and_parse_amount_round_trip(x):
    text = api_amount(x)
    assert parse_amount(text) == x
    assert api_amount(parse_amount(text)) == text


@given(ore_amounts)
def test_swedish_formatting_reads_back_to_the_same_amount(x):
    assert parse_amount(format_sek(x, decimals=True)) == x


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ("2.5", "3"),
        ("3.5", "4"),  # not half-to-even
        ("2.4999", "2"),
        ("-2.5", "-3"),  # away from zero, also for negatives
        ("-2.4", "-2"),
        ("4529034.49801072725", "4529034"),
        ("4294287.5", "4294288"),
    ],
)
def test_round_kronor_rounds_half_away_from_zero(x, expected):
    assert round_kronor(Decimal(x)) == Decimal(expected)


@pytest.mark.parametrize(
    ("x", "expected"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("-0.005", "-0.01"), ("-0.0149", "-0.01")],
)
def test_round_ore_rounds_half_away_from_zero(x, expected):
    assert round_ore(Decimal(x)) == Decimal(expected)


def test_rounding_never_gives_negative_zero():
    assert str(round_kronor(Decimal("-0.4"))) == "0"
    assert api_amount(Decimal("-0.001")) == "0.00"


def test_rounding_is_exact_for_very_long_products():
    # 60 significant digits: the default decimal context (28 digits) would round first.
    x = Decimal("4107597.4999999999999999999999999999999999999999999999999999")
    assert round_kronor(x) == Decimal("4107597")


def test_rounding_refuses_floats():
    with pytest.raises(TypeError):
        round_kronor(2.5)
    with pytest.raises(TypeError):
        round_ore(0.005)


@pytest.mark.parametrize(
    ("q", "expected"),
    [(Fraction(1, 200), "0.01"), (Fraction(-1, 200), "-0.01"), (Fraction(100, 3), "33.33")],
)
def test_fraction_to_ore_rounds_half_away_from_zero(q, expected):
    assert fraction_to_ore(q) == Decimal(expected)


# --- format_sek -------------------------------------------------------------------------------


def test_format_sek_groups_with_no_break_spaces():
    assert format_sek(Decimal("4107597")) == "4\xa0107\xa0597\xa0kr"


def test_format_sek_with_decimals_uses_a_comma():
    assert format_sek(Decimal("4107597.5"), decimals=True) == "4\xa0107\xa0597,50\xa0kr"


def test_format_sek_rounds_half_away_from_zero_not_half_even():
    assert format_sek(Decimal("2.5")) == f"3{NBSP}kr"
    assert format_sek(Decimal("0.125"), decimals=True) == f"0,13{NBSP}kr"


def test_format_sek_small_and_negative_amounts():
    assert format_sek(Decimal("0")) == f"0{NBSP}kr"
    assert format_sek(Decimal("999")) == f"999{NBSP}kr"
    assert format_sek(Decimal("-263426")) == f"-263{NBSP}426{NBSP}kr"


def test_format_sek_in_english():
    assert format_sek(Decimal("4107597"), locale="en") == f"SEK{NBSP}4,107,597"
    assert format_sek(Decimal("4107597.5"), decimals=True, locale="en") == (
        f"SEK{NBSP}4,107,597.50"
    )


def test_format_sek_refuses_floats():
    with pytest.raises(TypeError):
        format_sek(4107597.0)


# --- api_amount -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [("4107597", "4107597.00"), ("4107597.5", "4107597.50"), ("-12.5", "-12.50"), ("0", "0.00")],
)
def test_api_amount_has_two_decimals_and_no_grouping(x, expected):
    assert api_amount(Decimal(x)) == expected


def test_api_amount_rounds_beyond_ore_half_away_from_zero():
    assert api_amount(Decimal("0.005")) == "0.01"
    assert api_amount(Decimal("1E+3")) == "1000.00"


# --- parse_share ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.25", Fraction(1, 4)),
        ("0,25", Fraction(1, 4)),
        ("1/3", Fraction(1, 3)),
        (" 2 / 6 ", Fraction(1, 3)),
        ("25%", Fraction(1, 4)),
        ("25 %", Fraction(1, 4)),
        ("33,5 %", Fraction(67, 200)),
        ("1", Fraction(1)),
        ("0", Fraction(0)),
    ],
)
def test_parse_share_reads_decimals_fractions_and_percent(text, expected):
    assert parse_share(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1/0", "noll"),
        ("1/-3", "negativ"),
        ("-0.25", "negativ"),
        ("-1/3", "negativ"),
        ("1.1", "större än 1"),
        ("4/3", "större än 1"),
        ("120 %", "större än 1"),
        ("en tredjedel", "ingen andel"),
        ("", "Ange en andel"),
        ("0.2.5", "ingen andel"),
    ],
)
def test_parse_share_refuses_bad_input_in_swedish(text, message):
    with pytest.raises(ValueError, match=message):
        parse_share(text)


def test_parse_share_refuses_floats():
    with pytest.raises(ValueError, match="flyttal"):
        parse_share(0.25)


# --- format_percent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"),
    [("4.6", "4,6\xa0%"), ("3", "3,0\xa0%"), ("1.25", "1,25\xa0%"), ("-1.5", "-1,5\xa0%")],
)
def test_format_percent_is_swedish(p, expected):
    assert format_percent(Decimal(p)) == expected
