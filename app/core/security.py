"""HTTP security headers (Flask-Talisman) and the reverse-proxy setting.

Every response carries a Content-Security-Policy without inline script (``script-src
'self'``; the app's own JavaScript lives in ``app/static/js``), ``frame-ancestors 'none'``
(and ``X-Frame-Options: DENY`` for older browsers), ``X-Content-Type-Options: nosniff`` and a
``Referrer-Policy``; ``Strict-Transport-Security`` is sent only on requests that arrived over
https (directly or, behind a proxy, with ``X-Forwarded-Proto: https``), so the app keeps
working over plain http on a developer's machine (``scripts/run.sh``). Redirecting http to
https is the reverse proxy's job.

``PROXY_FIX_HOPS`` (default 0): the number of reverse proxies in front of the app whose
``X-Forwarded-For``/``-Proto`` headers are trusted, so login throttling sees the client's
address and https is recognised. Leave it at 0 when the app is reachable directly.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(app: Flask) -> dict:
    """The CSP; with single sign-on, logging out may go on to the identity provider (a form
    whose answer redirects there), so its origin is a permitted form action."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return CSP
    parts = urlsplit(issuer)
    return {**CSP, "form-action": ["'self'", f"{parts.scheme}://{parts.netloc}"]}


def init_app(app: Flask) -> None:
    from flask_talisman import Talisman

    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Talisman(
        app,
        force_https=False,  # the reverse proxy redirects; http stays usable locally
        strict_transport_security=True,  # only ever sent over https
        strict_transport_security_max_age=int(app.config.get("HSTS_MAX_AGE", 31536000)),
        strict_transport_security_include_subdomains=False,
        frame_options="DENY",
        content_security_policy=_policy(app),
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_content_type_options=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
