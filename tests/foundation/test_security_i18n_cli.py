"""Login throttling, hashed passwords, secure cookies by default, English on request, the
users CLI, and the demo data loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app import create_app
from app.config import DefaultConfig
from app.core import clock
from app.extensions import limiter
from tests.conftest import _test_config


@pytest.fixture
def limited_app(_schema, tmp_path, app):
    """The test app's database, with login throttling switched on (3 attempts a minute)."""
    config = _test_config(_schema, tmp_path)
    config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limited = create_app(config)
    yield limited
    limiter.reset()


def test_too_many_login_attempts_get_429(limited_app, make_user):
    user = make_user("reader")
    client = limited_app.test_client()
    for _ in range(3):
        response = client.post("/login", data={"username": user.username, "password": "fel"})
        assert response.status_code == 200
        assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)
    response = client.post(
        "/login", data={"username": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "För många försök" in response.get_data(as_text=True)
    # Looking at the login page is not throttled.
    assert client.get("/login").status_code == 200
    # A colleague behind the same address still logs in: the limit is per user name too.
    colleague = make_user("editor")
    response = client.post(
        "/login", data={"username": colleague.username, "password": "correct horse battery"}
    )
    assert response.status_code == 302


def test_passwords_are_stored_hashed(make_user, db):
    user = make_user("editor")
    assert "correct horse battery" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert user.check_password("correct horse battery")
    assert not user.check_password("correct horse batter")


def test_cookies_are_secure_by_default(database_url):
    assert DefaultConfig.SESSION_COOKIE_SECURE is True
    assert DefaultConfig.REMEMBER_COOKIE_SECURE is True
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "s" * 32})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True


def test_a_wrong_password_does_not_log_in(client, make_user):
    user = make_user("reader")
    response = client.post("/login", data={"username": user.username, "password": "gissning"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


# --------------------------------------------------------------------------- language


@pytest.fixture
def own_app(_schema, tmp_path, app):
    """An app on the test database whose requests each get their own app context (the
    ``app`` fixture's shared context would keep the first request's locale in ``g``)."""
    return create_app(_test_config(_schema, tmp_path))


def test_english_is_selectable_and_sticks(own_app):
    client = own_app.test_client()
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)
    assert '<html lang="sv"' in client.get("/login?lang=sv").get_data(as_text=True)


def test_swedish_is_the_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv"' in page
    assert "Logga in" in page


def test_an_unknown_language_falls_back_to_swedish(client):
    assert '<html lang="sv"' in client.get("/login?lang=xx").get_data(as_text=True)


# --------------------------------------------------------------------------- users CLI


def test_users_cli_creates_a_user_and_a_working_token(runner, client, db):
    from app.auth.models import User

    result = runner.invoke(
        args=["users", "create", "linda", "--role", "editor"], input="ett långt lösenord\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).filter_by(username="linda")).scalar_one()
    assert user.role == "editor"
    assert user.check_password("ett långt lösenord")

    result = runner.invoke(args=["users", "token", "linda"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/agreements", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["total"] == 0
    bad = client.get("/api/v1/agreements", headers={"Authorization": f"Bearer {token}x"})
    assert bad.status_code == 401


def test_users_cli_refuses_a_short_password_and_a_duplicate(runner, db):
    result = runner.invoke(args=["users", "create", "kort", "--role", "reader"], input="kort\n")
    assert result.exit_code != 0
    assert "minst 10 tecken" in result.output
    ok = runner.invoke(args=["users", "create", "anna", "--role", "reader"], input="x" * 12 + "\n")
    assert ok.exit_code == 0
    again = runner.invoke(
        args=["users", "create", "anna", "--role", "reader"], input="x" * 12 + "\n"
    )
    assert again.exit_code != 0
    assert "finns redan" in again.output


def test_users_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "ingen"])
    assert result.exit_code != 0


# --------------------------------------------------------------------------- demo data


def _counts(db):
    from app.agreements.models import Agreement, AgreementParty, AuditEntry, Obligation
    from app.parties.models import Organisation, OrganisationUnit, Person

    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (
            Agreement,
            AgreementParty,
            AuditEntry,
            Obligation,
            Organisation,
            OrganisationUnit,
            Person,
        )
    }


def test_demo_load_loads_the_five_seeds_and_twice_changes_nothing(runner, db):
    from app.agreements.models import Agreement

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    first = _counts(db)
    assert first["Agreement"] == 5 + 1  # and the labelled example successor of seed 001
    assert first["Organisation"] == 11
    assert first["OrganisationUnit"] == 6
    assert first["Person"] == 9
    assert first["Obligation"] == 8
    assert first["AgreementParty"] == 2 + 4 + 1 + 2 + 2 + 4

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert _counts(db) == first

    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0
    assert "not loaded" in skipped.output
    assert _counts(db) == first

    by_title = {a.title: a for a in db.session.execute(db.select(Agreement)).scalars()}
    samverkan = by_title["Personligt ombud, samverkansavtal med Åtvidabergs kommun"]
    assert samverkan.start_date.isoformat() == "2008-01-01"
    assert samverkan.extension_months == 24
    assert samverkan.board.name == "Social- och omsorgsnämnden"
    assert samverkan.responsible_person.name == "Linda Ljungqvist"
    uppdrag = by_title["Verksamhetsuppdrag Personligt ombud, Leanlink Råd och Stöd"]
    assert uppdrag.end_date is None
    assert uppdrag.notice_period_months == 12
    assert uppdrag.notice_must_be_written
    assert uppdrag.fte == Decimal("6")
    assert uppdrag.invoicing == "monthly"
    insurance = next(o for o in uppdrag.obligations if o.days_before == 7)
    assert insurance.relative_to_label == "försäkringen går ut"
    # The insurance runs out 31 December; the certificate is due a week before: 24 December.
    from app.agreements.lifecycle import obligation_due_dates, open_occurrences

    assert obligation_due_dates(insurance, date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 12, 24)
    ]
    # A register in use: last year's certificate is recorded as met (demo data, marked so).
    last_year = clock.today().year - 1
    met = {f.due_date: f for f in insurance.fulfilments}
    assert date(last_year, 12, 24) in met and "Demo" in met[date(last_year, 12, 24)].note
    assert all(d.year >= clock.today().year for d in open_occurrences(insurance, clock.today()))
    upphandling = next(a for a in by_title.values() if a.diarienummer == "Dnr son 2018/42")
    assert upphandling.stage == "procurement"
    assert upphandling.status == "procurement"
    assert upphandling.start_date is None
    iop = next(a for a in by_title.values() if a.diarienummer == "SO 2022/0229")
    assert (iop.start_date.isoformat(), iop.end_date.isoformat()) == ("2023-01-01", "2024-12-31")
    overenskommelse = by_title["Överenskommelse avseende Personligt Ombud under 2019 och 2020"]
    assert len(overenskommelse.parties) == 4
    assert overenskommelse.invoicing_party.name == "Haninge kommun"
    # 110 000 kr per party in 2019 is the cost after statsbidrag: charged, not credited.
    from app.finance.services import compensation_years

    y2019 = compensation_years(overenskommelse, 2019, 2019)[0]
    assert (y2019.total, y2019.statsbidrag, y2019.net) == (440000, 0, 440000)
    assert [amount for _org, amount in y2019.shares] == [Decimal("110000.00")] * 4
    # The examples of DOMAIN's Amendments and Successors, labelled as examples.
    example = by_title["Exempel: förnyad överenskommelse om Personligt Ombud 2021–2022"]
    assert example.predecessor_id == overenskommelse.id
    assert example.description.startswith("Exempel i demodata")
    (amendment,) = example.amendments
    assert amendment.description.startswith("Exempel i demodata")
    from app.agreements.services import dates_of

    assert dates_of(example, date(2022, 8, 31)).current_period_end == date(2022, 12, 31)
    assert dates_of(example, date(2022, 9, 1)).current_period_end == date(2023, 12, 31)


def test_demo_load_if_empty_loads_into_an_empty_database(runner, db):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _counts(db)["Agreement"] == 5 + 1


def test_demo_agreements_show_on_their_pages(runner, client, login, db):
    from app.agreements.models import Agreement

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    login("reader")
    assert client.get("/agreements/").status_code == 200
    for agreement_id in db.session.execute(db.select(Agreement.id)).scalars():
        assert client.get(f"/agreements/{agreement_id}").status_code == 200
