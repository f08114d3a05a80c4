"""The single sign-on service: turn the verified ID-token claims of one sign-in into a user of
this app (created on first sign-in, keyed by issuer and subject), recompute the role from the
role claim, and record sign-ins, refusals and role changes in the change log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.auth.claims import claim_values, profile_from_claims, role_from_claims, username_base
from app.auth.models import User
from app.auth.services import record_account_event, username_taken
from app.extensions import db


@dataclass(frozen=True)
class SignIn:
    """The outcome: ``user`` to log in, or ``refused`` ("no_role", "inactive") and who it was."""

    user: User | None
    refused: str | None = None
    who: str = ""
    values: tuple[str, ...] = ()


def _free_username(base: str) -> str:
    candidate, n = base, 1
    while username_taken(candidate):
        n += 1
        candidate = f"{base[:70]}-{n}"
    return candidate


def sign_in_from_claims(
    issuer: str, claims: Mapping[str, Any], role_claim: str, role_map: Mapping[str, str]
) -> SignIn:
    """Find or create the user for (issuer, sub) and give it the role its claims map to.

    Never matches an existing account by e-mail or name: a local ``anna`` and Anna's municipal
    account are two users. Records the event and flushes; the caller commits."""
    subject = str(claims["sub"])
    name, email = profile_from_claims(claims)
    who = f"{name or claims.get('preferred_username') or subject} ({issuer} {subject})"
    values = tuple(claim_values(claims, role_claim))
    role = role_from_claims(claims, role_claim, role_map)
    user = db.session.execute(
        db.select(User).filter_by(oidc_issuer=issuer, oidc_subject=subject)
    ).scalar_one_or_none()

    if role is None:
        record_account_event(
            user, "sso_refused", role_claim, ", ".join(values) or None, f"no_role: {who}"
        )
        db.session.flush()
        return SignIn(None, "no_role", who, values)
    if user is not None and not user.active:
        record_account_event(user, "sso_refused", "active", None, f"inactive: {who}")
        db.session.flush()
        return SignIn(None, "inactive", who, values)

    if user is None:
        user = User(
            username=_free_username(username_base(claims)),
            name=name or subject,
            email=email,
            password_hash="",
            role=role,
            oidc_issuer=issuer,
            oidc_subject=subject,
        )
        db.session.add(user)
        db.session.flush()
        record_account_event(user, "sso_user_created", "role", None, role)
    else:
        if user.role != role:
            record_account_event(user, "role_from_claims", "role", user.role, role)
            user.role = role
        if name:
            user.name = name
        if email:
            user.email = email
    record_account_event(user, "sso_signed_in", "sso", None, user.username)
    db.session.flush()
    return SignIn(user, None, who, values)
