"""In a real browser: log in, create an agreement with two parties, edit it, and see the change
in its audit log."""

from __future__ import annotations

import pytest

from tests.browser_support import browser, live_server, login_page, page  # noqa: F401

pytestmark = pytest.mark.browser


def test_create_edit_and_see_the_change_in_the_audit_log(
    factory,
    make_user,
    page,  # noqa: F811
    live_server,  # noqa: F811
):
    user = make_user("editor")
    linkoping = factory.organisation("Linköpings kommun")
    atvidaberg = factory.organisation("Åtvidabergs kommun")

    login_page(page, live_server, user.username, "correct horse battery")
    page.goto(f"{live_server}/agreements/new")
    page.select_option("select[name=kind]", "samverkansavtal")
    page.fill("input[name=title]", "Personligt ombud, samverkansavtal med Åtvidaberg")
    page.fill("input[name=diarienummer]", "SOC 2020/0815")
    page.fill("input[name=start_date]", "2008-01-01")
    page.fill("input[name=end_date]", "2010-12-31")
    page.fill("input[name=notice_period_months]", "6")
    page.fill("input[name=extension_months]", "24")
    page.select_option("select[name='parties-0-organisation_id']", str(linkoping.id))
    page.select_option("select[name='parties-0-role']", "huvudman")
    page.select_option("select[name='parties-1-organisation_id']", str(atvidaberg.id))
    page.select_option("select[name='parties-1-role']", "part")
    page.locator("#agreement-form [type=submit]").click()
    page.wait_for_url(lambda url: "/agreements/new" not in url)

    detail_url = page.url
    body = page.locator("body")
    assert "Personligt ombud, samverkansavtal med Åtvidaberg" in body.inner_text()
    assert "Linköpings kommun" in body.inner_text()
    assert "Åtvidabergs kommun" in body.inner_text()

    page.goto(detail_url.split("#")[0].rstrip("/") + "/edit")
    page.fill("input[name=notice_period_months]", "3")
    page.fill("input[name=title]", "Samverkansavtal Åtvidaberg (PO)")
    page.locator("#agreement-form [type=submit]").click()
    page.wait_for_url(lambda url: "/edit" not in url)

    audit = page.locator("#audit")
    rows = audit.locator("tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    notice = next(t for t in texts if "Uppsägningstid, månader" in t)
    assert user.display_name in notice
    assert "6" in notice and "3" in notice
    title = next(t for t in texts if "Samverkansavtal Åtvidaberg (PO)" in t)
    assert "Rubrik" in title
    assert "Personligt ombud, samverkansavtal med Åtvidaberg" in title
