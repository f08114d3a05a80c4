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


def test_a_legacy_call_off_becomes_a_tillaggsavtal_with_the_same_figures(
    empty_database_url, tmp_path
):
    """Before amendments, a call-off was a line of the agreement's own with valid_from_year,
    and the agreement's FTE counted it already (earlier years counted fewer). The migration
    to g19a0c1d2e5b makes each such year a tilläggsavtal; every year's figures stay."""
    from datetime import date
    from decimal import Decimal

    from app.agreements import services as agreements
    from app.agreements.models import Agreement, Amendment
    from app.finance import services as finance
    from app.finance.models import CompensationItem
    from app.parties import services as parties

    app = _app(empty_database_url, tmp_path)
    with app.app_context(), app.test_request_context():
        upgrade()
        orgs = [
            parties.create_organisation({"name": name, "kind": "kommun"}) for name in ("A", "B")
        ]
        agreement = agreements.create_agreement(
            {
                "kind": "overenskommelse",
                "title": "PO med avrop",
                "start_date": date(2020, 3, 1),
                "end_date": date(2025, 12, 31),
                "notice_period_months": 6,
                "fte": "2.0",
                "parties": [
                    {"organisation_id": orgs[0].id, "role": "bestallare"},
                    {"organisation_id": orgs[1].id, "role": "utforare"},
                ],
            },
            None,
            date(2020, 3, 1),
        )
        line = {"label": "PO", "amount": "100000", "price_level_year": 2020, "fte_basis": "2.0"}
        finance.add_item(agreement, line, None)
        # The legacy shape: 1.0 more årsarbetare called off from 2023, 0.5 from 2024.
        for year, amount, fte in ((2023, "50000", "1.0"), (2024, "25000", "0.5")):
            db.session.add(
                CompensationItem(
                    agreement_id=agreement.id,
                    label=f"PO, avrop {fte} åa",
                    amount=Decimal(amount),
                    price_level_year=2020,
                    rounding="final",
                    fte_basis=Decimal(fte),
                    valid_from_year=year,
                    position=5,
                )
            )
        agreement.fte = Decimal("3.5")
        agreement_id = agreement.id
        db.session.commit()
        db.session.remove()  # no open transaction may hold the tables a downgrade drops

        downgrade(revision="f18a0c1d2e4a")
        upgrade()
        db.session.expire_all()

        agreement = db.session.get(Agreement, agreement_id)
        legacy = db.session.execute(
            db.select(CompensationItem).where(
                CompensationItem.valid_from_year.is_not(None),
                CompensationItem.amendment_id.is_(None),
            )
        ).all()
        assert legacy == []
        made = (
            db.session.execute(db.select(Amendment).order_by(Amendment.effective_date))
            .scalars()
            .all()
        )
        assert [a.effective_date for a in made] == [date(2023, 1, 1), date(2024, 1, 1)]
        assert made[0].description == (
            "Avrop av 1 årsarbetare från 2023 (överfört från avtalets ersättningsrader)."
        )
        assert agreement.fte == Decimal("2.0")
        totals = {r.year: r.total for r in finance.compensation_years(agreement, 2022, 2025)}
        assert totals == {2022: 100000, 2023: 150000, 2024: 175000, 2025: 175000}
        ftes = [finance.fte_for_year(agreement, y) for y in (2022, 2023, 2024)]
        assert ftes == [Decimal("2.0"), Decimal("3.0"), Decimal("3.5")]
        db.session.remove()
        db.engine.dispose()
