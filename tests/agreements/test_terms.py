"""Tests for terms as of a day (app.agreements.terms; DOMAIN.md, "Amendments (tilläggsavtal)")."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.agreements.rules import (
    RuleViolation,
    Terms,
    agreement_dates,
    final_end,
    lifecycle_status,
    periods,
    termination_effective_end,
)
from app.agreements.terms import Change, amend, compensation_years, segments, single

ONE_DAY = timedelta(days=1)


def fixed_2020_2022() -> Terms:
    return Terms(date(2020, 1, 1), date(2022, 12, 31), notice_period_months=6)


def yearly_from_2022() -> Terms:
    return Terms(date(2020, 1, 1), date(2021, 12, 31), notice_period_months=3, extension_months=12)


def spans(timeline, until: date) -> list[tuple[date, date | None]]:
    return [(p.start, p.end) for p in timeline.periods(until)]


# --- DOMAIN.md's examples ----------------------------------------------------------------------


def test_a_prolonged_term_reads_as_before_until_the_amendment_day():
    timeline = segments(
        fixed_2020_2022(), [Change(date(2022, 5, 1), {"end_date": date(2024, 12, 31)})]
    )
    before = agreement_dates(timeline.on(date(2022, 4, 30)), date(2022, 4, 30))
    assert before.current_period_end == date(2022, 12, 31)
    assert before.last_notice_date == date(2022, 6, 30)


def test_a_prolonged_term_ends_on_the_new_end_from_the_amendment_day():
    timeline = segments(
        fixed_2020_2022(), [Change(date(2022, 5, 1), {"end_date": date(2024, 12, 31)})]
    )
    after = agreement_dates(timeline.on(date(2022, 5, 1)), date(2022, 5, 1))
    assert after.current_period_end == date(2024, 12, 31)
    assert after.last_notice_date == date(2024, 6, 30)
    assert after.current_period_start == date(2020, 1, 1)


def test_longer_extensions_count_from_the_day_after_the_period_containing_the_amendment():
    timeline = segments(yearly_from_2022(), [Change(date(2022, 3, 1), {"extension_months": 24})])
    assert spans(timeline, date(2026, 12, 31)) == [
        (date(2020, 1, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 12, 31)),
        (date(2023, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2026, 12, 31)),
    ]
    # As of a day before the amendment the old yearly extensions still show.
    assert agreement_dates(timeline.on(date(2022, 2, 28)), date(2023, 6, 1)).current_period_end
    old = agreement_dates(timeline.on(date(2022, 2, 28)), date(2022, 2, 28))
    assert old.current_period_end == date(2022, 12, 31)
    new = agreement_dates(timeline.on(date(2023, 6, 1)), date(2023, 6, 1))
    assert new.current_period_end == date(2024, 12, 31)


# --- Beyond the examples -----------------------------------------------------------------------


def test_an_end_of_null_makes_the_agreement_tills_vidare_from_the_amendment_day():
    timeline = segments(yearly_from_2022(), [Change(date(2022, 3, 1), {"end_date": None})])
    terms = timeline.on(date(2022, 3, 1))
    assert terms.end_date is None and terms.extension_months is None
    dates = agreement_dates(terms, date(2022, 3, 1))
    assert dates.current_period_end is None
    assert dates.next_end_if_notice_today == date(2022, 6, 1)
    assert final_end(terms) is None


def test_a_cap_named_by_the_amendment_counts_from_the_period_after_it():
    capped = Terms(
        date(2020, 1, 1),
        date(2020, 12, 31),
        notice_period_months=3,
        extension_months=12,
        max_extensions=2,
    )
    timeline = segments(capped, [Change(date(2021, 6, 1), {"max_extensions": 1})])
    assert final_end(timeline.on(date(2021, 6, 1))) == date(2022, 12, 31)


def test_without_a_named_cap_the_extensions_left_under_the_old_cap_carry_over():
    capped = Terms(
        date(2020, 1, 1),
        date(2020, 12, 31),
        notice_period_months=3,
        extension_months=12,
        max_extensions=3,
    )
    # In the first extension (2021) with two left; they become two-year extensions.
    timeline = segments(capped, [Change(date(2021, 6, 1), {"extension_months": 24})])
    assert final_end(timeline.on(date(2021, 6, 1))) == date(2025, 12, 31)
    assert final_end(timeline.on(date(2021, 5, 31))) == date(2023, 12, 31)


def test_a_longer_notice_period_applies_to_the_period_containing_the_amendment():
    timeline = segments(fixed_2020_2022(), [Change(date(2022, 3, 1), {"notice_period_months": 9})])
    assert agreement_dates(timeline.on(date(2022, 3, 1)), date(2022, 3, 1)).last_notice_date == (
        date(2022, 3, 31)
    )
    assert agreement_dates(timeline.on(date(2022, 2, 1)), date(2022, 2, 1)).last_notice_date == (
        date(2022, 6, 30)
    )


def test_notice_in_days_replaces_notice_in_months():
    terms = amend(fixed_2020_2022(), date(2021, 1, 1), {"notice_period_days": 90})
    assert terms.notice_period_days == 90 and terms.notice_period_months is None


def test_several_amendments_apply_in_order_of_their_day_whatever_order_they_come_in():
    later = Change(date(2024, 2, 1), {"end_date": date(2025, 12, 31)})
    earlier = Change(date(2022, 5, 1), {"end_date": date(2024, 12, 31)})
    timeline = segments(fixed_2020_2022(), [later, earlier])
    assert timeline.on(date(2023, 1, 1)).end_date == date(2024, 12, 31)
    assert timeline.on(date(2024, 2, 1)).end_date == date(2025, 12, 31)
    assert timeline.amendment_days() == (date(2022, 5, 1), date(2024, 2, 1))


def test_an_amendment_in_an_extension_keeps_the_agreement_extended():
    timeline = segments(
        yearly_from_2022(), [Change(date(2022, 3, 1), {"end_date": date(2023, 6, 30)})]
    )
    terms = timeline.on(date(2022, 3, 1))
    assert lifecycle_status(terms, date(2022, 3, 1), "decided") == "extended"
    assert agreement_dates(terms, date(2022, 3, 1)).period_number == 1
    assert [p.number for p in timeline.periods(date(2025, 1, 1))] == [0, 1, 2, 3]


def test_a_term_shortened_by_agreement_ends_on_the_new_end():
    timeline = segments(
        yearly_from_2022(), [Change(date(2022, 3, 1), {"end_date": date(2022, 6, 30)})]
    )
    assert spans(timeline, date(2023, 12, 31))[1:3] == [
        (date(2022, 1, 1), date(2022, 6, 30)),
        (date(2022, 7, 1), date(2023, 6, 30)),
    ]


def test_fte_and_parties_read_as_of_the_day():
    timeline = segments(
        fixed_2020_2022(),
        [Change(date(2021, 1, 1), {"fte": "3.0", "parties": [(1, "bestallare")]})],
        {"fte": "2.0", "parties": [(1, "bestallare"), (2, "utforare")]},
    )
    assert timeline.values_on(date(2020, 12, 31))["fte"] == "2.0"
    assert timeline.values_on(date(2021, 1, 1))["fte"] == "3.0"
    assert timeline.values_on(date(2021, 1, 1))["parties"] == [(1, "bestallare")]


@pytest.mark.parametrize(
    ("day", "changes", "field", "code"),
    [
        (
            date(2019, 12, 31),
            {"notice_period_months": 3},
            "effective_date",
            "amendment_before_start",
        ),
        (
            date(2023, 1, 1),
            {"end_date": date(2024, 12, 31)},
            "effective_date",
            "amendment_after_end",
        ),
        (date(2022, 5, 1), {"end_date": date(2022, 4, 30)}, "end_date", "end_before_amendment"),
        (date(2022, 5, 1), {"notice_period_months": 121}, "notice_period_months", "invalid_terms"),
        (date(2022, 5, 1), {"max_extensions": 2}, "max_extensions", "invalid_terms"),
    ],
)
def test_an_amendment_that_cannot_apply_is_refused_naming_the_field(day, changes, field, code):
    with pytest.raises(RuleViolation) as raised:
        segments(fixed_2020_2022(), [Change(day, changes, key=7)])
    assert raised.value.field == field
    assert raised.value.code == code
    assert raised.value.key == 7


def test_an_amendment_lines_replace_earlier_lines_from_its_year_on():
    sources = [(None, "original"), (2023, "first"), (2025, "second")]
    assert compensation_years(sources) == [
        ("original", None, 2023),
        ("first", 2023, 2025),
        ("second", 2025, None),
    ]


def test_an_earlier_year_in_a_later_amendment_replaces_all_earlier_lines_from_that_year():
    sources = [(None, "original"), (2025, "first"), (2024, "second")]
    assert compensation_years(sources)[0] == ("original", None, 2024)
    assert compensation_years(sources)[1] == ("first", 2025, 2024)  # counts in no year


# --- Properties --------------------------------------------------------------------------------

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def terms_strategy(draw) -> Terms:
    start = draw(starts)
    kind = draw(st.sampled_from(["fixed", "extends", "open", "continues"]))
    end = None if kind == "open" else start + timedelta(days=draw(st.integers(0, 1500)))
    extension = draw(st.integers(1, 36)) if kind == "extends" else None
    cap = draw(st.one_of(st.none(), st.integers(0, 5))) if extension else None
    return Terms(
        start,
        end,
        notice_period_months=draw(st.integers(1, 12)),
        notice_ends_at_month_end=draw(st.booleans()),
        extension_months=extension,
        max_extensions=cap,
        continues_open_ended=kind == "continues",
    )


@st.composite
def changes_strategy(draw, effective: date) -> dict:
    changes: dict = {}
    if draw(st.booleans()):
        changes["end_date"] = draw(
            st.one_of(st.none(), st.just(effective + timedelta(days=draw(st.integers(0, 1500)))))
        )
    if draw(st.booleans()):
        changes["notice_period_months"] = draw(st.integers(1, 12))
    if draw(st.booleans()):
        changes["extension_months"] = draw(st.one_of(st.none(), st.integers(1, 36)))
    if draw(st.booleans()):
        changes["notice_must_be_written"] = draw(st.booleans())
    return changes


def readings(terms: Terms, day: date):
    """Everything rules.py reads as of ``day``: the dates block, the status and a notice's end."""
    try:
        notice = termination_effective_end(terms, day, written=True).effective_end
    except RuleViolation as exc:
        notice = exc.code
    return agreement_dates(terms, day), lifecycle_status(terms, day, "decided"), notice


def outcome(fn):
    try:
        return fn()
    except RuleViolation as exc:
        return ("refused", exc.code, exc.field)


@given(terms=terms_strategy(), offset=st.integers(0, 4000))
def test_with_no_amendments_every_reading_is_todays(terms, offset):
    day = terms.start_date + timedelta(days=offset)
    timeline = segments(terms, [])
    assert timeline == single(terms)
    assert readings(timeline.on(day), day) == readings(terms, day)
    assert list(timeline.periods(day)) == list(periods(terms, day))


@settings(max_examples=200)
@given(terms=terms_strategy(), at=st.integers(0, 3000), later=st.integers(0, 3000))
def test_an_amendment_naming_nothing_changes_no_reading(terms, at, later):
    effective = terms.start_date + timedelta(days=at)
    timeline = outcome(lambda: segments(terms, [Change(effective, {})]))
    assume(not isinstance(timeline, tuple))
    day = effective + timedelta(days=later)
    assert readings(timeline.on(day), day) == readings(terms, day)
    assert list(timeline.periods(day)) == list(periods(terms, day))


@settings(max_examples=200)
@given(terms=terms_strategy(), at=st.integers(0, 3000), data=st.data())
def test_an_amendment_never_changes_a_reading_as_of_a_day_before_it(terms, at, data):
    effective = terms.start_date + timedelta(days=at)
    timeline = outcome(
        lambda: segments(terms, [Change(effective, data.draw(changes_strategy(effective)))])
    )
    assume(not isinstance(timeline, tuple))
    day = terms.start_date + timedelta(days=data.draw(st.integers(0, at)) - 1)
    assume(day < effective)
    assert readings(timeline.on(day), day) == readings(terms, day)
    # The periods that ended before the amendment's period are the original's.
    amended_from = timeline.on(effective).start_date
    before = [p for p in timeline.periods(effective) if p.start < amended_from]
    assert before == [p for p in periods(terms, effective) if p.start < amended_from]


@settings(max_examples=200)
@given(terms=terms_strategy(), at=st.integers(0, 3000), gap=st.integers(0, 800), data=st.data())
def test_applying_amendments_one_by_one_equals_applying_them_together(terms, at, gap, data):
    first_day = terms.start_date + timedelta(days=at)
    second_day = first_day + timedelta(days=gap)
    first = Change(first_day, data.draw(changes_strategy(first_day)))
    second = Change(second_day, data.draw(changes_strategy(second_day)))
    given_order = [first, second] if gap == 0 else [second, first]  # same day: as given
    together = outcome(lambda: segments(terms, given_order).on(second_day))
    one_by_one = outcome(
        lambda: amend(amend(terms, first_day, first.changes), second_day, second.changes)
    )
    assert together == one_by_one


@settings(max_examples=200)
@given(terms=terms_strategy(), at=st.integers(0, 3000), data=st.data())
def test_two_amendments_on_one_day_equal_one_naming_both_changes(terms, at, data):
    day = terms.start_date + timedelta(days=at)
    a = data.draw(changes_strategy(day))
    b = data.draw(changes_strategy(day))
    # A first change that removes the extensions (or the end) also drops the cap: not the same
    # as a single change that names both.
    assume(a.get("end_date", 1) is not None and a.get("extension_months", 1) is not None)
    one_by_one = outcome(lambda: amend(amend(terms, day, a), day, b))
    together = outcome(lambda: amend(terms, day, {**a, **b}))
    assume(not isinstance(one_by_one, tuple) and not isinstance(together, tuple))
    # The same terms, read on any day from the amendment on. (Not always the same record: a
    # change of the extensions and its undoing the same day count the periods anew from the
    # current one — start 2000-01-02, offset 1 — where naming neither keeps them from the
    # start; both give the same periods and readings.)
    for later in (0, 1, 31, 366, 1000, 3000):
        on = day + timedelta(days=later)
        assert readings(one_by_one, on) == readings(together, on)
    until = day + timedelta(days=3000)
    assert [
        (p.start, p.end) for p in periods(one_by_one, until) if p.end is None or p.end >= day
    ] == [(p.start, p.end) for p in periods(together, until) if p.end is None or p.end >= day]
