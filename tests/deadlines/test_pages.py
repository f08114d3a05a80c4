"""The dashboard, the timeline and the daily refresh command."""

from __future__ import annotations

from datetime import date

from app.agreements.models import Agreement
from app.deadlines import services
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


def test_dashboard_lists_coming_deadlines_sorted_and_linked(client, login, factory, db):
    login("reader")
    a = seed_000(factory)
    b = factory.agreement(
        title="Fast 2019–2020", start_date=date(2019, 1, 1), end_date=date(2020, 12, 31)
    )
    services.refresh_all(date(2020, 1, 1))
    db.session.commit()
    html = client.get("/?as_of=2020-01-01&within=365").get_data(as_text=True)
    assert html.index('data-date="2020-06-30"') < html.index('data-date="2020-12-31"')
    assert f'href="/agreements/{a.id}"' in html and f'href="/agreements/{b.id}"' in html
    html = client.get("/?as_of=2020-01-01&within=30").get_data(as_text=True)
    assert "Inga frister" in html


def test_dashboard_filters_by_kind_board_party_and_responsible(client, login, factory, db):
    login("reader")
    person = factory.person(name="Ansvarig Anna")
    org = factory.organisation(name="Hallsbergs kommun")
    a = seed_000(factory, responsible_person_id=person.id, parties_=[(org, "bestallare")])
    b = factory.agreement(title="Annat", start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    services.refresh_all(date(2020, 1, 1))
    db.session.commit()
    for query in (f"responsible_person_id={person.id}", f"organisation_id={org.id}"):
        html = client.get(f"/?as_of=2020-01-01&within=365&{query}").get_data(as_text=True)
        assert f'data-agreement="{a.id}"' in html and f'data-agreement="{b.id}"' not in html
    html = client.get("/?as_of=2020-01-01&within=365&kind=term_end").get_data(as_text=True)
    assert 'data-kind="term_end"' in html and 'data-kind="last_notice"' not in html
    # The same answers when computed on the fly for another day.
    html = client.get(f"/?as_of=2020-01-02&within=365&organisation_id={org.id}").get_data(
        as_text=True
    )
    assert f'data-agreement="{a.id}"' in html and f'data-agreement="{b.id}"' not in html


def test_dashboard_lists_overdue_obligations_in_their_own_section(client, login, factory, db):
    from app.agreements import lifecycle

    login("reader")
    a = factory.agreement(start_date=date(2021, 1, 1), end_date=None, notice_period_months=12)
    lifecycle.create_obligation(
        a,
        {
            "title": "Årsrapport till Länsstyrelsen",
            "recurrence": "yearly",
            "due_month": 2,
            "due_day": 1,
        },
        None,
        date(2022, 1, 1),
    )
    db.session.commit()
    html = client.get("/?as_of=2022-03-01&within=30").get_data(as_text=True)
    overdue = html[html.index('id="overdue"') : html.index('id="all-deadlines"')]
    assert "Årsrapport till Länsstyrelsen" in overdue and "2022-02-01" in overdue
    assert "Försenad" in overdue


def test_dashboard_uses_a_constant_number_of_queries(client, login, factory, db):
    from sqlalchemy import event

    login("reader")
    for _ in range(3):
        seed_000(factory, board_id=None)
    services.refresh_all(date(2022, 1, 15))
    db.session.commit()

    def count_queries():
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/?as_of=2022-01-15&within=365").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = count_queries()
    for _ in range(5):
        seed_000(factory)
    services.refresh_all(date(2022, 1, 15))
    db.session.commit()
    assert count_queries() == few


def test_bad_as_of_on_the_dashboard_is_400(client, login):
    login("reader")
    assert client.get("/?as_of=2022-13-01").status_code == 400


def test_timeline_renders_svg_bars(client, login, factory):
    login("reader")
    a = seed_000(factory)
    html = client.get("/timeline?as_of=2022-01-15&from_year=2008&to_year=2024").get_data(
        as_text=True
    )
    assert "<svg" in html and f"/agreements/{a.id}" in html
    assert html.count('class="tl-extension"') == 7  # 2011–2024, two years each
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_cli_refresh_with_as_of_and_progress(runner, factory, db):
    a = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    result = runner.invoke(args=["deadlines", "refresh", "--as-of", "2020-01-01"])
    assert result.exit_code == 0, result.output
    assert "1 avtal omräknade, 2 frister" in result.output
    assert services.stored_as_of() == date(2020, 1, 1)
    assert db.session.execute(db.select(Deadline.as_of)).scalars().all() == [date(2020, 1, 1)] * 2
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).status == "in_force"
    # The next day nothing of it can have changed: nothing is recomputed, the rows hold.
    result = runner.invoke(args=["deadlines", "refresh", "--as-of", "2020-01-02"])
    assert "0 avtal omräknade, 0 frister per 2020-01-02" in result.output
    assert services.stored_as_of() == date(2020, 1, 2)  # noted once, not stamped on every row
    result = runner.invoke(args=["deadlines", "refresh", "--as-of", "2020-01-02", "--full"])
    assert "1 avtal omräknade, 2 frister" in result.output


def test_cli_refresh_refuses_a_bad_date(runner):
    result = runner.invoke(args=["deadlines", "refresh", "--as-of", "30 februari"])
    assert result.exit_code != 0
    assert "Ogiltigt datum" in result.output
