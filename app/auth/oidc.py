"""Single sign-on with OpenID Connect, through Authlib's Flask client.

The authorization code flow with PKCE (S256), ``state`` and ``nonce``; the ID token's signature
is checked against the provider's JWKS and its ``iss``, ``aud``, ``exp`` and ``nonce`` against
the discovery document, the client id and the sign-in that was started here. The discovery
document itself must name ``OIDC_ISSUER`` as its issuer.

Every failure ends on a Swedish page with no session, and writes one log line (logger
``app.auth.sso``) saying what an IT administrator should look at. The views are registered on
the ``auth`` blueprint as ``auth.login_sso`` and ``auth.login_sso_callback``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc import errors as jose_errors
from sqlalchemy.exc import IntegrityError

from app.auth.claims import parse_role_map
from app.auth.sso import sign_in_from_claims
from app.extensions import db

log = logging.getLogger("app.auth.sso")

CLIENT = "kommun"
_EXTENSION = "avtalskollen_oidc"
_NEXT = "sso_next"
ID_TOKEN = "sso_id_token"
# An ID token bigger than this (Entra with many groups) is not kept in the session cookie; the
# provider's logout is then asked with client_id instead of id_token_hint.
_MAX_KEPT_ID_TOKEN = 2500


class SsoFailure(Exception):
    """One failed sign-in: ``code`` chooses the page, ``detail`` goes to the log."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def init_app(app: Flask) -> None:
    """Read the single sign-on settings (stopping the app on a bad one) and register the
    provider with Authlib when ``OIDC_ISSUER`` is set."""
    cfg = app.config
    cfg["LOCAL_LOGIN"] = _as_bool(cfg.get("LOCAL_LOGIN", True))
    try:
        cfg["OIDC_ROLE_MAP"] = parse_role_map(cfg.get("OIDC_ROLE_MAP"))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from exc
    issuer = (cfg.get("OIDC_ISSUER") or "").strip()
    cfg["OIDC_ISSUER"] = issuer or None
    if not issuer:
        return
    if not cfg.get("OIDC_CLIENT_ID"):
        raise RuntimeError(
            "OIDC_ISSUER is set but OIDC_CLIENT_ID is not (see README, Single sign-on)."
        )
    if not cfg["OIDC_ROLE_MAP"]:
        app.logger.warning(
            "OIDC_ROLE_MAP is empty: every single sign-on will be refused (no role maps)."
        )
    secret = cfg.get("OIDC_CLIENT_SECRET") or None
    oauth = OAuth()
    oauth.register(
        CLIENT,
        client_id=cfg["OIDC_CLIENT_ID"],
        client_secret=secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": cfg.get("OIDC_SCOPES") or "openid profile email",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
            "default_timeout": float(cfg.get("OIDC_TIMEOUT") or 10),
        },
    )
    oauth.init_app(app)
    app.extensions[_EXTENSION] = oauth


def enabled() -> bool:
    return _EXTENSION in current_app.extensions


def local_login_allowed() -> bool:
    return bool(current_app.config.get("LOCAL_LOGIN", True))


def _client():
    return current_app.extensions[_EXTENSION].create_client(CLIENT)


def _metadata(client) -> dict:
    """The provider's discovery document; its issuer must be the configured one."""
    issuer = current_app.config["OIDC_ISSUER"]
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise SsoFailure(
            "unreachable",
            f"cannot read the discovery document {issuer.rstrip('/')}/.well-known/"
            f"openid-configuration ({type(exc).__name__}: {exc}); is the provider up and "
            "reachable from this server (proxy, firewall, DNS)?",
        ) from exc
    if (metadata.get("issuer") or "").rstrip("/") != issuer.rstrip("/"):
        raise SsoFailure(
            "issuer",
            f"the discovery document names issuer {metadata.get('issuer')!r}, but OIDC_ISSUER "
            f"is {issuer!r}; set OIDC_ISSUER to exactly the provider's issuer",
        )
    return metadata


def _redirect_uri() -> str:
    """The callback URL registered with the provider: PUBLIC_BASE_URL + the callback path."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("auth.login_sso_callback")


def _safe_next(target: str | None) -> str | None:
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    return None if urlsplit(target).netloc else target


def start():
    """Send the browser to the provider's login (state, nonce and PKCE kept in the session)."""
    if not enabled():
        return _failure_page(SsoFailure("disabled", "single sign-on is not configured"))
    if current_user.is_authenticated:
        return redirect(url_for("deadlines.dashboard"))
    try:
        client = _client()
        _metadata(client)
        session[_NEXT] = _safe_next(request.args.get("next"))
        return client.authorize_redirect(_redirect_uri())
    except SsoFailure as failure:
        return _failure_page(failure)


def callback():
    """The provider's answer: exchange the code, verify the ID token, sign the user in."""
    if not enabled():
        return _failure_page(SsoFailure("disabled", "single sign-on is not configured"))
    cfg = current_app.config
    try:
        client = _client()
        token = _exchange(client, _metadata(client))
    except SsoFailure as failure:
        session.pop(_NEXT, None)
        return _failure_page(failure)

    claims = token["userinfo"]
    for attempt in (1, 2):
        try:
            result = sign_in_from_claims(
                cfg["OIDC_ISSUER"], claims, cfg["OIDC_ROLE_CLAIM"], cfg["OIDC_ROLE_MAP"]
            )
            db.session.commit()
            break
        except IntegrityError:
            # The same person's first sign-in in two tabs at once: the other one created the
            # user (or took the user name) first; read it again.
            db.session.rollback()
            if attempt == 2:
                raise
    if result.user is None:
        if result.refused == "no_role":
            detail = (
                f"{result.who} has no {cfg['OIDC_ROLE_CLAIM']!r} value mapped in OIDC_ROLE_MAP "
                f"(values: {', '.join(result.values) or 'none'}); add the person to a mapped "
                "group, or map the group"
            )
        else:
            detail = f"{result.who} is deactivated in Avtalskollen (Administration, Users)"
        return _failure_page(SsoFailure(result.refused, detail))

    target = session.pop(_NEXT, None) or url_for("deadlines.dashboard")
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(result.user)
    db.session.commit()  # the session token login_user may just have issued (User.get_id)
    id_token = token.get("id_token") or ""
    if len(id_token) <= _MAX_KEPT_ID_TOKEN:
        session[ID_TOKEN] = id_token
    session["sso"] = True
    log.info("SSO sign-in: %s as %s (role %s)", result.who, result.user.username, result.user.role)
    return redirect(target)


def _exchange(client, metadata: dict) -> dict:
    """Authlib's token exchange and ID token check, every failure turned into an SsoFailure."""
    issuer = current_app.config["OIDC_ISSUER"]
    # Authlib checks iss by itself, but accepts an ``aud`` without this client when ``azp``
    # names it; an ID token must be issued to this very application.
    claims_options = {
        "iss": {"essential": True, "values": [metadata["issuer"]]},
        "aud": {"essential": True, "values": [current_app.config["OIDC_CLIENT_ID"]]},
    }
    if request.args.get("error"):
        raise SsoFailure(
            "provider",
            f"the provider answered {request.args.get('error')!r}: "
            f"{request.args.get('error_description') or 'no description'}",
        )
    try:
        token = client.authorize_access_token(claims_options=claims_options)
    except MismatchingStateError as exc:
        raise SsoFailure(
            "state",
            "the callback's state matches no sign-in started in this browser session (a reused "
            "or forged callback URL, an expired session, or cookies blocked)",
        ) from exc
    except OAuthError as exc:
        raise SsoFailure(
            "provider",
            f"the token endpoint refused the code: {exc.error} {exc.description or ''}; a "
            "reused code, a wrong OIDC_CLIENT_SECRET or a redirect URI not registered at the "
            "provider",
        ) from exc
    except jose_errors.ExpiredTokenError as exc:
        raise SsoFailure(
            "expired",
            "the ID token has expired; check that the clocks of this server and the provider "
            "agree (NTP)",
        ) from exc
    except jose_errors.BadSignatureError as exc:
        raise SsoFailure(
            "signature",
            "the ID token's signature does not verify with the provider's published keys "
            "(JWKS); a forged token, or keys changed at the provider (restart to re-read them)",
        ) from exc
    except jose_errors.ClaimError as exc:
        raise SsoFailure(
            "claims",
            f"the ID token's claim {exc.claim!r} is wrong ({exc.description}); for 'iss' check "
            f"OIDC_ISSUER ({issuer}), for 'aud' check OIDC_CLIENT_ID",
        ) from exc
    except requests.RequestException as exc:  # before ValueError: a non-JSON answer is both
        raise SsoFailure(
            "unreachable",
            "cannot reach or read the provider's token endpoint or keys "
            f"({type(exc).__name__}: {exc}); is the provider up and reachable from this server?",
        ) from exc
    except (jose_errors.JoseError, ValueError) as exc:
        raise SsoFailure("token", f"the ID token cannot be read: {exc}") from exc
    if not isinstance(token.get("userinfo"), dict) or not token["userinfo"].get("sub"):
        raise SsoFailure(
            "token",
            "the token response has no verified ID token (is 'openid' in OIDC_SCOPES?)",
        )
    return token


_STATUS = {
    "disabled": 404,
    "unreachable": 502,
    "issuer": 502,
    "no_role": 403,
    "inactive": 403,
}


def _failure_page(failure: SsoFailure):
    """The Swedish page for a failed sign-in, the log line for IT; never a session."""
    status = _STATUS.get(failure.code, 400)
    level = logging.WARNING if status in (400, 403) else logging.ERROR
    log.log(
        level,
        "SSO sign-in refused [%s] from %s: %s",
        failure.code,
        request.remote_addr,
        failure.detail,
    )
    messages = {
        "disabled": _("Inloggning med kommunens konto är inte påslagen i Avtalskollen."),
        "unreachable": _(
            "Kommunens inloggningstjänst svarar inte just nu. Försök igen om en stund. "
            "Kvarstår felet, kontakta IT-avdelningen."
        ),
        "issuer": _(
            "Inloggningstjänsten är felaktigt inställd i Avtalskollen (utfärdaren stämmer "
            "inte). Kontakta IT-avdelningen."
        ),
        "no_role": _(
            "Du är inloggad hos kommunen, men ditt konto ingår inte i någon grupp som ger "
            "behörighet till Avtalskollen. Be din chef eller IT-avdelningen om behörighet."
        ),
        "inactive": _(
            "Ditt konto i Avtalskollen är avstängt. Kontakta en administratör av Avtalskollen."
        ),
        "state": _(
            "Inloggningen kunde inte slutföras: svaret från inloggningstjänsten hör inte till "
            "någon inloggning som påbörjats i den här webbläsaren (det kan redan ha använts "
            "eller ha gått ut). Börja om inloggningen."
        ),
        "provider": _(
            "Inloggningstjänsten godkände inte inloggningen. Börja om inloggningen. "
            "Kvarstår felet, kontakta IT-avdelningen."
        ),
    }
    message = messages.get(
        failure.code,
        _(
            "Intyget från inloggningstjänsten kunde inte godkännas (det kan ha gått ut eller "
            "vara förfalskat), så ingen inloggning har gjorts. Börja om inloggningen. "
            "Kvarstår felet, kontakta IT-avdelningen."
        ),
    )
    return (
        render_template(
            "auth/sso_error.html",
            message=message,
            code=failure.code,
            retry=failure.code not in ("disabled", "no_role", "inactive", "issuer"),
        ),
        status,
    )


def logout_url(id_token: str | None) -> str | None:
    """Where to send the browser after the local logout: the provider's end_session_endpoint
    (RP-initiated logout) when it has one, else None (the app's login page)."""
    if not enabled():
        return None
    client = _client()
    try:
        metadata = _metadata(client)
    except SsoFailure as failure:
        log.warning("SSO logout only local: %s", failure.detail)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    extra = {} if id_token else {"client_id": current_app.config["OIDC_CLIENT_ID"]}
    return client.create_logout_url(
        post_logout_redirect_uri=base + url_for("auth.login"),
        id_token_hint=id_token or None,
        **extra,
    )["url"]
