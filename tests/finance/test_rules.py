"""Tests for app.finance.rules: the Money rules of DOMAIN.md, checked against the seeds."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import parse_share
from app.finance.rules import (
    CompensationLine,
    IndexPoint,
    MissingGrant,
    MissingValue,
    compute_year,
    compute_years,
    equal_shares,
    instalments,
    key_shares,
    line_for_year,
    parse_percent,
    settlement,
    split_largest_remainder,
    validate_line,
    validate_percent,
    validate_shares,
)

D = Decimal


def series(*points: tuple[int, str] | tuple[int, str, bool]) -> dict[int, IndexPoint]:
    out = {}
    for p in points:
        year, percent, *rest = p
        out[year] = IndexPoint(year, D(percent), bool(rest and rest[0]))
    return out


# OPI as DOMAIN.md knows it (SKR), with 2023 preliminary and final.
OPI_PRELIMINARY = series(
    (2015, "2.2"),
    (2016, "2.6"),
    (2017, "2.7"),
    (2018, "2.6"),
    (2019, "2.7"),
    (2020, "3.0"),
    (2021, "1.5"),
    (2022, "1.9"),
    (2023, "3.5", True),
)
OPI_FINAL = {**OPI_PRELIMINARY, 2023: IndexPoint(2023, D("4.6"), False)}

# Seed 003, 1.2 ERSÄTTNING: 4 107 597 kr (6 årsarbetare) and 263 426 kr (lokal), both in 2019
# price level, adjusted yearly with OPI from 2021-01-01; statsbidrag 402 638 kr per heltidstjänst.
OMBUD = CompensationLine("Personligt ombud, 6 årsarbetare", D("4107597"), 2019, "OPI", 2021)
LOKAL = CompensationLine("Lokalkostnad", D("263426"), 2019, "OPI", 2021)
SEED_003 = [OMBUD, LOKAL]
GRANT = {2020: D("402638"), 2021: D("402638"), 2022: D("402638"), 2023: D("402638")}

amounts_ore = st.integers(min_value=-(10**12), max_value=10**12).map(lambda n: D(n).scaleb(-2))
whole_kronor = st.integers(min_value=0, max_value=10**10).map(D)
percents = st.decimals(min_value=-50, max_value=100, places=2)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
    lambda ws: sum(ws) > 0
)


# --- seed 003: Linköping, verksamhetsuppdrag Leanlink -----------------------------------------


def test_seed_003_year_before_first_adjusted_year_is_the_unindexed_amount():
    # 2020 < J = 2021: A, although P = 2019 and OPI 2020 is known.
    result = compute_year(SEED_003, 2020, {"OPI": OPI_PRELIMINARY})
    assert [i.amount for i in result.items] == [D("4107597"), D("263426")]
    assert [i.factor for i in result.items] == [D(1), D(1)]
    assert result.total == D("4371023")
    assert not result.preliminary


def test_seed_003_2021_catches_up_2020_and_2021():
    # From P+1 = 2020, not from J = 2021:
    #   4107597 × 1.030 = 4107597 + 4107597 × 0.030 = 4107597 + 123227.91 = 4230824.91
    #   4230824.91 × 1.015 = 4230824.91 + 63462.37365 = 4294287.28365 → 4 294 287
    #   263426 × 1.030 = 263426 + 7902.78 = 271328.78
    #   271328.78 × 1.015 = 271328.78 + 4069.9317 = 275398.7117 → 275 399
    #   total 4 294 287 + 275 399 = 4 569 686
    result = compute_year(SEED_003, 2021, {"OPI": OPI_PRELIMINARY})
    ombud, lokal = result.items
    assert ombud.factor == D("1.030") * D("1.015") == D("1.045450")
    assert ombud.amount == D("4294287")
    assert lokal.amount == D("275399")
    assert result.total == D("4569686")
    assert [p.year for p in ombud.chain] == [2020, 2021]
    assert not result.preliminary


def test_seed_003_2022():
    #   4294287.28365 × 1.019 = 4294287.28365 + 81591.45838935 = 4375878.74203935 → 4 375 879
    #   275398.7117 × 1.019 = 275398.7117 + 5232.5755223 = 280631.2872223 → 280 631
    #   total 4 375 879 + 280 631 = 4 656 510
    result = compute_year(SEED_003, 2022, {"OPI": OPI_PRELIMINARY})
    assert [i.amount for i in result.items] == [D("4375879"), D("280631")]
    assert result.items[0].factor == D("1.065313550")
    assert result.total == D("4656510")
    assert not result.preliminary


def test_seed_003_2023_on_the_preliminary_opi_is_marked_preliminary():
    #   4375878.74203935 × 1.035 = 4375878.74203935 + 153155.75597137725
    #                            = 4529034.49801072725 → 4 529 034 (.498 rounds down)
    #   280631.2872223 × 1.035 = 280631.2872223 + 9822.0950527805 = 290453.3822750805 → 290 453
    #   total 4 529 034 + 290 453 = 4 819 487
    result = compute_year(SEED_003, 2023, {"OPI": OPI_PRELIMINARY})
    assert [i.amount for i in result.items] == [D("4529034"), D("290453")]
    assert result.total == D("4819487")
    assert result.preliminary
    assert all(i.preliminary for i in result.items)
    assert result.items[0].chain[-1] == IndexPoint(2023, D("3.5"), True)


def test_seed_003_2023_on_the_final_opi():
    #   4375878.74203935 × 1.046 = 4375878.74203935 + 201290.4221338101
    #                            = 4577169.1641731601 → 4 577 169
    #   280631.2872223 × 1.046 = 280631.2872223 + 12909.0392122258 = 293540.3264345258 → 293 540
    #   total 4 577 169 + 293 540 = 4 870 709
    result = compute_year(SEED_003, 2023, {"OPI": OPI_FINAL})
    assert [i.amount for i in result.items] == [D("4577169"), D("293540")]
    assert result.total == D("4870709")
    assert not result.preliminary


def test_seed_003_settlement_when_opi_2023_becomes_final():
    #   ombud 4 577 169 − 4 529 034 = 48 135; lokal 293 540 − 290 453 = 3 087; total 51 222.
    #   Statsbidrag is the same either way, so the net difference is 51 222 too.
    shares = [("linkoping", Fraction(1))]
    s = settlement(
        SEED_003,
        2023,
        {"OPI": OPI_PRELIMINARY},
        {"OPI": OPI_FINAL},
        fte=D(6),
        grant_rates=GRANT,
        shares=shares,
    )
    assert [(x.before, x.after, x.difference) for x in s.lines] == [
        (D("4529034"), D("4577169"), D("48135")),
        (D("290453"), D("293540"), D("3087")),
    ]
    assert (s.total_before, s.total_after, s.total_difference) == (
        D("4819487"),
        D("4870709"),
        D("51222"),
    )
    assert s.net_difference == D("51222")
    assert s.preliminary_before and not s.preliminary_after
    assert [(x.key, x.difference) for x in s.shares] == [("linkoping", D("51222.00"))]
    assert s.missing == []


def test_seed_003_statsbidrag_net_and_instalments():
    # statsbidrag 6 × 402 638 = 2 415 828
    # net 2023 (final OPI) = 4 870 709 − 2 415 828 = 2 454 881
    # 2 454 881 / 12 = 204 573.41666… → 204 573.42 for months 1–11 = 2 250 307.62;
    # month 12 = 2 454 881 − 2 250 307.62 = 204 573.38.
    result = compute_year(SEED_003, 2023, {"OPI": OPI_FINAL}, D(6), GRANT)
    assert result.statsbidrag == D("2415828")
    assert result.net == D("2454881")
    assert result.shares == []
    months = instalments(result.net, "monthly")
    assert months[:11] == [D("204573.42")] * 11
    assert months[11] == D("204573.38")
    assert sum(months) == result.net


def test_seed_003_invoiced_compensation_a_twelfth_a_month():
    # The provider invoices 1/12 of the compensation (before statsbidrag) each month:
    # 4 656 510 / 12 = 388 042.50 exactly, so all twelve are equal in 2022.
    months = instalments(compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}).total, "monthly")
    assert months == [D("388042.50")] * 12


def test_seed_003_years_in_one_call():
    results = compute_years(SEED_003, 2020, 2024, {"OPI": OPI_FINAL}, D(6), GRANT)
    assert [r.year for r in results] == [2020, 2021, 2022, 2023, 2024]
    assert [r.total for r in results] == [
        D("4371023"),
        D("4569686"),
        D("4656510"),
        D("4870709"),
        None,
    ]
    # 2024: OPI 2024 is not entered (named once, though two lines need it) and no grant rate.
    assert results[4].missing == [MissingValue("OPI", 2024), MissingGrant(2024)]
    assert results[4].statsbidrag is None
    assert results[4].net is None


def test_yearly_rounding_rounds_before_each_uplift():
    # 4107597 × 1.030 = 4230824.91 → 4230825
    # 4230825 × 1.015 = 4230825 + 63462.375 = 4294287.375 → 4294287
    # 4294287 × 1.019 = 4294287 + 81591.453 = 4375878.453 → 4375878 (final rounding: 4375879)
    line = CompensationLine(OMBUD.label, OMBUD.amount, 2019, "OPI", 2021, rounding="yearly")
    result = line_for_year(line, 2022, OPI_FINAL)
    assert result.amount == D("4375878")
    assert result.factor == D("1.065313550")  # the factor is still the exact product
    assert line_for_year(line, 2021, OPI_FINAL).amount == D("4294287")


# --- seed 001 and seed 004 ---------------------------------------------------------------------


def test_seed_001_four_parties_share_equally():
    # Kostnad för 2019 per part 110 000 kr: 4 × 110 000 = 440 000 shared by 1/4 each.
    parties = ["Haninge", "Tyresö", "Nynäshamn", "Samordningsförbundet Östra Södertörn"]
    line = CompensationLine("Samordnare", D("440000"), 2019, "HANINGE-PK")
    result = compute_year([line], 2019, {}, shares=equal_shares(parties))
    assert result.statsbidrag == D(0)
    assert result.net == D("440000")
    assert result.shares == [(p, D("110000.00")) for p in parties]
    # 2020 is "justeras med prisökningar och lönerevision": without that value, no amount.
    later = compute_year([line], 2020, {}, shares=equal_shares(parties))
    assert later.total is None
    assert later.missing == [MissingValue("HANINGE-PK", 2020)]
    assert later.shares == []


def test_seed_004_lund_2024_follows_the_councils_price_compensation():
    # 3 000 000 kr for 2023, in 2023 prices; 2024 adjusted with Lund's priskompensation
    # (a series the municipality sets; 2.9 % is an example value finance would enter):
    #   3 000 000 × 1.029 = 3 000 000 + 87 000 = 3 087 000
    line = CompensationLine("IOP PO Skåne", D("3000000"), 2023, "LUND-PK")
    lund = {"LUND-PK": series((2024, "2.9"))}
    assert compute_year([line], 2023, lund).total == D("3000000")
    assert compute_year([line], 2024, lund).total == D("3087000")


# --- indexation rules ------------------------------------------------------------------------


def test_fixed_amounts_are_never_indexed():
    line = CompensationLine("Fast", D("100000"), 2019, None)
    result = line_for_year(line, 2030, None)
    assert (result.amount, result.factor, result.missing) == (D("100000"), D(1), ())


def test_first_adjusted_year_defaults_to_the_year_after_the_price_level():
    line = CompensationLine("X", D("1000"), 2019, "OPI")
    assert line_for_year(line, 2019, OPI_FINAL).amount == D("1000")
    assert line_for_year(line, 2020, OPI_FINAL).amount == D("1030")


def test_missing_index_value_gives_no_amount_and_names_series_and_year():
    gap = {y: p for y, p in OPI_FINAL.items() if y != 2021}
    result = line_for_year(OMBUD, 2022, gap)
    assert result.amount is None
    assert result.factor is None
    assert result.missing == (MissingValue("OPI", 2021),)
    assert result.missing[0].message == "Indexvärde saknas: OPI 2021."


def test_unknown_series_lists_every_missing_year():
    result = compute_year([OMBUD], 2022, {})
    assert result.total is None
    assert result.missing == [MissingValue("OPI", y) for y in (2020, 2021, 2022)]


def test_missing_grant_rate_is_named_not_guessed():
    result = compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, D(6), {2021: D("402638")})
    assert result.total == D("4656510")
    assert result.statsbidrag is None
    assert result.net is None
    assert result.missing == [MissingGrant(2022)]


def test_no_fte_means_no_statsbidrag():
    assert compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, None, {}).statsbidrag == D(0)
    assert compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, D(0), {}).statsbidrag == D(0)


def test_part_time_statsbidrag_is_rounded_to_ore():
    # 1.75 × 402 638 = 704 616.50
    result = compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, D("1.75"), GRANT)
    assert result.statsbidrag == D("704616.50")


@given(whole_kronor, st.integers(min_value=2000, max_value=2040))
def test_an_index_of_zero_percent_leaves_the_amount_unchanged(amount, year):
    zero = {y: IndexPoint(y, D(0), False) for y in range(1999, 2041)}
    line = CompensationLine("X", amount, 1999, "Z")
    result = line_for_year(line, year, zero)
    assert result.amount == amount
    assert result.factor == 1


@given(
    st.lists(percents, min_size=3, max_size=12),
    st.data(),
)
def test_factors_compose_across_years(changes, data):
    p = 2000
    s = {p + 1 + i: IndexPoint(p + 1 + i, c, False) for i, c in enumerate(changes)}
    y = p + len(changes)
    x = data.draw(st.integers(min_value=p, max_value=y))

    def factor(frm: int, to: int) -> Decimal:
        return line_for_year(CompensationLine("X", D(1), frm, "S"), to, s).factor

    # compared as fractions: the factors are exact and may have more digits than the default
    # decimal context (28) keeps
    assert Fraction(factor(p, y)) == Fraction(factor(p, x)) * Fraction(factor(x, y))


@given(whole_kronor, st.lists(percents, min_size=1, max_size=10))
def test_final_rounding_rounds_the_exact_product_once(amount, changes):
    s = {2001 + i: IndexPoint(2001 + i, c, False) for i, c in enumerate(changes)}
    year = 2000 + len(changes)
    result = line_for_year(CompensationLine("X", amount, 2000, "S"), year, s)
    exact = Fraction(amount)
    for c in changes:
        exact *= 1 + Fraction(c) / 100
    # half away from zero (amounts are non-negative here)
    expected = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)
    assert result.amount == D(expected)


def test_line_validation_messages_are_swedish():
    assert validate_line(OMBUD) == {}
    bad = CompensationLine("", D("-1"), 2019, "OPI", 2018, rounding="sometimes")
    errors = validate_line(bad)
    assert errors["label"] == "Ange en benämning för raden."
    assert errors["amount"] == "Beloppet får inte vara negativt."
    assert "efter prisnivååret" in errors["first_adjusted_year"]
    assert "Avrundning" in errors["rounding"]
    assert "årtal" in validate_line(CompensationLine("X", D(1), 219, None))["price_level_year"]
    assert (
        "årtal"
        in validate_line(CompensationLine("X", D(1), 2019, "OPI", 20211))["first_adjusted_year"]
    )
    assert "flyttal" in validate_line(CompensationLine("X", 1.5, 2019, None))["amount"]
    assert "två decimaler" in validate_line(CompensationLine("X", D("1.005"), 2019, None))["amount"]


def test_invalid_lines_are_not_computed():
    with pytest.raises(ValueError, match="negativt"):
        line_for_year(CompensationLine("X", D("-1"), 2019, None), 2020, None)


def test_float_index_values_are_refused():
    s = {2020: IndexPoint(2020, 3.0, False)}
    with pytest.raises(TypeError):
        line_for_year(CompensationLine("X", D(100), 2019, "S"), 2020, s)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("4,6", True),
        ("4.6", True),
        ("-1,2", True),
        (D("-50"), True),
        (100, True),
        ("-50.1", False),
        ("100.5", False),
        ("fyra", False),
        ("NaN", False),
        ("", False),
        (4.6, False),
    ],
)
def test_validate_percent(value, ok):
    assert (validate_percent(value) is None) is ok


def test_percent_messages_are_swedish():
    assert validate_percent("fyra") == "”fyra” är inte ett tal."
    assert validate_percent("150") == "En förändring över 100 % är inte rimlig."
    assert validate_percent("-60") == "En förändring under -50 % är inte rimlig."
    assert parse_percent("4,6") == D("4.6")


# --- cost shares -----------------------------------------------------------------------------


def test_thirds_of_a_hundred_kronor_add_up():
    thirds = [(k, parse_share("1/3")) for k in "abc"]
    parts = split_largest_remainder(D("100.00"), thirds)
    assert parts == [("a", D("33.34")), ("b", D("33.33")), ("c", D("33.33"))]
    assert sum(v for _, v in parts) == D("100.00")


def test_negative_totals_split_symmetrically():
    thirds = [(k, Fraction(1, 3)) for k in "abc"]
    assert split_largest_remainder(D("-100.00"), thirds) == [
        ("a", D("-33.34")),
        ("b", D("-33.33")),
        ("c", D("-33.33")),
    ]


def test_largest_remainder_wins_before_input_order():
    # 0.10 split 1/6, 5/6: exact 1.666… and 8.333… öre → 2 and 8 öre.
    parts = split_largest_remainder(D("0.10"), [("a", Fraction(1, 6)), ("b", Fraction(5, 6))])
    assert parts == [("a", D("0.02")), ("b", D("0.08"))]


def test_shares_that_do_not_add_up_to_one_are_refused():
    shares = [("a", parse_share("0.5")), ("b", parse_share("0.25")), ("c", parse_share("0.2"))]
    assert validate_shares(shares) == "Andelarna summerar till 19/20, inte exakt 1."
    with pytest.raises(ValueError, match="inte exakt 1"):
        split_largest_remainder(D("100"), shares)
    with pytest.raises(ValueError, match="inte exakt 1"):
        compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, shares=shares)
    eleven_twelfths = [("a", Fraction(1, 2)), ("b", Fraction(1, 4)), ("c", Fraction(1, 6))]
    assert validate_shares(eleven_twelfths) == "Andelarna summerar till 11/12, inte exakt 1."


def test_other_share_mistakes_are_refused():
    assert validate_shares([]) == "Ange minst en andel."
    assert validate_shares([("a", Fraction(1, 2)), ("a", Fraction(1, 2))]) == (
        "Samma part har angetts mer än en gång."
    )
    assert validate_shares([("a", Fraction(3, 2)), ("b", Fraction(-1, 2))]) == (
        "En andel får inte vara negativ."
    )
    assert "flyttal" in validate_shares([("a", 0.5), ("b", 0.5)])
    with pytest.raises(ValueError, match="hela ören"):
        split_largest_remainder(D("1.005"), [("a", Fraction(1))])


def test_shares_are_checked_even_when_the_net_is_unknown():
    with pytest.raises(ValueError, match="inte exakt 1"):
        compute_year(SEED_003, 2024, {"OPI": OPI_FINAL}, shares=[("a", Fraction(1, 2))])


def test_key_shares_follow_population():
    shares = key_shares({"Haninge": 90000, "Tyresö": 48000, "Nynäshamn": 28000})
    assert shares == [
        ("Haninge", Fraction(90000, 166000)),
        ("Tyresö", Fraction(48000, 166000)),
        ("Nynäshamn", Fraction(28000, 166000)),
    ]
    assert validate_shares(shares) is None
    with pytest.raises(ValueError, match="noll"):
        key_shares({"a": 0, "b": D(0)})
    with pytest.raises(ValueError, match="negativa"):
        key_shares({"a": -1, "b": 3})


def test_equal_shares_refuse_nothing_and_duplicates():
    with pytest.raises(ValueError):
        equal_shares([])
    with pytest.raises(ValueError):
        equal_shares(["a", "a"])


def test_net_cost_is_shared_after_statsbidrag():
    # 2022: 4 656 510 − 2 415 828 = 2 240 682, by 1/3: 746 894 exactly each.
    result = compute_year(SEED_003, 2022, {"OPI": OPI_FINAL}, D(6), GRANT, equal_shares("abc"))
    assert result.shares == [(k, D("746894.00")) for k in "abc"]


@given(amounts_ore, weights)
def test_shares_always_add_up_and_stay_within_one_ore(total, ws):
    shares = key_shares({i: w for i, w in enumerate(ws)})
    parts = split_largest_remainder(total, shares)
    assert sum((v for _, v in parts), D(0)) == total
    assert [k for k, _ in parts] == [k for k, _ in shares]
    for (_, value), (_, share) in zip(parts, shares, strict=True):
        assert abs(Fraction(value) - Fraction(total) * share) < Fraction(1, 100)
        assert value == value.quantize(D("0.01"))


# --- instalments -----------------------------------------------------------------------------


def test_twelve_instalments_add_up_to_the_year():
    months = instalments(D("100"), "monthly")
    assert months == [D("8.33")] * 11 + [D("8.37")]
    assert sum(months) == D("100")


def test_months_round_half_away_from_zero():
    # 0.06 / 12 = 0.005 → 0.01 for months 1–11, month 12 = 0.06 − 0.11 = −0.05.
    assert instalments(D("0.06"), "monthly") == [D("0.01")] * 11 + [D("-0.05")]
    assert instalments(D("-0.06"), "monthly") == [D("-0.01")] * 11 + [D("0.05")]


def test_quarterly_and_yearly_invoicing():
    assert instalments(D("4870709"), "quarterly") == [D("1217677.25")] * 4
    assert instalments(D("100"), "quarterly") == [D("25.00")] * 4
    assert instalments(D("10"), "quarterly") == [D("2.50")] * 4
    assert instalments(D("0.10"), "quarterly") == [D("0.03")] * 3 + [D("0.01")]
    assert instalments(D("4870709"), "yearly") == [D("4870709.00")]


def test_unknown_frequency_and_fractions_of_ore_are_refused():
    with pytest.raises(ValueError, match="faktureringsfrekvens"):
        instalments(D("100"), "weekly")
    with pytest.raises(ValueError, match="hela ören"):
        instalments(D("100.001"), "monthly")
    with pytest.raises(TypeError):
        instalments(100.0, "monthly")


@given(amounts_ore | st.sampled_from([D("0.05"), D("-0.05"), D("0.01"), D("0")]))
def test_instalments_always_add_up_exactly(annual):
    for frequency, n in (("monthly", 12), ("quarterly", 4), ("yearly", 1)):
        parts = instalments(annual, frequency)
        assert len(parts) == n
        assert sum(parts, D(0)) == annual
        assert all(p == p.quantize(D("0.01")) for p in parts)
        # all but the last are the same rounded n-th
        assert len(set(parts[:-1])) <= 1
