"""Browser-test support: the app served on a free loopback port and a headless Chromium page.

Use in a test module with::

    from tests.browser_support import browser, browser_page, live_server, login_page, page  # noqa: F401

``live_server`` serves the very app of the ``app`` fixture (same config, same database) from a
thread and yields its base URL; ``page`` (alias ``browser_page``) is a fresh, logged-out
Playwright page in its own context; ``login_page(page, base_url, username, password)`` logs in
through the real form. Data the test writes must be committed before the browser reads it.
Mark such tests ``@pytest.mark.browser``.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def live_server(app):
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# Every module that imports these fixtures gets its own copy of ``browser``; they share one
# Playwright and one Chromium (a second sync_playwright() in the same process would fail).
_shared: dict = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test session."""
    from playwright.sync_api import sync_playwright

    if _shared["users"] == 0:
        _shared["playwright"] = sync_playwright().start()
        _shared["chromium"] = _shared["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
    _shared["users"] += 1
    try:
        yield _shared["chromium"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared.pop("chromium").close()
            _shared.pop("playwright").stop()


@pytest.fixture
def page(browser, live_server):
    """A logged-out page in a fresh browser context (cookies do not leak between tests)."""
    context = browser.new_context(base_url=live_server, locale="sv-SE")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def browser_page(page):
    """The same as ``page``, for modules that prefer an explicit name."""
    return page


def login_page(page, base_url: str, username: str, password: str) -> None:
    """Log ``page`` in through the login form and wait until it has left the login page."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)
