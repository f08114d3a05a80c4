"""Users, roles, login and API tokens."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db, login_manager

# Endpoints that need no login: the login page itself (and single sign-on's), static files, the
# API (which checks its bearer token itself) and token-protected calendar feeds.
# Health, readiness and metrics (app.core.ops) answer the load balancer and the scraper.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.login_sso",
    "auth.login_sso_callback",
    "static",
    "bootstrap.static",
    "healthz",
    "readyz",
    "metrics",
}
PUBLIC_PREFIXES = ("api.", "reminders.calendar_feed")


def actor():
    """The user behind this request: the API token's owner, else the logged-in user."""
    return g.get("api_user") or current_user


def permission_required(permission: str):
    """Refuse the view (403) unless the user's role has ``permission``; marks the view so the
    route-walking test can prove every change is guarded. ``"self"``: any logged-in user, for
    views that change only the user's own data (the profile)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = actor()
            if not getattr(user, "is_authenticated", False):
                abort(401)
            if permission != "self" and not user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    from app.auth import oidc
    from app.auth.models import User

    oidc.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att fortsätta.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user of a session or remember cookie, when its token is still the user's: a
        cookie from before a logout or a password change (or from before the token existed)
        opens nothing."""
        raw_id, _sep, token = (user_id or "").partition(":")
        if not raw_id.isdigit() or not token or int(raw_id) > 2**31 - 1:
            return None
        user = db.session.get(User, int(raw_id))
        if user is None or not user.active or not user.session_token:
            return None
        return user if hmac.compare_digest(user.session_token, token) else None

    @app.before_request
    def require_login():
        if request.endpoint is None and request.path.startswith("/api/"):
            return None  # no such API route or method: a JSON 404/405, not the login page
        endpoint = request.endpoint or ""
        if endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.context_processor
    def inject_permissions():
        return {
            "can": lambda permission: current_user.is_authenticated and current_user.can(permission)
        }
