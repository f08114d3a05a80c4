"""Index series (OPI, KPI, a council's own priskompensation), their yearly values, and the
history of every value entered or changed (who, when, old, new, status)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, Percent, one_of, utcnow
from app.extensions import db

__all__ = ["VALUE_STATUSES", "IndexSeries", "IndexValue", "IndexValueChange"]

VALUE_STATUSES = ("preliminary", "final")


class IndexSeries(db.Model):
    """A series of yearly percentage changes, identified by a short code ("OPI", "LUND-PK")."""

    __tablename__ = "index_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    values: Mapped[list[IndexValue]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="IndexValue.year"
    )
    changes: Mapped[list[IndexValueChange]] = relationship(
        back_populates="series",
        cascade="all, delete-orphan",
        order_by="IndexValueChange.id.desc()",
    )

    def __repr__(self) -> str:
        return f"<IndexSeries {self.code}>"


class IndexValue(db.Model):
    """One year's change in percent (4.6 = 4.6 %), preliminary until finance marks it final."""

    __tablename__ = "index_values"
    __table_args__ = (
        UniqueConstraint("series_id", "year"),
        CheckConstraint(one_of("status", VALUE_STATUSES), name="status"),
        CheckConstraint("percent >= -50 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("index_series.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(Percent)
    status: Mapped[str] = mapped_column(String(20), default="preliminary")
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    series: Mapped[IndexSeries] = relationship(back_populates="values")

    @property
    def preliminary(self) -> bool:
        return self.status == "preliminary"


class IndexValueChange(db.Model):
    """The history of a series' values: each entry or change, who made it and when.

    ``old_percent``/``old_status`` are None when the year was first entered. ``known_from`` is
    the day from which the new value was known (published, or decided by the council); None:
    the day it was entered. Drafts as of a day read the values known on that day.
    """

    __tablename__ = "index_value_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("index_series.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    old_percent: Mapped[Decimal | None] = mapped_column(Percent)
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_percent: Mapped[Decimal] = mapped_column(Percent)
    new_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300))
    known_from: Mapped[date | None] = mapped_column(Date)

    series: Mapped[IndexSeries] = relationship(back_populates="changes")
    user = relationship("User")
