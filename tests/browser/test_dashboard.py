"""The start page in a real browser: coming deadlines of agreements created through services."""

from __future__ import annotations

from datetime import date

import pytest

from app.agreements import lifecycle
from app.deadlines import services
from tests.browser_support import browser, live_server, login_page, page  # noqa: F401

pytestmark = pytest.mark.browser


def test_dashboard_lists_coming_deadlines_with_correct_dates(
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
    rows = page.locator("#deadlines tbody tr")
    assert [r.get_attribute("data-date") for r in rows.all()] == [
        "2021-03-31",  # not met, so overdue
        "2022-03-31",
        "2022-06-30",
        "2023-01-01",
    ]
    assert [r.get_attribute("data-kind") for r in rows.all()] == [
        "obligation_due",
        "obligation_due",
        "last_notice",
        "extension",
    ]
    assert "table-danger" in (rows.first.get_attribute("class") or "")
    assert "Försenad" in rows.first.inner_text()
    assert "Avslutat" not in page.locator("#deadlines").inner_text()

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
