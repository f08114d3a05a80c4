"""Fixtures for the single sign-on tests: a real OpenID provider (oidc-provider on Node, on a
free loopback port) and an app configured against it, plus a driver for the provider's login
page without a browser."""

from __future__ import annotations

import json
import re
import select
import subprocess
import threading
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db as _db
from tests.conftest import _test_config

PROVIDER_SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "avtalskollen"
CLIENT_SECRET = "test-client-secret-not-for-production"

# The provider's test people; their groups map to every role (and one maps to none).
ACCOUNTS = {
    "anna.admin": {"name": "Anna Admin", "email": "anna@kommun.example", "groups": ["avtal-admin"]},
    "erik.editor": {
        "name": "Erik Editor",
        "email": "erik@kommun.example",
        "groups": ["alla-anstallda", "avtal-handlaggare"],
    },
    "fia.finance": {"name": "Fia Finans", "email": "fia@kommun.example", "groups": ["ekonomi"]},
    "rut.reader": {"name": "Rut Läsare", "email": "rut@kommun.example", "groups": ["avtal-lasare"]},
    "max.many": {
        "name": "Max Många",
        "email": "max@kommun.example",
        "groups": ["avtal-lasare", "ekonomi", "avtal-handlaggare"],
    },
    "olle.outsider": {
        "name": "Olle Utanför",
        "email": "olle@kommun.example",
        "groups": ["alla-anstallda"],
    },
}
ROLE_MAP = {
    "avtal-admin": "admin",
    "avtal-handlaggare": "editor",
    "ekonomi": "finance",
    "avtal-lasare": "reader",
}


class OpenIdProvider:
    """One running oidc-provider; ``tamper(...)`` changes the next ID token it issues."""

    def __init__(self, app_base: str, accounts: dict | None = None) -> None:
        config = {
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "redirectUris": [f"{app_base}/login/sso/callback"],
            "postLogoutRedirectUris": [f"{app_base}/login"],
            "accounts": accounts or ACCOUNTS,
        }
        self.process = subprocess.Popen(
            ["node", str(PROVIDER_SCRIPT), json.dumps(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.issuer = self._wait_ready()

    def _wait_ready(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if line.startswith("READY "):
                    return line.split()[1]
                if not line and self.process.poll() is not None:
                    break
        self.stop()
        raise RuntimeError("oidc-provider did not start (is node_modules installed? npm ci)")

    def tamper(
        self, claims: dict | None = None, key: str = "published", fail: bool = False
    ) -> None:
        response = requests.post(
            f"{self.issuer}/__test/tamper",
            json={"claims": claims or {}, "key": key, "fail": fail},
            timeout=10,
        )
        assert response.status_code == 204

    def reset(self) -> None:
        """Forget a tampering a test set up but never used."""
        requests.post(f"{self.issuer}/__test/tamper", data="null", timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stdout.close()


def sso_config(issuer: str, base_url: str, **extra) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_MAP": json.dumps(ROLE_MAP),
        "PUBLIC_BASE_URL": base_url,
        **extra,
    }


@pytest.fixture(scope="session")
def _session_provider():
    running = OpenIdProvider("http://localhost")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def provider(_session_provider):
    """An OpenID provider (one per test run) whose client redirects to the test client's host
    (http://localhost)."""
    yield _session_provider
    _session_provider.reset()


@pytest.fixture
def make_sso_app(app, _schema, tmp_path):
    """Build an app (same database as ``app``) with single sign-on settings; its context is
    pushed and every table is emptied afterwards by the ``app`` fixture."""
    built = []

    def make(**config):
        sso_app = create_app({**_test_config(_schema, tmp_path), **config})
        context = sso_app.app_context()
        context.push()
        built.append((sso_app, context))
        return sso_app

    yield make
    for sso_app, context in reversed(built):
        _db.session.remove()
        context.pop()
        with sso_app.app_context():
            _db.engine.dispose()


@pytest.fixture
def sso_app(make_sso_app, provider):
    return make_sso_app(**sso_config(provider.issuer, "http://localhost"))


@pytest.fixture
def sso_client(sso_app):
    return sso_app.test_client()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.I)


def provider_login(client, login: str, start: str = "/login/sso") -> str:
    """Start single sign-on in ``client``, log in as ``login`` on the provider's own login page
    (a separate HTTP session, as a browser would be), and return the callback URL the provider
    sends the browser back to (not yet visited)."""
    response = client.get(start)
    assert response.status_code == 302, response.data
    url = response.headers["Location"]
    browser = requests.Session()
    try:
        for _ in range(10):
            if url.startswith("http://localhost/") or "/login/sso/callback" in url:
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                continue
            assert response.status_code == 200, response.text
            action = unescape(_FORM.search(response.text).group(1))
            response = browser.post(
                urljoin(url, action),
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code in (302, 303), response.text
            url = urljoin(url, response.headers["Location"])
        raise AssertionError(f"the provider never redirected back: {url}")
    finally:
        browser.close()


@pytest.fixture
def sso_live(make_sso_app):
    """The app served on a free loopback port against its own provider, for the browser:
    yields (base_url, provider)."""
    holder: dict = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    running = OpenIdProvider(base)
    holder["app"] = make_sso_app(**sso_config(running.issuer, base))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, running
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        running.stop()
