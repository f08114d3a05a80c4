"""Pure rules of single sign-on: which role a person's ID-token claims give, what a new account
is called, and how the role map setting is read. No database, no request."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.auth.models import ROLES

# The highest mapped role wins, in this order.
ROLE_PRECEDENCE = ROLES

_NOT_IN_USERNAME = re.compile(r"[^\w.@-]+")


def parse_role_map(raw: Any) -> dict[str, str]:
    """``OIDC_ROLE_MAP`` as a dict (given as a dict or as JSON text); raises ValueError saying
    what is wrong, so a bad setting stops the app at start instead of refusing everyone."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"OIDC_ROLE_MAP is not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ValueError('OIDC_ROLE_MAP must be a JSON object such as {"group-id": "editor"}')
    result: dict[str, str] = {}
    for key, role in raw.items():
        if role not in ROLES:
            raise ValueError(
                f"OIDC_ROLE_MAP maps {key!r} to {role!r}; roles are {', '.join(ROLES)}"
            )
        result[str(key)] = role
    return result


def claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The values of ``claim`` (a list or a single value; ``a.b`` reads a nested claim, as in
    Keycloak's ``realm_access.roles``)."""
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def role_from_claims(
    claims: Mapping[str, Any], claim: str, role_map: Mapping[str, str]
) -> str | None:
    """The highest role any of the claim's values maps to; None when none maps (no access)."""
    mapped = {role_map[v] for v in claim_values(claims, claim) if v in role_map}
    return next((role for role in ROLE_PRECEDENCE if role in mapped), None)


def username_base(claims: Mapping[str, Any]) -> str:
    """A readable user name for a new account: preferred_username, else the e-mail, else the
    name, else the subject; characters a user name may not hold become ``-``."""
    for key in ("preferred_username", "email", "upn", "name", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            cleaned = _NOT_IN_USERNAME.sub("-", value.strip()).strip("-")
            if cleaned:
                return cleaned[:70]
    return "sso-user"


def profile_from_claims(claims: Mapping[str, Any]) -> tuple[str, str | None]:
    """(name, e-mail) from the claims, cut to what the columns hold."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip() or len(email) > 254:
        email = None
    return (name or "").strip()[:200], email.strip() if email else None
