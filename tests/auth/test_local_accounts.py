"""Local accounts next to single sign-on: new users default to reader, an operator sets a lost
password from the command line (audited), local login can be switched off, and the single
sign-on settings are read from FLASK_… environment variables and checked at start."""

from __future__ import annotations

import json

import pytest

from app import create_app
from app.agreements.models import AuditEntry
from app.auth.models import User
from tests.auth.conftest import provider_login, sso_config
from tests.conftest import _test_config


def _user(db, username: str) -> User:
    return db.session.execute(db.select(User).filter_by(username=username)).scalar_one()


def test_a_user_created_on_the_command_line_is_a_reader_by_default(runner, db):
    result = runner.invoke(args=["users", "create", "linnea"], input="x" * 12 + "\n")
    assert result.exit_code == 0, result.output
    assert _user(db, "linnea").role == "reader"


def test_the_admin_page_offers_reader_for_a_new_user(client, login, db):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    new_user_form = page[page.index('action="/admin/users"') :]
    assert '<option selected value="reader">' in new_user_form
    response = client.post(
        "/admin/users", data={"username": "nils", "password": "y" * 12, "name": "Nils"}
    )
    assert response.status_code == 302
    assert _user(db, "nils").role == "reader"


def test_set_password_gives_a_new_password_and_is_audited(runner, client, make_user, db):
    user = make_user("editor", username="karin")
    result = runner.invoke(args=["users", "set-password", "karin"], input="ett nytt lösenord\n")
    assert result.exit_code == 0, result.output
    assert "New password set for karin" in result.output
    db.session.refresh(user)
    assert user.check_password("ett nytt lösenord")
    assert not user.check_password("correct horse battery")
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="password_set")).one()
    assert (entry.agreement_id, entry.user_id, entry.field, entry.new_value) == (
        None,
        user.id,
        "password",
        "CLI",
    )
    response = client.post("/login", data={"username": "karin", "password": "ett nytt lösenord"})
    assert response.status_code == 302


def test_set_password_refuses_a_short_password_and_an_unknown_user(runner, make_user, db):
    make_user("editor", username="karin")
    short = runner.invoke(args=["users", "set-password", "karin"], input="kort\n")
    assert short.exit_code == 1
    assert "minst 10 tecken" in short.output
    unknown = runner.invoke(args=["users", "set-password", "ingen"], input="x" * 12 + "\n")
    assert unknown.exit_code == 1
    assert "Det finns ingen användare ingen" in unknown.output
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_set_password_refuses_a_single_sign_on_user(make_sso_app, provider, db):
    app = make_sso_app(**sso_config(provider.issuer, "http://localhost"))
    client = app.test_client()
    client.get(provider_login(client, "rut.reader"))
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "rut.reader"], input="x" * 12 + "\n"
    )
    assert result.exit_code == 1
    assert "loggar in med kommunens konto" in result.output
    assert _user(db, "rut.reader").password_hash == ""


def test_with_local_login_off_the_form_is_gone_and_a_password_is_refused(
    make_sso_app, provider, make_user, db
):
    app = make_sso_app(**sso_config(provider.issuer, "http://localhost", LOCAL_LOGIN=False))
    client = app.test_client()
    user = make_user("admin")
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page
    assert 'name="password"' not in page
    response = client.post(
        "/login", data={"username": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert "Inloggning med lösenord är avstängd" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # Single sign-on still works.
    assert client.get(provider_login(client, "anna.admin")).status_code == 302


def test_without_sso_the_login_page_is_the_local_form_only(client):
    page = client.get("/login").get_data(as_text=True)
    assert "kommunens konto" not in page
    assert 'name="password"' in page


def test_sso_settings_come_from_flask_environment_variables(monkeypatch, _schema, tmp_path, app):
    monkeypatch.setenv("FLASK_OIDC_ISSUER", "https://login.microsoftonline.com/tenant-id/v2.0")
    monkeypatch.setenv("FLASK_OIDC_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("FLASK_OIDC_CLIENT_SECRET", "secret")
    monkeypatch.setenv("FLASK_OIDC_ROLE_CLAIM", "roles")
    monkeypatch.setenv("FLASK_OIDC_ROLE_MAP", json.dumps({"Avtal.Admin": "admin"}))
    monkeypatch.setenv("FLASK_LOCAL_LOGIN", "false")
    configured = create_app(_test_config(_schema, tmp_path))
    cfg = configured.config
    assert cfg["OIDC_ROLE_MAP"] == {"Avtal.Admin": "admin"}
    assert cfg["OIDC_ROLE_CLAIM"] == "roles"
    assert cfg["LOCAL_LOGIN"] is False
    assert cfg["OIDC_SCOPES"] == "openid profile email"
    assert "avtalskollen_oidc" in configured.extensions


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"OIDC_ROLE_MAP": '{"g": "superuser"}'}, "maps 'g' to 'superuser'"),
        ({"OIDC_ROLE_MAP": "{not json"}, "not valid JSON"),
        ({"OIDC_ISSUER": "https://idp.kommun.se"}, "OIDC_CLIENT_ID is not"),
    ],
)
def test_bad_sso_settings_stop_the_app_at_start(_schema, tmp_path, app, config, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({**_test_config(_schema, tmp_path), **config})


def test_a_user_name_differing_only_in_case_is_refused(db):
    from app.auth.services import create_user
    from app.core.errors import ValidationError

    create_user("admin2", "admin", "correct horse battery")
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        create_user("ADMIN2", "reader", "correct horse battery")
    assert refused.value.fields["username"] == "Användarnamnet ADMIN2 finns redan."
    assert db.session.execute(db.select(User.username)).scalars().all() == ["admin2"]
