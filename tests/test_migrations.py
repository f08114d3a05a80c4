"""The Alembic migrations: one head, and upgrading an empty database yields exactly the schema
the models describe (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        yield "sqlite:///" + str(tmp_path / "migrations.db")
        return
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    engine = create_engine(pg)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in pg else "?"
        yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _app(url: str, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": url,
            "ATTACHMENT_DIR": str(tmp_path),
        }
    )


def test_migrations_have_a_single_head(tmp_path):
    app = _app("sqlite://", tmp_path)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


def test_migrations_produce_the_models_schema(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
