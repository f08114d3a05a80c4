"""Shared fixtures: an app on a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is
set, each run in its own schema), a client, a CLI runner, users of every role and factories."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.extensions import db as _db

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One database per test run: a SQLite file, or a private PostgreSQL schema dropped afterwards."""
    if not PG_URL:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    schema = f"test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(PG_URL, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()  # close the pool's connections (ResourceWarning on PostgreSQL)
    return database_url


def _test_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False,
        "ATTACHMENT_DIR": str(instance / "attachments"),
        "MAIL_SERVER": None,
        # No pooled connections outlive a test: several tests build apps of their own, and a
        # pooled PostgreSQL connection garbage-collected unclosed is a ResourceWarning.
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
    }


@pytest.fixture
def app(_schema, tmp_path):
    app = create_app(_test_config(_schema, tmp_path))
    with app.app_context():
        yield app
        _db.session.rollback()
        _db.session.remove()
        # Empty every table so the next test starts clean (cheaper than re-creating the schema).
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
            # Emptying the agreements added their removal to the kept list counts (PostgreSQL).
            conn.execute(_db.metadata.tables["agreement_list_counts"].delete())
        _db.engine.dispose()  # each test's app has its own pool; close it (ResourceWarning)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(db):
    from app.auth.services import create_user

    def make(role: str = "editor", username: str | None = None):
        user = create_user(
            username or f"{role}-{uuid.uuid4().hex[:6]}",
            role,
            "correct horse battery",
            name=role.title(),
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """Log the test client in with a new user of ``role``; returns that user."""

    def do(role: str = "editor"):
        user = make_user(role)
        response = client.post(
            "/login", data={"username": user.username, "password": "correct horse battery"}
        )
        assert response.status_code == 302, response.data
        return user

    return do


@pytest.fixture
def api(client, make_user, db):
    """A JSON API client bound to a token of the given role: ``api("editor").post(...)``."""
    from app.auth.services import issue_token

    class Api:
        def __init__(self, role: str):
            self.user = make_user(role)
            self.token = issue_token(self.user)
            db.session.commit()

        def _call(self, method: str, path: str, json=None, **kwargs):
            headers = {"Authorization": f"Bearer {self.token}"}
            return client.open(
                f"/api/v1{path}", method=method, json=json, headers=headers, **kwargs
            )

        def get(self, path, **kw):
            return self._call("GET", path, **kw)

        def post(self, path, json=None, **kw):
            return self._call("POST", path, json, **kw)

        def put(self, path, json=None, **kw):
            return self._call("PUT", path, json, **kw)

        def patch(self, path, json=None, **kw):
            return self._call("PATCH", path, json, **kw)

    return Api


@pytest.fixture
def factory(db):
    """Small factories for test data through the real services."""
    from app.agreements import services as agreements
    from app.parties import services as parties

    class Factory:
        def organisation(self, name: str | None = None, kind: str = "kommun", **kw):
            org = parties.create_organisation(
                {"name": name or f"Org {uuid.uuid4().hex[:6]}", "kind": kind, **kw}
            )
            db.session.commit()
            return org

        def person(
            self, name: str = "Linda Ljungqvist", email: str | None = "linda@example.se", **kw
        ):
            person = parties.create_person({"name": name, "email": email, **kw})
            db.session.commit()
            return person

        def agreement(self, parties_: list | None = None, as_of: date | None = None, **kw):
            data = {
                "kind": "samverkansavtal",
                "title": f"Avtal {uuid.uuid4().hex[:6]}",
                "start_date": date(2021, 1, 1),
                "end_date": date(2022, 12, 31),
                "notice_period_months": 6,
                **kw,
            }
            if parties_ is None:
                parties_ = [(self.organisation(), "bestallare"), (self.organisation(), "utforare")]
            data["parties"] = [{"organisation_id": org.id, "role": role} for org, role in parties_]
            agreement = agreements.create_agreement(data, None, as_of or date(2021, 6, 1))
            db.session.commit()
            return agreement

        def following_opi(self, amount: str = "1000000"):
            """A tills vidare agreement from 2021 with one line in 2019 prices following OPI
            (shipped with its values up to 2023)."""
            from app.finance import services as finance
            from app.indexation.services import ensure_default_series

            ensure_default_series()
            agreement = self.agreement(
                start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
            )
            line = {"label": "Ersättning", "amount": amount, "price_level_year": 2019}
            finance.add_item(agreement, {**line, "index_series": "OPI"}, None)
            db.session.commit()
            return agreement

    return Factory()
