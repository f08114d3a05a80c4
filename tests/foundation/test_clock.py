"""Today is Sweden's calendar day, whatever zone the server's clock runs in: pages, API and
scheduler agree on it around midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.core import clock
from app.reminders.services import local_today


def test_today_is_the_day_in_stockholm_not_in_utc():
    # 23:30 UTC on 30 November is 00:30 on 1 December in Stockholm (CET, +1).
    assert clock.today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert clock.today(datetime(2026, 11, 30, 22, 59, tzinfo=UTC)) == date(2026, 11, 30)
    # Summer time (CEST, +2): 22:30 UTC on 30 June is already 1 July.
    assert clock.today(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert clock.today(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)


def test_the_scheduler_and_the_pages_share_one_today():
    now = datetime(2024, 2, 29, 23, 15, tzinfo=UTC)
    assert local_today(now) == clock.today(now) == date(2024, 3, 1)


def test_the_zone_follows_the_configuration(app):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    assert clock.today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 11, 30)


def test_the_start_page_is_as_of_today_in_stockholm(client, login):
    login("reader")
    html = client.get("/").get_data(as_text=True)
    assert f"(per {clock.today().isoformat()})" in html
