"""Avtalskollen: agreements, deadlines and money for Swedish municipalities' social services.

``create_app`` builds the application: configuration, extensions, blueprints, CLI and error
handling. The reminder scheduler never starts here; it is its own process
(``flask --app wsgi reminders scheduler``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.core.query import MAX_ID


class _IdConverter(IntegerConverter):
    """``<int:…>`` in every route, bounded to ids the database can hold."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = _IdConverter
    app.config.from_object("app.config.DefaultConfig")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_MAIL_SERVER, …
    for key in ("DATABASE_URL", "SECRET_KEY"):
        if os.environ.get(key):
            app.config["SQLALCHEMY_DATABASE_URI" if key == "DATABASE_URL" else key] = os.environ[
                key
            ]
    if test_config:
        app.config.update(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _finish_config(app)

    from app import extensions as ext
    from app.db import render_migration_item

    ext.db.init_app(app)
    ext.migrate.init_app(
        app,
        ext.db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        render_item=render_migration_item,
    )
    from app.core import security

    security.init_app(app)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)

    from app.core import i18n

    ext.babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    i18n.init_app(app)

    from flask_bootstrap import Bootstrap5

    Bootstrap5(app)

    from app import models  # noqa: F401  (registers every model with the metadata)
    from app.finance import figures

    figures.install()  # stored yearly figures follow every committed change
    from app.auth import init_app as init_auth
    from app.core import guard, ops

    ops.init_app(app)  # first: its request timer runs before the login check
    guard.init_app(app)  # before the login check: a NUL is refused before anything reads it

    init_auth(app)
    _register_blueprints(app)
    _register_cli(app)

    from app.core import errors

    errors.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "avtalskollen.db"
        )
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len(prefix) :]
    if uri.startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in cfg["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    if not cfg.get("SECRET_KEY"):
        if app.debug or app.testing:
            cfg["SECRET_KEY"] = "dev-only-not-secret"
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Put SECRET_KEY = '...' in instance/config.py or set the "
                "SECRET_KEY environment variable (see README, Production)."
            )
    if cfg.get("REMEMBER_COOKIE_DAYS"):
        from datetime import timedelta

        cfg["REMEMBER_COOKIE_DURATION"] = timedelta(days=float(cfg["REMEMBER_COOKIE_DAYS"]))
    if not cfg.get("ATTACHMENT_DIR"):
        cfg["ATTACHMENT_DIR"] = str(Path(app.instance_path) / "attachments")


def _register_blueprints(app: Flask) -> None:
    from app.agreements.views import bp as agreements_bp
    from app.api import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.deadlines.views import bp as deadlines_bp
    from app.documents.views import bp as documents_bp
    from app.finance.views import bp as finance_bp
    from app.grants.views import bp as grants_bp
    from app.imports.views import bp as imports_bp
    from app.indexation.views import bp as indexation_bp
    from app.parties.views import bp as parties_bp
    from app.reminders.views import bp as reminders_bp

    for bp in (
        auth_bp,
        deadlines_bp,
        agreements_bp,
        parties_bp,
        indexation_bp,
        finance_bp,
        grants_bp,
        reminders_bp,
        documents_bp,
        imports_bp,
        api_bp,
    ):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.deadlines.cli import deadlines_cli
    from app.demo.cli import demo_cli
    from app.finance.cli import finance_cli
    from app.imports.cli import import_cli
    from app.reminders.cli import reminders_cli

    for group in (users_cli, demo_cli, deadlines_cli, finance_cli, reminders_cli, import_cli):
        app.cli.add_command(group)
