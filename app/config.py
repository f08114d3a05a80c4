"""Configuration defaults.

``instance/config.py`` and environment variables override these: ``DATABASE_URL`` and
``SECRET_KEY`` directly, and any key as ``FLASK_<KEY>`` (``FLASK_MAIL_SERVER`` …).
"""

import os
from datetime import timedelta


class DefaultConfig:
    # No SECRET_KEY here on purpose: create_app refuses to start outside debug/testing without one.
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Kom ihåg mig" lasts this many days (not Flask-Login's year); logout ends it at once.
    REMEMBER_COOKIE_DAYS = 14
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    # Reverse proxies in front whose X-Forwarded-* headers are trusted (app.core.security).
    PROXY_FIX_HOPS = 0
    HSTS_MAX_AGE = 31536000  # a year; sent only over https
    WTF_CSRF_TIME_LIMIT = None  # a form may stay open over a long meeting

    # Login throttling (Flask-Limiter); use a shared store such as Redis with several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"  # per user name, from any address
    LOGIN_RATE_LIMIT_PER_ADDRESS = "30 per minute;200 per hour"  # per address, any name
    RATELIMIT_HEADERS_ENABLED = True

    # Attachments are stored under instance/attachments with their checksum.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    ATTACHMENT_ALLOWED_TYPES = {
        ".pdf": "application/pdf",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".odt": "application/vnd.oasis.opendocument.text",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".txt": "text/plain",
    }
    ATTACHMENT_DIR: str | None = None  # default: instance/attachments

    # Mail (reminders). No MAIL_SERVER: mail goes to the log and the in-app inbox only.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "avtalskollen@localhost"
    MAIL_TIMEOUT = 10

    # Where links in e-mails and calendar events point.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Reminders
    REMINDER_LEAD_DAYS = (180, 90, 30, 7, 0)
    SCHEDULER_SWEEP_MINUTES = 15
    SCHEDULER_REFRESH_HOUR = 2
    # The leader lock (app.reminders.leader): how often a standby tries to take over and the
    # leader checks its lock; the advisory-lock key (default: derived from database and schema);
    # where the scheduler serves its own /metrics (off when None).
    SCHEDULER_STANDBY_SECONDS = 10
    SCHEDULER_LOCK_KEY: int | None = None
    SCHEDULER_METRICS_PORT: int | None = None
    SCHEDULER_METRICS_ADDR = "127.0.0.1"

    # Single sign-on (OpenID Connect, see README). No OIDC_ISSUER: local accounts only.
    OIDC_ISSUER: str | None = None  # e.g. https://login.microsoftonline.com/<tenant>/v2.0
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_SCOPES = "openid profile email"
    OIDC_ROLE_CLAIM = "groups"  # the claim whose values OIDC_ROLE_MAP maps to roles
    OIDC_ROLE_MAP: dict | str = {}  # {"<group or app role>": "admin|editor|finance|reader"}
    OIDC_TIMEOUT = 10  # seconds for each call to the provider
    LOCAL_LOGIN = True  # False: no user name/password login at all (break-glass off)

    AGREEMENTS_PER_PAGE = 50
    # Deadlines as of a day the stored refresh does not describe are computed agreement by
    # agreement; past this many seconds the page says so and the API answers 503.
    AS_OF_TIME_BUDGET_SECONDS = 10
    # Deadlines as of any day from this many days before the daily refresh to this many days
    # after it are read from stored rows (deadline_spans); other days are computed.
    AS_OF_SPAN_DAYS_BEFORE = 366
    AS_OF_SPAN_DAYS_AFTER = 731

    # Operations (app.core.ops): "json" writes one JSON line per log event; /metrics is served
    # to loopback clients, or to whoever sends "Authorization: Bearer <METRICS_TOKEN>".
    LOG_FORMAT: str | None = os.environ.get("LOG_FORMAT")
    METRICS_TOKEN: str | None = None
    BOOTSTRAP_SERVE_LOCAL = True
