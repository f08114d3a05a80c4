"""The agreement list in a real browser: the current period, the next last day for notice with
its business day and the status, sortable by each, with filters and sorting kept in the URL."""

from __future__ import annotations

from datetime import date

import pytest

from app.deadlines import services
from tests.browser_support import browser, live_server, login_page, page  # noqa: F401

pytestmark = pytest.mark.browser
AS_OF = date(2026, 11, 30)


@pytest.fixture
def register(factory, db, make_user):
    org = factory.organisation(name="Linköpings kommun")
    other = factory.organisation(name="Åtvidabergs kommun")
    parties = [(org, "huvudman"), (other, "part")]
    extended = factory.agreement(
        title="A Samverkan sedan 2008",
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
        parties_=parties,
    )
    fixed = factory.agreement(
        title="B Fast till mars 2027",
        start_date=date(2025, 4, 1),
        end_date=date(2027, 3, 31),
        notice_period_months=3,
        extension_months=12,
        parties_=parties,
    )
    open_ended = factory.agreement(
        title="C Tills vidare",
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        parties_=[(other, "part")],
    )
    services.refresh_all(AS_OF)
    db.session.commit()
    return {"user": make_user("reader"), "a": extended, "b": fixed, "c": open_ended}


def _column(page, testid):  # noqa: F811
    return [
        c.inner_text().strip() for c in page.locator(f"#agreements [data-testid={testid}]").all()
    ]


def _titles(page):  # noqa: F811
    return [a.inner_text() for a in page.locator("#agreements tbody tr td:first-child a").all()]


def test_list_shows_current_period_next_last_day_for_notice_and_status(
    register,
    page,  # noqa: F811
    live_server,  # noqa: F811
):
    login_page(page, live_server, register["user"].username, "correct horse battery")
    page.goto(f"{live_server}/agreements/?as_of={AS_OF}")
    assert _titles(page) == ["A Samverkan sedan 2008", "B Fast till mars 2027", "C Tills vidare"]
    # Seed 000's shape: the current period, not the first one.
    assert _column(page, "current-period") == [
        "2025-01-01 – 2026-12-31",
        "2025-04-01 – 2027-03-31",
        "2021-01-01 – tills vidare",
    ]
    notice = _column(page, "last-notice")
    assert notice[0] == "2028-06-30"
    # 2026-12-31 is nyårsafton, not a business day: the list says which day the notice must
    # be received by.
    assert notice[1].splitlines() == ["2026-12-31", "bankdag 2026-12-30"]
    # Tills vidare: notice may come any day; the list says when it would end at the earliest.
    assert notice[2].splitlines() == ["när som helst", "upphör tidigast 2027-11-30"]
    assert _column(page, "status") == ["Förlängt", "Gäller", "Gäller"]


def test_list_sorts_by_next_last_day_for_notice_and_keeps_filters_in_the_url(
    register,
    page,  # noqa: F811
    live_server,  # noqa: F811
):
    login_page(page, live_server, register["user"].username, "correct horse battery")
    page.goto(f"{live_server}/agreements/?as_of={AS_OF}")
    page.locator("#agreements th[data-sort=last_notice] a").click()
    page.wait_for_url("**sort=last_notice**")
    assert page.locator("#agreements th[data-sort=last_notice]").get_attribute("aria-sort") == (
        "ascending"
    )
    # B's last day is 2026-12-31, A's 2028-06-30; a tills vidare agreement has none: last.
    assert _titles(page) == ["B Fast till mars 2027", "A Samverkan sedan 2008", "C Tills vidare"]
    page.locator("#agreements th[data-sort=last_notice] a").click()
    page.wait_for_url("**dir=desc**")
    assert page.locator("#agreements th[data-sort=last_notice]").get_attribute("aria-sort") == (
        "descending"
    )
    assert _titles(page) == ["A Samverkan sedan 2008", "B Fast till mars 2027", "C Tills vidare"]
    # By the end of the current period: A's ends 2026-12-31, B's 2027-03-31, C's never.
    page.locator("#agreements th[data-sort=period_end] a").click()
    page.wait_for_url("**sort=period_end**")
    assert _titles(page) == ["A Samverkan sedan 2008", "B Fast till mars 2027", "C Tills vidare"]
    # A filter keeps the sort, and both stay in the URL (a link can be shared).
    page.select_option("#organisation_id", label="Linköpings kommun")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_url("**organisation_id=**")
    assert "sort=period_end" in page.url
    assert _titles(page) == ["A Samverkan sedan 2008", "B Fast till mars 2027"]
