"""Web security for a staff application: security headers on every response, sessions that
end at logout and at a password change, a remember cookie that is Lax and lives days, login
throttling per address and per user name in Redis, and templates without inline code."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app import create_app
from tests.conftest import _test_config

PASSWORD = "correct horse battery"
TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_every_response_carries_the_security_headers(client, login):
    for path in ("/login", "/static/css/app.css", "/no-such-page"):
        response = client.get(path)
        response.close()
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    login("reader")
    page = client.get("/")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    api = client.get("/api/v1/openapi.json")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://avtal.kommun.se")
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers
    # No redirect to https: the reverse proxy does that, and local http keeps working.
    assert client.get("/login").status_code == 200


def test_templates_hold_no_inline_script_handler_or_style():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.name}: inline event handler")
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{path.name}: style attribute")
        if "javascript:" in text:
            offenders.append(f"{path.name}: javascript: URL")
    assert offenders == []


def _forget_loaded_user():
    """The test app's context outlives each request, and Flask-Login keeps the user it loaded
    in ``g``: drop it, as a new request in a real server would start without it."""
    from flask import g

    g.pop("_login_user", None)


def _login(client, user, remember=False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, make_user):
    user = make_user("reader")
    alice = app.test_client()
    _login(alice, user)
    stolen = alice.get_cookie("session").value
    assert alice.get("/").status_code == 200
    assert alice.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    _forget_loaded_user()
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_remember_cookie_copied_before_logout_opens_nothing_after_it(app, make_user):
    user = make_user("reader")
    alice = app.test_client()
    response = _login(alice, user, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember"))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    remember = alice.get_cookie("remember_token").value
    alice.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    _forget_loaded_user()
    assert thief.get("/").status_code == 302


def test_remember_cookie_lasts_the_configured_days(_schema, tmp_path, app, make_user):
    config = _test_config(_schema, tmp_path)
    config["REMEMBER_COOKIE_DAYS"] = 3
    other = create_app(config)
    assert other.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, make_user):
    user = make_user("reader")
    laptop, phone = app.test_client(), app.test_client()
    _login(laptop, user)
    _login(phone, user)
    response = laptop.post(
        "/profile",
        data={
            "locale": "sv",
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    _forget_loaded_user()
    assert laptop.get("/").status_code == 200
    _forget_loaded_user()
    assert phone.get("/").status_code == 302


def test_a_session_from_before_the_token_existed_is_refused(app, make_user):
    user = make_user("reader")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)  # the old format: the id alone
        sess["_fresh"] = True
    _forget_loaded_user()
    assert client.get("/").status_code == 302


@pytest.fixture
def redis_app(_schema, tmp_path, app):
    """Login throttling on, in the Redis on 127.0.0.1:6379, under a prefix of its own."""
    config = _test_config(_schema, tmp_path)
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"avtalskollen-test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="3 per minute",
        LOGIN_RATE_LIMIT_PER_ADDRESS="5 per minute",
    )
    # No reset afterwards: it would empty every limiter key in that Redis; ours expire in a
    # minute, and every test here uses names and addresses of its own.
    return create_app(config)


def _attempt(client, name, address):
    return client.post(
        "/login",
        data={"username": name, "password": "fel"},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def test_login_throttling_per_user_name_holds_across_addresses_in_redis(redis_app, make_user):
    user = make_user("reader")
    client = redis_app.test_client()
    codes = [_attempt(client, user.username, f"10.0.0.{i}") for i in range(1, 5)]
    assert codes == [200, 200, 200, 429]
    # Another worker process shares the count: a second app on the same Redis and prefix.
    assert _attempt(client, user.username.upper(), "10.0.0.9") == 429
    assert _attempt(client, "someone-else", "10.0.0.9") == 200


def test_login_throttling_per_address_stops_password_spraying_in_redis(redis_app):
    client = redis_app.test_client()
    codes = [_attempt(client, f"user{i}", "10.1.1.1") for i in range(6)]
    assert codes == [200, 200, 200, 200, 200, 429]
    assert _attempt(client, "user99", "10.1.1.2") == 200


def test_login_throttling_counts_are_in_redis(redis_app):
    import redis

    client = redis_app.test_client()
    name = f"anyone-{uuid.uuid4().hex[:8]}"
    _attempt(client, name, "10.2.2.2")
    store = redis.Redis(host="127.0.0.1", port=6379)
    try:
        assert list(store.scan_iter(f"LIMITS:*login-name:{name}/*"))
        assert list(store.scan_iter("LIMITS:*login-address:10.2.2.2/*"))
    finally:
        store.close()
