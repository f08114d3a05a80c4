"""Creating users and issuing API tokens; shared by the CLI and the admin pages."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.auth.models import ROLES, ApiToken, User, hash_token
from app.core.errors import ValidationError
from app.db import utcnow
from app.extensions import db

log = logging.getLogger("app.auth")
_USERNAME = re.compile(r"[\w.@-]{1,80}")


def username_taken(username: str) -> bool:
    """Whether a user already has this name, in any case: "ADMIN" beside "admin" would be a
    second account that the login throttle and every colleague take for the first."""
    return (
        db.session.execute(
            db.select(User.id).where(func.lower(User.username) == username.lower())
        ).first()
        is not None
    )


def create_user(
    username: str, role: str, password: str, name: str = "", email: str | None = None
) -> User:
    from app.parties.services import check_email

    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = _("Ange ett användarnamn.")
    elif not _USERNAME.fullmatch(username):
        errors["username"] = _(
            "Användarnamnet får bestå av bokstäver, siffror och . _ - @ (högst 80 tecken)."
        )
    elif username_taken(username):
        errors["username"] = _("Användarnamnet %(name)s finns redan.", name=username)
    if role not in ROLES:
        errors["role"] = _(
            "Okänd roll %(role)s. Välj en av: %(roles)s.", role=role, roles=", ".join(ROLES)
        )
    if len(password or "") < 10:
        errors["password"] = _("Lösenordet måste ha minst 10 tecken.")
    email = check_email((email or "").strip() or None, "email", errors)
    if errors:
        raise ValidationError(_("Användaren kunde inte skapas."), errors)
    user = User(username=username, role=role, name=name or username, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def link_person(user: User, person_id: int | None) -> None:
    """Link a login to the person it is (or unlink it with None): the person's inbox, calendar
    feed and reminder settings become the login's. Only an admin does this; editing a person
    never changes it. One person has at most one login."""
    from app.parties.models import Person

    if person_id is not None:
        if db.session.get(Person, person_id) is None:
            raise ValidationError(
                _("Personen finns inte."), {"person_id": _("Välj en person i listan.")}
            )
        other = db.session.execute(
            db.select(User).where(User.person_id == person_id, User.id != user.id)
        ).scalar_one_or_none()
        if other is not None:
            message = _(
                "Personen är redan kopplad till användaren %(name)s. Ta bort den kopplingen först.",
                name=other.username,
            )
            raise ValidationError(message, {"person_id": message})
    if user.person_id != person_id:
        log.info("user %s linked to person %s (was %s)", user.username, person_id, user.person_id)
    user.person_id = person_id
    db.session.flush()


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def issue_token(user: User) -> str:
    row, token = ApiToken.issue(user)
    db.session.add(row)
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=hash_token(token), revoked_at=None)
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        return None
    now: datetime = utcnow()
    # Avoid a write per request: note the use at most once a minute.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return row.user


# Names of the account events in the change log (merged into the agreements' audit labels).
ACCOUNT_EVENT_LABELS = {
    "sso_signed_in": _l("Inloggning med kommunens konto"),
    "sso_user_created": _l("Användare skapad vid första inloggningen"),
    "sso_refused": _l("Inloggning nekad"),
    "role_from_claims": _l("Roll ändrad enligt kommunens konto"),
    "password_set": _l("Nytt lösenord satt"),
}


def record_account_event(
    user: User | None,
    action: str,
    field: str | None = None,
    old: str | None = None,
    new: str | None = None,
) -> None:
    """An account event in the change log (the audit trail, without an agreement): sign-ins,
    refusals, roles from claims, passwords set by an operator. ``user`` is the account."""
    from app.agreements.models import AuditEntry

    db.session.add(
        AuditEntry(
            agreement_id=None,
            user_id=getattr(user, "id", None),
            action=action,
            field=field,
            old_value=old,
            new_value=new,
        )
    )


def set_password(username: str, password: str, by: str = "CLI") -> User:
    """Give a local account a new password (a lost password, break-glass); audited."""
    user = db.session.execute(
        db.select(User).filter_by(username=(username or "").strip())
    ).scalar_one_or_none()
    if user is None:
        raise ValidationError(
            _("Användaren finns inte."),
            {"username": _("Det finns ingen användare %(name)s.", name=username)},
        )
    if user.is_sso:
        raise ValidationError(
            _("Lösenordet kunde inte sättas."),
            {
                "username": _(
                    "%(name)s loggar in med kommunens konto och har inget lokalt lösenord.",
                    name=user.username,
                )
            },
        )
    if len(password or "") < 10:
        raise ValidationError(
            _("Lösenordet kunde inte sättas."),
            {"password": _("Lösenordet måste ha minst 10 tecken.")},
        )
    user.set_password(password)
    record_account_event(user, "password_set", "password", None, by)
    db.session.flush()
    return user
