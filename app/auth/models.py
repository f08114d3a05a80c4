"""Users, their roles and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import AwareDateTime, one_of, utcnow
from app.extensions import db

ROLES = ("admin", "editor", "finance", "reader")

# What each role may change. Every role may read; pages and API check these names.
PERMISSIONS: dict[str, frozenset[str]] = {
    "edit_agreements": frozenset({"admin", "editor"}),
    "edit_parties": frozenset({"admin", "editor"}),
    "edit_compensation": frozenset({"admin", "editor", "finance"}),
    "edit_index": frozenset({"admin", "finance"}),
    "admin": frozenset({"admin"}),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        # A single sign-on account is the provider's (issuer, subject), never its e-mail.
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="reader")
    active: Mapped[bool] = mapped_column(default=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(5))
    # Part of every session and remember cookie (see get_id); a new one ends them all.
    session_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    # Set for users created by single sign-on (OpenID Connect); they have no local password.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))

    person = relationship("Person", foreign_keys=[person_id])
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def set_password(self, password: str) -> None:
        """A new password ends every other session of the user (see ``rotate_sessions``)."""
        self.password_hash = generate_password_hash(password)
        self.rotate_sessions()

    def rotate_sessions(self) -> None:
        """A new session token: every session and remember cookie issued before is dead."""
        self.session_token = secrets.token_urlsafe(32)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: "<id>:<token>"."""
        if not self.session_token:
            self.rotate_sessions()
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        if not self.password_hash:  # single sign-on users have no local password
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def is_sso(self) -> bool:
        """Signs in with the municipality's account (OpenID Connect), not a local password."""
        return self.oidc_subject is not None

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        token = "ak_" + secrets.token_urlsafe(32)
        row = cls(user=user, token_hash=hash_token(token), prefix=token[:10])
        return row, token
