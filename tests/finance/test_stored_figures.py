"""The yearly figures kept in the database (app.finance.figures): the overview, chart,
settlement and API across agreements read them, and they must equal computing every agreement
afresh on every as-of day, after every kind of change, in every worker."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func

from app.extensions import db as _db
from app.finance import figures, services
from app.finance.gaps import explain_gaps
from app.finance.models import FiguresStale, YearFigure

YEARS = range(2016, 2030)  # the window kept on 2026-12-07: today.year - 10 … + 3


def _post(client, path, body, status=201):
    response = client.post(path, body)
    assert response.status_code == status, response.json
    return response.json


def random_register(editor, factory, rnd: random.Random, n: int = 8) -> list[dict]:
    """``n`` agreements through the API: fixed terms, extensions, tills vidare; lines following
    OPI or fixed; FTE, cost shares, tilläggsavtal, notices and Länsstyrelsen's decisions."""
    from app.indexation.services import ensure_default_series

    ensure_default_series()
    _db.session.commit()
    for year, rate in ((2021, "402638"), (2022, "402638"), (2024, "410000"), (2025, "415000")):
        assert editor.put(f"/grant-rates/{year}", {"amount_per_fte": rate}).status_code in (
            200,
            201,
        )
    orgs = [factory.organisation() for _ in range(4)]
    made = []
    for i in range(n):
        start = date(rnd.choice((2019, 2021, 2022, 2024)), rnd.choice((1, 3, 7)), 1)
        open_ended = rnd.random() < 0.3
        body = {
            "kind": rnd.choice(("samverkansavtal", "iop", "overenskommelse")),
            "title": f"Avtal {rnd.randint(0, 99):02d}-{i}",
            "start_date": start.isoformat(),
            "end_date": None
            if open_ended
            else date(start.year + rnd.randint(0, 3), 12, 31).isoformat(),
            "notice_period_months": 3,
            "extension_months": None if open_ended else rnd.choice((None, 12)),
            "fte": rnd.choice((None, "1.0", "2.5")),
            "parties": [
                {"organisation_id": orgs[0].id, "role": "bestallare"},
                {"organisation_id": orgs[1 + i % 3].id, "role": "utforare"},
            ],
        }
        a = _post(editor, "/agreements", body)
        if rnd.random() < 0.85:
            line = {
                "label": "Ersättning",
                "amount": str(rnd.randint(100, 5000) * 1000),
                "price_level_year": rnd.choice((2019, 2020, 2022)),
                "index_series": rnd.choice(("OPI", None)),
            }
            _post(editor, f"/agreements/{a['id']}/compensation-items", line)
        if rnd.random() < 0.6:
            shares = [
                {"organisation_id": orgs[0].id, "share": "1/3"},
                {"organisation_id": orgs[1 + i % 3].id, "share": "2/3"},
            ]
            assert editor.put(f"/agreements/{a['id']}/cost-shares", shares).status_code == 200
        runs_2024 = open_ended or body["extension_months"] or body["end_date"] >= "2024-06"
        if rnd.random() < 0.5 and start.year < 2024 and runs_2024:
            change = rnd.choice(
                (
                    {"fte": "3.0"},
                    {"end_date": "2027-12-31"},
                    {
                        "compensation": {
                            "from_year": 2024,
                            "items": [
                                {
                                    "label": "Ny",
                                    "amount": "250000",
                                    "price_level_year": 2023,
                                    "index_series": "OPI",
                                }
                            ],
                        }
                    },
                )
            )
            day = date(2024, rnd.choice((1, 5)), 1)
            _post(
                editor,
                f"/agreements/{a['id']}/amendments",
                {"effective_date": day.isoformat(), "changes": change},
            )
        if body["fte"] and start.year <= 2022 and rnd.random() < 0.5:
            decision = {"granted": "500000", "decided_on": "2022-03-15", "diarienummer": "L 1"}
            response = editor.put(f"/agreements/{a['id']}/grants/2022", decision)
            assert response.status_code in (200, 201), response.json
        made.append(a)
    return made


def noticed_agreement(editor, org_id: int, received: str) -> dict:
    """An IOP running tills vidare since 2020 with a line following OPI, given notice (in
    writing) received on ``received``."""
    a = _post(
        editor,
        "/agreements",
        {
            "kind": "iop",
            "title": "Uppsagt",
            "start_date": "2020-01-01",
            "end_date": None,
            "notice_period_months": 6,
            "parties": [{"organisation_id": org_id, "role": "bestallare"}],
        },
    )
    line = {"label": "E", "amount": "300000", "price_level_year": 2020, "index_series": "OPI"}
    _post(editor, f"/agreements/{a['id']}/compensation-items", line)
    _post(
        editor,
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_id, "received_date": received, "written": True},
    )
    return a


def _overview_facts(o) -> dict:
    return {
        "sums": (o.total, o.statsbidrag, o.net, o.missing_count, o.preliminary_count),
        "unshared": o.unshared_net,
        "by_board": o.by_board,
        "by_kind": o.by_kind,
        "by_party": o.by_party,
        "count": (o.count, o.complete_count),
        "rows": [
            (
                r.agreement.id,
                r.agreement.title,
                r.result.total,
                r.result.statsbidrag,
                r.result.net,
                r.result.preliminary,
                r.result.statsbidrag_basis,
                [m.message for m in r.result.missing],
                list(r.result.shares),
            )
            for r in o.rows
        ],
        "gaps": [r.agreement.id for r in o.gap_rows],
    }


def _gap_facts(o) -> tuple:
    g = explain_gaps(o.gap_rows, o.count, o.complete_count, o.gap_tallies, o.missing_count)
    return (
        g.count,
        g.complete,
        [(s.series_code, s.years, s.agreement_count) for s in g.series],
        g.grant_years,
        [(a.agreement.id, a.reasons) for a in g.agreements],
        g.unlisted,
    )


def computed_overview(year: int, as_of: date | None):
    rows = services._computed_year_results(year, None, None, None, as_of)
    return services._computed_overview(year, rows)


def assert_stored_equals_computed(as_of_days) -> None:
    for year in YEARS:
        for as_of in as_of_days:
            stored = services.overview(year, as_of=as_of)
            assert isinstance(stored.rows, services.StoredRows)
            computed = computed_overview(year, as_of)
            assert _overview_facts(stored) == _overview_facts(computed), (year, as_of)
            assert _gap_facts(stored) == _gap_facts(computed), (year, as_of)
        assert services.totals_per_year(year, year, as_of_days[-1]) == [
            (year, *services._totals_per_year([year], as_of_days[-1])[0][1:])
        ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_figures_equal_computing_every_agreement_on_every_day(api, factory, seed):
    editor = api("admin")
    random_register(editor, factory, random.Random(seed))
    # A notice on one agreement, OPI 2024 preliminary then final (something to settle).
    noticed_agreement(editor, factory.organisation().id, "2025-02-10")
    for status, percent in (("preliminary", "3.0"), ("final", "4.1")):
        body = {"percent": percent, "status": status}
        assert editor.put("/index-series/OPI/years/2024", body).status_code in (200, 201)
    days = [
        date(2021, 6, 1),
        date(2022, 3, 14),
        date(2022, 3, 15),
        date(2023, 12, 31),
        date(2024, 1, 1),
        date(2024, 5, 1),
        date(2025, 2, 9),
        date(2025, 2, 10),
        None,
    ]
    assert_stored_equals_computed(days)
    for as_of in (date(2024, 4, 30), None):
        stored = services.settlement_overview(2024, as_of)
        computed_rows = services._settlements(2024, as_of)
        assert stored.rows == computed_rows
        assert stored.net_difference == sum(
            (
                r.settlement.net_difference
                for r in computed_rows
                if r.settlement.net_difference is not None
            ),
            start=stored.net_difference * 0,
        )
        assert stored.incomplete == sum(r.settlement.net_difference is None for r in computed_rows)
    assert len(services.settlements(2024)) >= 1


def test_a_change_is_in_the_stored_figures_when_it_is_committed(api, factory, runner):
    editor = api("admin")
    a = factory.following_opi("1000000")
    before = services.overview(2023).total
    item = {"label": "Lokal", "amount": "100000", "price_level_year": 2023}
    _post(editor, f"/agreements/{a.id}/compensation-items", item)
    assert services.overview(2023).total == before + 100000
    # A new index value recomputes the agreements following the series at once.
    assert services.overview(2025).missing_count == 1
    for year, percent in ((2024, "2.0"), (2025, "2.5")):
        body = {"percent": percent, "status": "final"}
        assert editor.put(f"/index-series/OPI/years/{year}", body).status_code in (200, 201)
    assert services.overview(2025).missing_count == 0
    assert_stored_equals_computed([None])
    before = services.overview(2025).total
    result = runner.invoke(args=["finance", "refresh", "--full"])  # a rebuild, then VACUUM
    assert result.exit_code == 0, result.output
    assert services.overview(2025).total == before


def test_archiving_and_a_rename_reach_the_stored_rows(api, factory):
    editor = api("admin")
    a = factory.following_opi()
    services.overview(2023)  # built
    got = editor.get(f"/agreements/{a.id}").json
    response = editor.patch(
        f"/agreements/{a.id}", {"version": got["version"], "title": "Nytt namn"}
    )
    assert response.status_code == 200, response.json
    assert [r.agreement.title for r in services.overview(2023).rows] == ["Nytt namn"]
    assert_stored_equals_computed([None])


def test_many_agreements_concerned_are_queued_and_the_page_says_so(
    app, api, factory, login, client, runner
):
    editor = api("admin")
    for _ in range(3):
        factory.following_opi()
    assert services.overview(2025).missing_count == 3
    app.config["FINANCE_INLINE_LIMIT"] = 2  # three agreements follow OPI
    body = {"percent": "2.0", "status": "final"}
    for year in (2024, 2025):
        assert editor.put(f"/index-series/OPI/years/{year}", body).status_code in (200, 201)
    assert figures.stale_count() == 3
    assert services.overview(2025).missing_count == 3  # the figures last computed
    login("reader")
    page = client.get("/finance/?year=2025").get_data(as_text=True)
    assert "3 avtal väntar på omräkning" in page
    result = runner.invoke(args=["finance", "refresh"])
    assert result.exit_code == 0, result.output
    assert "3 avtal omräknade" in result.output
    assert figures.stale_count() == 0
    assert services.overview(2025).missing_count == 0
    assert "väntar på omräkning" not in client.get("/finance/?year=2025").get_data(as_text=True)


def test_the_scheduler_works_off_the_queue(app, api, factory):
    from app.reminders.scheduler import figures_job

    editor = api("admin")
    factory.following_opi()
    factory.following_opi()
    services.overview(2025)
    app.config["FINANCE_INLINE_LIMIT"] = 1
    assert editor.put(
        "/index-series/OPI/years/2024", {"percent": "2.0", "status": "final"}
    ).status_code in (200, 201)
    assert figures.stale_count() == 2
    figures_job(app)
    assert _db.session.execute(_db.select(FiguresStale)).first() is None
    assert_stored_equals_computed([None])


def test_a_year_outside_the_window_is_computed(api, factory):
    editor = api("admin")
    factory.following_opi()
    services.overview(2023)
    assert not figures.covers(2014) and not figures.covers(2031)
    assert isinstance(services.year_results(2031), list)
    assert (
        _db.session.execute(
            _db.select(YearFigure.year).where((YearFigure.year < 2016) | (YearFigure.year > 2029))
        ).first()
        is None
    )
    # The API answers the same either way: the tills vidare agreement runs in 2031.
    assert editor.get("/finance/compensation?year=2014").json["count"] == 0
    body = editor.get("/finance/compensation?year=2031").json
    assert body["count"] == 1 and body["complete"] is False  # OPI 2024– not entered


def test_the_figures_are_shared_by_every_worker(app, api, factory, _schema, tmp_path):
    """Two apps on one database (two workers): a change made through one is seen by the
    other at once, with nothing remembered in either."""
    from app import create_app
    from tests.conftest import _test_config

    factory.following_opi("1000000")
    first = services.overview(2023).total
    other = create_app(_test_config(_schema, tmp_path))
    with other.app_context():
        assert services.overview(2023).total == first
    editor = api("admin")
    a = services.overview(2023).rows[0].agreement
    _post(
        editor,
        f"/agreements/{a.id}/compensation-items",
        {"label": "X", "amount": "5", "price_level_year": 2023},
    )
    with other.app_context():
        assert services.overview(2023).total == first + 5
        _db.session.remove()


def test_the_overview_costs_the_same_queries_for_few_and_many_agreements(
    app, login, client, factory
):
    def queries_for_page() -> int:
        counter = [0]

        def count(*_args, **_kw):
            counter[0] += 1

        event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/finance/?year=2024").status_code == 200
            assert client.get("/api/v1/finance/compensation?year=2024").status_code in (200, 401)
        finally:
            event.remove(_db.engine, "before_cursor_execute", count)
        return counter[0]

    login("reader")
    for _ in range(2):
        factory.following_opi()
    services.overview(2024)
    few = queries_for_page()
    for _ in range(12):
        factory.following_opi()
    many = queries_for_page()
    assert many == few


def test_an_amendment_splits_the_rows_into_spans_of_as_of_days(api, factory):
    """An amendment from 2024-05-01: one row answers the days before it, one the days from it
    on, and the day before the amendment reads the old figures."""
    editor = api("admin")
    a = factory.following_opi("1000000")
    services.overview(2025)  # built
    change = {"fte": "2.0"}
    _post(
        editor,
        f"/agreements/{a.id}/amendments",
        {"effective_date": "2024-05-01", "changes": change},
    )
    rows = _db.session.execute(_db.select(YearFigure).where(YearFigure.year == 2025)).scalars()
    spans = [(r.valid_from, r.valid_to) for r in rows]
    day = date(2024, 5, 1)
    assert sorted(spans, key=str) == sorted([(None, day), (day, None)], key=str)
    assert_stored_equals_computed([day - timedelta(days=1), day, None])


def test_the_gaps_name_the_first_agreements_and_count_the_rest(app, login, client, factory):
    for _ in range(4):
        factory.following_opi()
    from app.finance import services as finance

    monkey = finance.GAPS_LISTED
    finance.GAPS_LISTED = 2
    try:
        login("reader")
        page = client.get("/finance/?year=2025").get_data(as_text=True)
    finally:
        finance.GAPS_LISTED = monkey
    assert "så 4 avtal som följer serien saknar belopp" in page
    assert "… och 2 avtal till" in page


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: two concurrent transactions (SQLite serialises writers itself)",
)
def test_two_transactions_recomputing_one_agreement_leave_one_set_of_rows(app, factory):
    a = factory.following_opi()
    services.overview(2023)  # built and committed
    _db.session.commit()

    def rows() -> int:
        return _db.session.execute(
            _db.select(func.count()).select_from(YearFigure).where(YearFigure.agreement_id == a.id)
        ).scalar()

    expected = rows()
    assert expected > 0
    first_wrote = threading.Event()

    def first() -> None:
        with app.app_context():
            figures.refresh([a.id])
            first_wrote.set()
            time.sleep(1.0)  # the second transaction starts meanwhile
            _db.session.commit()
            _db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_wrote.wait(30)
    figures.refresh([a.id])  # waits for the first to commit, then replaces its rows
    _db.session.commit()
    thread.join(30)
    assert rows() == expected
