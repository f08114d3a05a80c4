"""The start page in a real browser: decisions, obligations due, overdue items and every coming
deadline of agreements created through services."""

from __future__ import annotations

from datetime import date

import pytest

from app.agreements import lifecycle
from app.deadlines import services
from tests.browser_support import browser, live_server, login_page, page  # noqa: F401

pytestmark = pytest.mark.browser


def test_start_page_shows_decisions_first_then_due_then_overdue(
    app,
    db,
    factory,
    make_user,
    page,  # noqa: F811
    live_server,  # noqa: F811
):
    user = make_user("reader")
    seed_000 = factory.agreement(
        title="Personligt ombud (seed 000)",
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
    )
    factory.agreement(
        title="Avslutat (seed 001)", start_date=date(2019, 1, 1), end_date=date(2020, 12, 31)
    )
    seed_003 = factory.agreement(
        title="Tills vidare (seed 003)",
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        notice_must_be_written=True,
    )
    lifecycle.create_obligation(
        seed_003,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2022, 1, 1),
    )
    services.refresh_all(date(2022, 1, 15))
    db.session.commit()

    login_page(page, live_server, user.username, "correct horse battery")
    page.goto(f"{live_server}/?as_of=2022-01-15&within=365")
    # Decisions first: the last day for notice with what happens if nothing is done (its
    # extension in the same window is the same decision, not a second row).
    decisions = page.locator("#decisions tbody tr")
    assert decisions.count() == 1
    assert decisions.first.get_attribute("data-date") == "2022-06-30"
    assert decisions.first.get_attribute("data-agreement") == str(seed_000.id)
    assert "förlängs avtalet 24 månader till 2024-12-31" in decisions.first.inner_text()
    assert decisions.first.get_by_role("link", name="Skriv beslutsförslag").is_visible()
    # Then obligations due, then what is overdue (grouped), and the ended agreement nowhere.
    assert [r.get_attribute("data-date") for r in page.locator("#due tbody tr").all()] == [
        "2022-03-31"
    ]
    overdue = page.locator("#overdue li")
    assert overdue.count() == 1
    assert overdue.first.get_attribute("data-agreement") == str(seed_003.id)
    assert "2021-03-31" in overdue.first.inner_text()
    assert "Försenad" in overdue.first.inner_text()
    rows = page.locator("#deadlines tbody tr")
    assert [r.get_attribute("data-date") for r in rows.all()] == [
        "2022-03-31",
        "2022-06-30",
        "2023-01-01",
    ]
    assert [r.get_attribute("data-kind") for r in rows.all()] == [
        "obligation_due",
        "last_notice",
        "extension",
    ]
    assert "Avslutat" not in page.locator("main").inner_text()

    page.select_option("#kind", "last_notice")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**kind=last_notice**")
    assert page.locator("#deadlines tbody tr").count() == 1
    page.locator("#deadlines tbody tr a").first.click()
    page.wait_for_url(f"**/agreements/{seed_000.id}**")
    assert "Personligt ombud (seed 000)" in page.locator("h1").inner_text()


def test_dashboard_needs_login(page, live_server):  # noqa: F811
    page.goto(f"{live_server}/")
    assert "/login" in page.url
