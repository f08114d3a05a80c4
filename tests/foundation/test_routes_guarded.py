"""Every route that changes something is guarded by a permission, refuses a reader, and every
page needs a login."""

from __future__ import annotations

import re

import pytest

from app.auth.services import issue_token
from tests.foundation.helpers import row_counts

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# The only views that change something without a permission: logging in and out.
EXEMPT = {"auth.login", "auth.logout"}
# GET routes that are public on purpose: files, the login page, the API (bearer tokens) and
# token-protected calendar feeds.
PUBLIC_GET_PREFIXES = (
    "static",
    "bootstrap.static",
    "auth.login",
    "api.",
    "reminders.calendar",
    "healthz",
    "readyz",
    "metrics",
)


def _url(rule) -> str:
    """A concrete URL for a rule: every int argument 1, every string argument "OPI"."""

    def fill(match: re.Match) -> str:
        converter = match.group(1) or ""
        return "1" if converter.startswith("int") else "OPI"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def _mutating_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & MUTATING):
            yield rule, method


def test_every_changing_view_carries_a_permission(app):
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _mutating_rules(app)
        if rule.endpoint not in EXEMPT
        and not getattr(app.view_functions[rule.endpoint], "required_permission", None)
    ]
    assert missing == []


def test_a_reader_is_refused_every_change_on_pages_and_api(app, client, login, db):
    reader = login("reader")
    token = issue_token(reader)
    db.session.commit()
    before = row_counts()
    checked = 0
    for rule, method in _mutating_rules(app):
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        if rule.endpoint in EXEMPT or permission == "self":
            continue  # the user's own data: a reader may change it
        url = _url(rule)
        if rule.endpoint.startswith("api."):
            response = client.open(
                url, method=method, json={}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 403, (method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "forbidden"
        else:
            response = client.open(url, method=method, data={})
            assert response.status_code == 403, (method, url, response.status_code)
        checked += 1
    assert checked > 10
    after = row_counts()
    assert after == before


def test_changes_without_login_are_refused(app, client, db):
    before = row_counts()
    for rule, method in _mutating_rules(app):
        if rule.endpoint in EXEMPT:
            continue
        url = _url(rule)
        response = client.open(url, method=method, data={})
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"]
    assert row_counts() == before


def test_every_page_redirects_to_login_without_a_session(app, client):
    pages = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and not rule.endpoint.startswith(PUBLIC_GET_PREFIXES)
    ]
    assert len(pages) > 5
    for rule in pages:
        response = client.get(_url(rule))
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("path", ["/api/v1/agreements", "/api/v1/organisations"])
def test_api_without_a_token_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
