"""Organisations (municipalities, regions, samordningsförbund, non-profits …), our own
organisation units (nämnd, förvaltning) and people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, one_of, utcnow
from app.extensions import db

ORGANISATION_KINDS = (
    "kommun",
    "region",
    "samordningsforbund",
    "forening",
    "stiftelse",
    "foretag",
    "myndighet",
)
UNIT_KINDS = ("namnd", "forvaltning")


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(one_of("kind", ORGANISATION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    organisation_number: Mapped[str | None] = mapped_column(String(20))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Population, used as a cost-sharing key.
    population: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    units: Mapped[list[OrganisationUnit]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class OrganisationUnit(db.Model):
    """A nämnd or förvaltning within an organisation (normally our own municipality)."""

    __tablename__ = "organisation_units"
    __table_args__ = (CheckConstraint(one_of("kind", UNIT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_units.id"))

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    parent: Mapped[OrganisationUnit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<OrganisationUnit {self.name}>"


class Person(db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_units.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    unit: Mapped[OrganisationUnit | None] = relationship()

    def __repr__(self) -> str:
        return f"<Person {self.name}>"
