"""Single sign-on refusals against the real provider: a wrong state, a replayed callback or
code, an expired, wrongly signed or tampered ID token, an issuer or audience mismatch, a provider
that is down, a person without a mapped group. Each ends on a clear Swedish page, with no
session, no 500, and a log line an IT administrator can act on."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import g

from app.agreements.models import AuditEntry
from app.auth.models import User
from tests.auth.conftest import OpenIdProvider, provider_login, sso_config


def _forget_cached_user() -> None:
    """The test shares one app context across requests, and Flask-Login caches the user in g:
    forget it before another browser's request (a real server has a context per request)."""
    g.pop("_login_user", None)


def _assert_no_session(client) -> None:
    with client.session_transaction() as session:
        assert "_user_id" not in session
    _forget_cached_user()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def _sso_log(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "app.auth.sso")


def _refused(response, status: int, text: str) -> str:
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert text in page
    return page


def _with_param(url: str, **params) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def test_a_wrong_state_is_refused(sso_client, caplog):
    callback = provider_login(sso_client, "rut.reader")
    response = sso_client.get(_with_param(callback, state="forged-state"))
    page = _refused(response, 400, "Inloggningen misslyckades")
    assert "Börja om inloggningen" in page
    _assert_no_session(sso_client)
    assert "[state]" in _sso_log(caplog)
    assert "matches no sign-in started in this browser" in _sso_log(caplog)


def test_a_replayed_callback_url_is_refused(sso_app, sso_client, caplog):
    callback = provider_login(sso_client, "rut.reader")
    assert sso_client.get(callback).status_code == 302  # the real sign-in
    stranger = sso_app.test_client()
    _forget_cached_user()
    _refused(stranger.get(callback), 400, "hör inte till någon inloggning")
    _assert_no_session(stranger)
    # In the very browser that used it, too: the state was used up.
    _refused(sso_client.get(callback), 400, "hör inte till någon inloggning")


def test_a_replayed_code_is_refused_by_the_provider(sso_app, sso_client, caplog):
    callback = provider_login(sso_client, "rut.reader")
    assert sso_client.get(callback).status_code == 302
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # A second browser starts its own sign-in (a valid state) and slips in the used code.
    other = sso_app.test_client()
    _forget_cached_user()
    state = parse_qs(urlsplit(other.get("/login/sso").headers["Location"]).query)["state"][0]
    response = other.get("/login/sso/callback?" + urlencode({"code": code, "state": state}))
    _refused(response, 400, "Inloggningstjänsten godkände inte inloggningen")
    _assert_no_session(other)
    assert "invalid_grant" in _sso_log(caplog)


def test_an_error_from_the_provider_is_refused(sso_client, caplog):
    state = parse_qs(urlsplit(sso_client.get("/login/sso").headers["Location"]).query)["state"]
    response = sso_client.get(
        "/login/sso/callback?"
        + urlencode(
            {"error": "access_denied", "error_description": "user cancelled", "state": state[0]}
        )
    )
    _refused(response, 400, "Inloggningstjänsten godkände inte inloggningen")
    _assert_no_session(sso_client)
    assert "access_denied" in _sso_log(caplog)


@pytest.mark.parametrize(
    ("tampering", "logged"),
    [
        ({"key": "other"}, "signature does not verify with the provider's published keys"),
        (
            {"claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}},
            "the ID token has expired",
        ),
        ({"claims": {"aud": "another-application"}}, "claim 'aud' is wrong"),
        (
            {"claims": {"aud": ["another-application"], "azp": "avtalskollen"}},
            "claim 'aud' is wrong",
        ),
        ({"claims": {"iss": "http://evil.example"}}, "claim 'iss' is wrong"),
        ({"claims": {"nonce": "not-the-nonce-sent"}}, "claim 'nonce' is wrong"),
    ],
    ids=["wrongly-signed", "expired", "audience", "audience-with-azp", "issuer", "nonce"],
)
def test_a_bad_id_token_is_refused(sso_client, provider, db, caplog, tampering, logged):
    provider.tamper(**tampering)
    callback = provider_login(sso_client, "anna.admin")
    response = sso_client.get(callback)
    _refused(response, 400, "Intyget från inloggningstjänsten kunde inte godkännas")
    _assert_no_session(sso_client)
    assert logged in _sso_log(caplog)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_an_issuer_other_than_the_discovery_documents_is_refused(make_sso_app, provider, caplog):
    port = urlsplit(provider.issuer).port
    app = make_sso_app(**sso_config(f"http://localhost:{port}", "http://localhost"))
    client = app.test_client()
    response = client.get("/login/sso")
    _refused(response, 502, "felaktigt inställd")
    _assert_no_session(client)
    assert "set OIDC_ISSUER to exactly the provider's issuer" in _sso_log(caplog)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_provider_that_is_down_at_the_start_is_a_clear_page(make_sso_app, caplog):
    app = make_sso_app(**sso_config(f"http://127.0.0.1:{_free_port()}", "http://localhost"))
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="app.auth.sso"):
        response = client.get("/login/sso")
    _refused(response, 502, "Kommunens inloggningstjänst svarar inte just nu")
    _assert_no_session(client)
    assert "cannot read the discovery document" in _sso_log(caplog)
    # The login page still works, and so does a local break-glass account.
    assert client.get("/login").status_code == 200


def test_a_provider_that_goes_down_before_the_callback_is_a_clear_page(make_sso_app, caplog):
    running = OpenIdProvider("http://localhost")
    try:
        app = make_sso_app(**sso_config(running.issuer, "http://localhost"))
        client = app.test_client()
        callback = provider_login(client, "rut.reader")
    finally:
        running.stop()
    _refused(client.get(callback), 502, "Kommunens inloggningstjänst svarar inte just nu")
    _assert_no_session(client)
    assert "[unreachable]" in _sso_log(caplog)


def test_a_token_endpoint_answering_with_an_error_page_is_a_clear_page(
    sso_client, provider, caplog
):
    provider.tamper(fail=True)
    response = sso_client.get(provider_login(sso_client, "rut.reader"))
    _refused(response, 502, "Kommunens inloggningstjänst svarar inte just nu")
    _assert_no_session(sso_client)
    assert "[unreachable]" in _sso_log(caplog)


def test_a_person_without_a_mapped_group_gets_no_access(sso_client, db, caplog):
    response = sso_client.get(provider_login(sso_client, "olle.outsider"))
    page = _refused(response, 403, "ingår inte i någon grupp som ger behörighet")
    assert "Ingen behörighet till Avtalskollen" in page
    _assert_no_session(sso_client)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="sso_refused")).one()
    assert (entry.field, entry.old_value) == ("groups", "alla-anstallda")
    assert "Olle Utanför" in entry.new_value
    assert "no 'groups' value mapped in OIDC_ROLE_MAP (values: alla-anstallda)" in _sso_log(caplog)


def test_a_user_who_loses_every_mapped_group_is_refused(make_sso_app, db):
    # Erik signed in before; now his groups map to nothing in this app's role map.
    running = OpenIdProvider("http://localhost")
    try:
        app = make_sso_app(**sso_config(running.issuer, "http://localhost"))
        client = app.test_client()
        client.get(provider_login(client, "erik.editor"))
        client.post("/logout")
        app.config["OIDC_ROLE_MAP"] = {"avtal-admin": "admin"}
        response = client.get(provider_login(client, "erik.editor"))
    finally:
        running.stop()
    _refused(response, 403, "ingår inte i någon grupp")
    _assert_no_session(client)
    user = db.session.scalars(db.select(User).filter_by(oidc_subject="erik.editor")).one()
    refusal = db.session.scalars(
        db.select(AuditEntry).filter_by(action="sso_refused", user_id=user.id)
    ).one()
    assert refusal.old_value == "alla-anstallda, avtal-handlaggare"


def test_a_deactivated_user_is_refused(sso_client, db):
    sso_client.get(provider_login(sso_client, "fia.finance"))
    sso_client.post("/logout")
    user = db.session.scalars(db.select(User).filter_by(oidc_subject="fia.finance")).one()
    user.active = False
    db.session.commit()
    response = sso_client.get(provider_login(sso_client, "fia.finance"))
    _refused(response, 403, "Ditt konto i Avtalskollen är avstängt")
    _assert_no_session(sso_client)


def test_sso_is_a_404_page_when_not_configured(client):
    response = client.get("/login/sso")
    _refused(response, 404, "inte påslagen")
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
