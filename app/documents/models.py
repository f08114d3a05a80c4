"""Generated board decision drafts (kept so each can be reproduced and explained later) and the
replacement templates an admin uploads per decision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, one_of, utcnow
from app.extensions import db

__all__ = ["DECISION_CODES", "CustomTemplate", "GeneratedDraft"]

DECISION_CODES = ("forlangning", "uppsagning", "nytt_avtal", "upphandling")


class CustomTemplate(db.Model):
    """An uploaded .docx that replaces the shipped template of one decision while active."""

    __tablename__ = "custom_templates"
    __table_args__ = (CheckConstraint(one_of("decision", DECISION_CODES), name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision: Mapped[str] = mapped_column(String(20), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    uploaded_by = relationship("User")


class GeneratedDraft(db.Model):
    """One generated draft: which template (name and checksum) was filled with which data."""

    __tablename__ = "generated_drafts"
    __table_args__ = (CheckConstraint(one_of("decision", DECISION_CODES), name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    template_name: Mapped[str] = mapped_column(String(255))
    template_sha256: Mapped[str] = mapped_column(String(64))
    custom_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("custom_templates.id", ondelete="SET NULL")
    )
    # The exact context that filled the template (strings and lists only).
    snapshot: Mapped[dict] = mapped_column(JSON)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    agreement = relationship("Agreement")
    created_by = relationship("User")
    custom_template = relationship("CustomTemplate")

    @property
    def filename(self) -> str:
        return f"{self.decision}-avtal-{self.agreement_id}-{self.as_of.isoformat()}.docx"
