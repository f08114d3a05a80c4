"""The start page's sections (app.deadlines.startpage): decisions first with what happens if
nothing is done, obligations due, overdue items grouped, ended agreements' items apart."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from app.agreements import lifecycle
from app.core import clock
from app.deadlines import services, startpage
from app.deadlines.models import Deadline


def seed_000(factory, **kw):
    return factory.agreement(
        title="PO seed 000",
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
        **kw,
    )


def quarterly(agreement, title="Kvartalsavstämning"):
    return lifecycle.create_obligation(
        agreement,
        {"title": title, "recurrence": "quarterly", "due_month": 3, "due_day": 31},
        None,
        agreement.start_date,
    )


def test_a_last_day_for_notice_says_what_happens_if_nothing_is_done(factory, db):
    a = seed_000(factory)
    page = startpage.start_page(date(2022, 5, 1), 90)
    [row] = page.decisions
    assert (row.kind, row.date, row.agreement.id) == ("last_notice", date(2022, 6, 30), a.id)
    assert row.business_day == date(2022, 6, 30)
    assert (row.extends_on, row.next_end) == (date(2023, 1, 1), date(2024, 12, 31))
    assert "förlängs avtalet 24 månader till 2024-12-31" in row.consequence


def test_last_day_and_extension_of_one_period_make_one_decision(factory, db):
    seed_000(factory)
    page = startpage.start_page(date(2022, 5, 1), 365)
    assert [(r.kind, r.date) for r in page.decisions] == [("last_notice", date(2022, 6, 30))]


def test_an_extension_after_the_last_day_is_still_shown_with_its_consequence(factory, db):
    seed_000(factory)
    page = startpage.start_page(date(2022, 11, 1), 90)
    [row] = page.decisions
    assert (row.kind, row.date) == ("extension", date(2023, 1, 1))
    assert "har passerat" in row.consequence and "2024-12-31" in row.consequence


def test_a_recorded_notice_replaces_the_extension_by_the_end(factory, db):
    a = seed_000(factory)
    lifecycle.give_notice(
        a,
        {
            "organisation_id": a.parties[0].organisation_id,
            "received_date": date(2022, 6, 1),
            "written": True,
        },
        None,
        date(2022, 6, 1),
    )
    db.session.commit()
    page = startpage.start_page(date(2022, 11, 1), 90)
    [row] = page.decisions
    assert (row.kind, row.date, row.notice_recorded) == ("term_end", date(2022, 12, 31), True)
    assert "upphör 2022-12-31" in row.consequence


def test_overdue_occurrences_of_one_obligation_are_one_row_with_their_dates(factory, db):
    a = factory.agreement(start_date=date(2021, 1, 1), end_date=None, notice_period_months=12)
    quarterly(a)
    db.session.commit()
    page = startpage.start_page(date(2022, 1, 15), 90)
    [group] = page.overdue
    assert group.kind == "obligation" and group.agreement.id == a.id
    assert group.dates == [
        date(2021, 3, 31),
        date(2021, 6, 30),
        date(2021, 9, 30),
        date(2021, 12, 31),
    ]
    assert [r.date for r in page.due] == [date(2022, 3, 31)]


def test_items_of_an_agreement_that_has_ended_are_not_overdue(factory, db):
    a = factory.agreement(start_date=date(2021, 1, 1), end_date=date(2021, 12, 31))
    quarterly(a)
    db.session.commit()
    page = startpage.start_page(date(2022, 2, 1), 90)
    assert page.overdue == []
    assert [g.dates for g in page.ended] == [
        [date(2021, 3, 31), date(2021, 6, 30), date(2021, 9, 30), date(2021, 12, 31)]
    ]


def _row(kind, day, **kw):
    base = {
        "kind": kind,
        "date": day,
        "business_day": day,
        "title": kw.pop("title", kind),
        "agreement_id": None,
        "obligation_id": None,
        "series_code": None,
        "year": None,
    }
    return SimpleNamespace(**{**base, **kw})


def test_missing_index_values_are_one_row_per_series_with_their_years(factory, db):
    running = factory.agreement(start_date=date(2021, 1, 1), end_date=None)
    ended = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    rows = [
        _row("index_missing", date(y, 1, 31), series_code="OPI", year=y) for y in (2024, 2025, 2026)
    ] + [
        _row("index_missing", date(2027, 1, 31), series_code="OPI", year=2027),
        _row("index_missing", date(2020, 1, 31), series_code="LON", year=2020),
    ]
    concerned = {("OPI", y): (running.id,) for y in (2024, 2025, 2026, 2027)}
    concerned[("LON", 2020)] = (ended.id,)
    page = startpage.group_start_page(
        rows,
        date(2026, 11, 30),
        date(2027, 2, 28),
        {running.id: running, ended.id: ended},
        lambda code, year: concerned[(code, year)],
    )
    assert [(g.series_code, g.years) for g in page.overdue] == [("OPI", [2024, 2025, 2026])]
    # The coming year's value is due, not overdue; the ended agreement's gap is apart.
    assert [(r.series_code, r.date) for r in page.due] == [("OPI", date(2027, 1, 31))]
    assert [(g.series_code, g.years) for g in page.ended] == [("LON", [2020])]


def test_the_sections_read_the_stored_rows_the_same_as_computed_ones(factory, db):
    a = factory.agreement(start_date=date(2021, 1, 1), end_date=None, notice_period_months=12)
    quarterly(a)
    services.refresh_all(date(2022, 1, 15))
    db.session.commit()
    stored = startpage.start_page(date(2022, 1, 15), 90)
    computed = startpage.start_page(date(2022, 1, 16), 90)
    assert [g.dates for g in stored.overdue] == [g.dates for g in computed.overdue]


def test_the_demo_loaded_today_has_only_this_years_obligations_open(app, db):
    from app.demo.loader import load_demo, load_extras

    today = clock.today()
    load_extras(load_demo(today), today, lambda _msg: None)
    db.session.commit()
    page = startpage.start_page(today, 90)
    overdue_dates = [d for g in page.overdue for d in g.dates]
    assert all(d.year == today.year for d in overdue_dates), overdue_dates
    # The agreements that have ended (2019–2020, 2023–2024) have nothing overdue.
    assert all(g.agreement is None or g.agreement.status != "ended" for g in page.overdue)


def _three_agreements_with_decisions_and_gaps(factory):
    for n in range(3):
        a = factory.agreement(
            title=f"Avtal {n}",
            start_date=date(2021, 1, 1),
            end_date=date(2022, 12, 31),
            extension_months=24,
            notice_period_months=6,
        )
        quarterly(a, f"Kvartalsavstämning {n}")


def test_a_section_cut_at_its_cap_says_so(factory, db, monkeypatch):
    _three_agreements_with_decisions_and_gaps(factory)
    services.refresh_all(date(2022, 5, 1))
    db.session.commit()
    uncut = startpage.start_page(date(2022, 5, 1), 90)
    assert uncut.truncated == frozenset()
    assert len({r.agreement.id for r in uncut.decisions}) == 3

    monkeypatch.setattr(startpage, "SECTION_ROWS", 2)
    monkeypatch.setattr(startpage, "OVERDUE_ROWS", 4)
    cut = startpage.start_page(date(2022, 5, 1), 90)
    assert cut.truncated == {"decisions", "due", "overdue"}
    assert len(cut.decisions) == 2
    assert sum(len(g.dates) for g in cut.overdue) == 4  # of 3 × 4 overdue quarters

    # Exactly at the cap is not cut: one row more than shown is what tells.
    monkeypatch.setattr(startpage, "SECTION_ROWS", 3)
    monkeypatch.setattr(startpage, "OVERDUE_ROWS", 15)
    exact = startpage.start_page(date(2022, 5, 1), 90)
    assert "decisions" not in exact.truncated and "overdue" not in exact.truncated


def test_the_page_says_a_section_is_cut_and_lists_every_overdue_item(
    factory, db, client, login, monkeypatch
):
    _three_agreements_with_decisions_and_gaps(factory)
    services.refresh_all(date(2022, 5, 1))
    db.session.commit()
    login("reader")
    monkeypatch.setattr(startpage, "OVERDUE_ROWS", 4)
    html = client.get("/?as_of=2022-05-01").get_data(as_text=True)
    assert 'data-testid="truncated-overdue"' in html
    assert 'data-testid="truncated-decisions"' not in html
    assert "overdue=1" in html

    listed = client.get("/?as_of=2022-05-01&overdue=1").get_data(as_text=True)
    assert "de försenade medräknade" in listed
    # Every overdue quarter (3 agreements × 2021-06-30 … 2022-03-31) is in the full list.
    assert listed.count('data-kind="obligation_due" data-date="2021-06-30"') == 3
    assert listed.count('data-kind="obligation_due" data-date="2022-03-31"') == 3


def test_a_computed_start_page_groups_missing_index_values_too(factory, db, client, login):
    """For a day the stored refresh does not describe (here: no refresh at all) the sections
    are computed; a missing index value is grouped by its series there as well (it was a 500:
    the computed rows did not carry the series and year)."""
    factory.following_opi("4107597")
    db.session.commit()
    assert services.stored_as_of() is None
    page = startpage.start_page(date(2024, 3, 15), 90)
    assert [(g.series_code, 2024 in g.years) for g in page.overdue] == [("OPI", True)]
    login("reader")
    response = client.get("/?as_of=2024-03-15")
    assert response.status_code == 200
    assert 'data-series="OPI"' in response.get_data(as_text=True)


def test_an_agreement_that_ends_anyway_is_offered_a_new_agreement_draft(factory, db, client, login):
    """Its end is a decision to prepare, but there is nothing to extend: the draft offered is
    "nytt avtal", which the draft page can make (a förlängning draft answered 422)."""
    a = factory.agreement(
        title="Slutar 2023", start_date=date(2022, 1, 1), end_date=date(2023, 12, 31)
    )
    login("editor")
    html = client.get("/?as_of=2023-12-01").get_data(as_text=True)
    row = html[html.index(f'data-agreement="{a.id}"') :]
    row = row[: row.index("</tr>")]
    assert "decision=nytt_avtal" in row and "decision=forlangning" not in row
    href = row[row.index("/documents/") : row.index('"', row.index("/documents/"))]
    assert client.get(href.replace("&amp;", "&")).status_code == 200


def test_the_huvudmans_application_on_1_march_is_due_on_the_start_page(factory, db, client, login):
    from decimal import Decimal

    linkoping = factory.organisation("Linköpings kommun")
    factory.agreement(
        parties_=[(linkoping, "bestallare")],
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
    )
    services.refresh_all(date(2026, 2, 1))
    db.session.commit()
    for page in (
        startpage.start_page(date(2026, 2, 1), 90),  # stored rows
        startpage.start_page(date(2026, 2, 15), 90),  # computed (over a week after)
    ):
        grant = [r for r in page.due if r.organisation_id]
        assert [(r.date, r.organisation_id, r.year) for r in grant] == [
            (date(2026, 3, 1), linkoping.id, 2026)
        ]
        assert "Linköpings kommun" in grant[0].title
    login("reader")
    html = client.get("/?as_of=2026-02-01").get_data(as_text=True)
    # "ansökan 2026 och redovisning 2025": the 2026 application and the 2025 account.
    assert f"/grants/reports/2026?organisation_id={linkoping.id}#application" in html
    assert f"/grants/reports/2025?organisation_id={linkoping.id}" in html


def test_a_decision_reads_the_terms_as_of_the_day_not_a_later_amendment(factory, db):
    from app.agreements import amendments

    a = factory.agreement(
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
        extension_months=12,
        notice_period_months=3,
    )
    amendments.add_amendment(
        a,
        {"effective_date": date(2027, 9, 1), "changes": {"end_date": "2029-12-31"}},
        None,
        date(2026, 11, 1),
    )
    db.session.commit()
    page = startpage.start_page(date(2026, 12, 1), 90)
    [row] = [r for r in page.decisions if r.agreement.id == a.id]
    assert "till 2027-12-31" in row.consequence, row.consequence


def test_a_party_filter_keeps_the_organisations_own_1_march_deadline(factory, db):
    from decimal import Decimal

    linkoping = factory.organisation("Linköpings kommun")
    factory.agreement(
        parties_=[(linkoping, "bestallare")],
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        fte=Decimal("6"),
    )
    other = factory.organisation("Motala kommun")
    services.refresh_all(date(2026, 2, 1))
    db.session.commit()
    mine = startpage.start_page(date(2026, 2, 1), 90, organisation_id=linkoping.id)
    assert [r.organisation_id for r in mine.due if r.organisation_id] == [linkoping.id]
    listed = services.list_deadlines(date(2026, 2, 1), 90, organisation_id=linkoping.id)
    assert any(d.kind == "grant_application" for d in listed.items)
    theirs = startpage.start_page(date(2026, 2, 1), 90, organisation_id=other.id)
    assert not [r for r in theirs.due if r.organisation_id]


def test_stored_index_gaps_say_whether_only_ended_agreements_are_concerned(
    factory, db, monkeypatch
):
    """The refresh stores, with a missing index value, whether every agreement it concerns has
    ended; the start page files it from that row without reading every agreement's money (at
    100 000 agreements that reading took seconds and hundreds of MB per worker)."""
    from app.finance import services as finance
    from app.indexation.services import ensure_default_series

    ensure_default_series()
    ended = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2026, 12, 31))
    line = {"label": "Ersättning", "amount": "1000", "price_level_year": 2019}
    finance.add_item(ended, {**line, "index_series": "OPI"}, None)
    running = factory.agreement(start_date=date(2019, 1, 1), end_date=None)
    db.session.commit()
    day = date(2027, 3, 1)  # OPI is known up to 2023 only
    services.refresh_all(day)
    db.session.commit()
    flags = dict(
        db.session.execute(
            db.select(Deadline.year, Deadline.only_ended).where(Deadline.kind == "index_missing")
        ).all()
    )
    assert flags and all(flags.values())  # only the ended agreement follows OPI
    computed = startpage.start_page(day + timedelta(days=30), 90)  # not the stored day
    assert computed.overdue == [] and [g.series_code for g in computed.ended] == ["OPI"]

    def no_money(*_a, **_k):
        raise AssertionError("the stored start page read every agreement's money")

    monkeypatch.setattr(finance, "load_money", no_money)
    finance.forget_remembered()
    stored = startpage.start_page(day, 90)
    assert stored.overdue == [] and [g.series_code for g in stored.ended] == ["OPI"]

    monkeypatch.undo()
    finance.add_item(running, {**line, "index_series": "OPI"}, None)
    db.session.commit()
    services.refresh_all(day)
    db.session.commit()
    page = startpage.start_page(day, 90)
    assert [g.series_code for g in page.overdue] == ["OPI"] and page.ended == []


def test_the_ended_agreements_are_asked_a_bounded_number_of_ids_at_a_time(db, factory, monkeypatch):
    """A missing index value can concern every agreement of a national register: the ids are
    sent in chunks (PostgreSQL takes at most 65 535 parameters in one statement)."""
    from sqlalchemy import event

    made = [factory.agreement() for _ in range(3)]  # 2021–2022: ended by now
    made += [factory.agreement(end_date=None) for _ in range(2)]  # tills vidare: in force
    assert [a.status == "ended" for a in made] == [True, True, True, False, False]
    statements: list[str] = []
    monkeypatch.setattr(startpage, "IN_CHUNK", 2)

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        ended = startpage._ended_among({a.id for a in made})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert ended == {a.id for a in made[:3]}
    assert len(statements) == 3  # 5 ids, 2 at a time
