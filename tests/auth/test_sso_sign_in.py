"""Single sign-on against a real OpenID provider on loopback: users are created on first
sign-in keyed by issuer and subject, get the highest role their groups map to (recomputed at
every sign-in), and sign-ins and role changes are in the change log."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.agreements.models import AuditEntry
from app.auth.models import User
from tests.auth.conftest import CLIENT_ID, provider_login


def _user(db, subject: str) -> User:
    return db.session.execute(db.select(User).filter_by(oidc_subject=subject)).scalar_one()


def _events(db, user_id=None) -> list[tuple[str, str | None, str | None]]:
    query = db.select(AuditEntry).where(AuditEntry.agreement_id.is_(None)).order_by(AuditEntry.id)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    return [(e.action, e.old_value, e.new_value) for e in db.session.scalars(query)]


@pytest.mark.parametrize(
    ("login", "role"),
    [
        ("anna.admin", "admin"),
        ("erik.editor", "editor"),
        ("fia.finance", "finance"),
        ("rut.reader", "reader"),
        ("max.many", "editor"),  # reader, finance and editor groups: the highest wins
    ],
)
def test_first_sign_in_creates_the_user_with_the_role_its_groups_map_to(
    sso_client, db, provider, login, role
):
    callback = provider_login(sso_client, login)
    response = sso_client.get(callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = _user(db, login)
    assert (user.role, user.oidc_issuer, user.username) == (role, provider.issuer, login)
    assert user.email.endswith("@kommun.example")
    assert user.password_hash == ""
    assert _events(db, user.id) == [
        ("sso_user_created", None, role),
        ("sso_signed_in", None, login),
    ]
    start = sso_client.get("/")
    assert start.status_code == 200


def test_the_login_page_offers_the_municipal_account_first(sso_client):
    page = sso_client.get("/login?next=/agreements/").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page
    assert page.index("Logga in med kommunens konto") < page.index('name="username"')
    assert "/login/sso?next=/agreements/" in page


def test_sign_in_returns_to_the_page_asked_for(sso_client):
    callback = provider_login(sso_client, "rut.reader", start="/login/sso?next=/agreements/")
    response = sso_client.get(callback)
    assert response.headers["Location"] == "/agreements/"


def test_the_start_request_uses_pkce_s256_state_and_nonce(sso_client, provider):
    location = sso_client.get("/login/sso").headers["Location"]
    assert location.startswith(provider.issuer)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://localhost/login/sso/callback"]
    assert query["scope"] == ["openid profile email"]


def test_role_is_recomputed_from_the_groups_at_every_sign_in(sso_client, db):
    sso_client.get(provider_login(sso_client, "erik.editor"))
    user = _user(db, "erik.editor")
    sso_client.post("/logout")
    # An admin made Erik an admin by hand; his groups still say editor.
    user.role = "admin"
    db.session.commit()
    sso_client.get(provider_login(sso_client, "erik.editor"))
    db.session.refresh(user)
    assert user.role == "editor"
    assert ("role_from_claims", "admin", "editor") in _events(db, user.id)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_a_local_user_with_the_same_name_and_email_is_not_taken_over(sso_client, db, make_user):
    local = make_user("admin", username="erik.editor")
    local.email = "erik@kommun.example"
    db.session.commit()
    sso_client.get(provider_login(sso_client, "erik.editor"))
    sso_user = _user(db, "erik.editor")
    assert sso_user.id != local.id
    assert sso_user.username == "erik.editor-2"
    assert (local.role, sso_user.role) == ("admin", "editor")
    assert local.oidc_subject is None


def test_a_sso_user_cannot_log_in_with_a_password(sso_client, db):
    sso_client.get(provider_login(sso_client, "rut.reader"))
    sso_client.post("/logout")
    response = sso_client.post("/login", data={"username": "rut.reader", "password": ""})
    assert response.status_code == 200
    assert "Logga in i Avtalskollen" in response.get_data(as_text=True)
    assert sso_client.get("/").status_code == 302


def test_logout_ends_the_session_and_the_providers(sso_client, provider):
    sso_client.get(provider_login(sso_client, "rut.reader"))
    response = sso_client.post("/logout")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/session/end")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert sso_client.get("/").status_code == 302  # the local session is gone
    # The provider accepts the hint and asks to confirm its own logout.
    confirm = requests.get(location, timeout=10)
    assert confirm.status_code == 200
    assert "logout" in confirm.text.lower()


def test_a_local_user_logs_out_locally_even_with_sso_on(sso_client, make_user):
    user = make_user("reader")
    sso_client.post("/login", data={"username": user.username, "password": "correct horse battery"})
    response = sso_client.post("/logout")
    assert response.headers["Location"] == "/login"


def test_a_sso_user_has_no_password_to_change_on_the_profile(sso_client):
    sso_client.get(provider_login(sso_client, "rut.reader"))
    page = sso_client.get("/profile").get_data(as_text=True)
    assert 'name="new_password"' not in page
    response = sso_client.post("/profile", data={"locale": "en"})
    assert response.status_code == 302
