"""Single sign-on in a real browser: the login page's "Logga in med kommunens konto" leads to
the provider's own login page (oidc-provider on loopback), back to the start page with the role
the person's groups map to, and logout ends both sessions."""

from __future__ import annotations

import pytest

from app.auth.models import User
from tests.browser_support import browser  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_page(browser, sso_live):  # noqa: F811
    base, _provider = sso_live
    context = browser.new_context(base_url=base, locale="sv-SE")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    # Only loopback: the provider's development pages ask for a web font from the internet.
    tab.route(
        "**/*",
        lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort(),
    )
    try:
        yield tab
    finally:
        context.close()


def _sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/agreements/")  # a page that needs a login
    assert "/login" in page.url
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "vilket-som-helst")
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: url.startswith(base) and "/login" not in url)


@pytest.mark.parametrize(
    ("login", "role", "admin_nav"),
    [("fia.finance", "Ekonomi", False), ("anna.admin", "Administratör", True)],
)
def test_signing_in_through_the_providers_page_lands_with_the_right_role(
    sso_page, sso_live, db, login, role, admin_nav
):
    base, _provider = sso_live
    _sign_in(sso_page, base, login)
    assert sso_page.url == f"{base}/agreements/"
    sso_page.goto(f"{base}/")
    assert sso_page.url == f"{base}/"
    nav = sso_page.locator("#mainnav")
    assert nav.get_by_role("button", name="Administration").count() == (1 if admin_nav else 0)
    sso_page.goto(f"{base}/profile")
    assert role in sso_page.locator("main").inner_text()
    user = db.session.scalars(db.select(User).filter_by(oidc_subject=login)).one()
    assert user.active and user.is_sso


def test_logout_ends_the_providers_session_too(sso_page, sso_live):
    base, _provider = sso_live
    _sign_in(sso_page, base, "rut.reader")
    sso_page.goto(f"{base}/")
    sso_page.locator("#mainnav .dropdown-toggle").last.click()
    sso_page.get_by_role("button", name="Logga ut").click()
    # The provider asks whether to sign out of it as well; yes.
    sso_page.wait_for_url(lambda url: "/session/end" in url)
    sso_page.locator("button[autofocus], button[type=submit]").first.click()
    sso_page.wait_for_url(lambda url: url.startswith(f"{base}/login"))
    # Signing in again needs the provider's login page once more.
    sso_page.get_by_role("link", name="Logga in med kommunens konto").click()
    sso_page.wait_for_selector("input[name=login]")
