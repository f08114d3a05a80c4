"""WCAG 2.1 A and AA over every page a logged-in admin reaches, with axe-core in Chromium.

The demo register is loaded; the test starts at the start page and follows every link of
the application (not downloads, language switches or the API) until no new page is found, at
a desktop width (1366 px) and a phone width (390 px). Each page must have no axe-core
violation of the wcag2a, wcag2aa, wcag21a and wcag21aa rules, and no page may scroll sideways
on the phone.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.core import clock
from tests.browser_support import browser, live_server, login_page, page  # noqa: F401

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SKIP_SUFFIXES = (".docx", ".xlsx", ".csv", ".ics", ".pdf")
SKIP_PARTS = ("/api/", "/attachments/", "/logout", "/bootstrap/", "/static/")
MAX_PAGES = 60
# Pages of the same shape (/agreements/1, /agreements/4) are checked up to this many times.
PER_SHAPE = 2

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
  }));
}"""


def _worth_visiting(href: str, base: str) -> str | None:
    """The path and query of an application page worth checking, or None."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path
    if path.endswith(SKIP_SUFFIXES) or any(p in path for p in SKIP_PARTS):
        return None
    if "lang=" in parts.query:
        return None
    return f"{path}?{parts.query}" if parts.query else path


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


@pytest.fixture
def demo_register(app, db, make_user):
    from app.demo.loader import load_demo, load_extras

    today = clock.today()
    by_seed = load_demo(today)
    load_extras(by_seed, today, lambda _msg: None)
    db.session.commit()
    return make_user("admin")


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_every_page_an_admin_reaches_meets_wcag_21_aa(
    demo_register,
    page,  # noqa: F811
    live_server,  # noqa: F811
    width,
    height,
):
    page.set_viewport_size({"width": width, "height": height})
    login_page(page, live_server, demo_register.username, "correct horse battery")
    axe_source = AXE.read_text(encoding="utf-8")
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue: deque[str] = deque(["/"])
    problems: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or shapes[_shape(path)] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[_shape(path)] += 1
        response = page.goto(f"{live_server}{path}", wait_until="domcontentloaded")
        # 422: a page that explains why it cannot do what it offers (a draft without dates).
        assert response is not None and response.status in (200, 422), (path, response.status)
        # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') rightly
        # refuses an injected inline <script>.
        page.evaluate(axe_source + "\n;void 0")
        for violation in page.evaluate(RUN_AXE, TAGS):
            problems.append(f"{path} @{width}px: {violation['id']} ({violation['help']})")
            problems.extend(f"    {node}" for node in violation["nodes"])
        if width <= 400:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{path} @{width}px scrolls sideways by {overflow}px")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            found = _worth_visiting(href, live_server)
            if found and found not in seen:
                queue.append(found)
    # The crawl reached the pages of every part of the application.
    for expected in (
        "/",
        "/agreements/",
        "/agreements/changes",
        "/finance/",
        "/index/",
        "/admin/users",
        "/reminders/log",
        "/documents/templates",
    ):
        assert expected in {p.split("?")[0] for p in seen}, (expected, sorted(seen))
    assert not problems, "\n".join(problems)
