"""What the yearly cycle keeps: the statsbidrag rate per full-time ombud for a year, Länsstyrelsen's
decision per agreement and year (granted, decided, paid), and the provider's statistics per
agreement and year with the persons per municipality."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, Money, utcnow
from app.extensions import db

__all__ = ["GrantDecision", "GrantRate", "StatisticsMunicipality", "YearStatistics"]


class GrantRate(db.Model):
    """Statsbidrag per full-time ombud for one year (förordning 2013:522)."""

    __tablename__ = "grant_rates"
    __table_args__ = (CheckConstraint("amount_per_fte >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    amount_per_fte: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)


class GrantDecision(db.Model):
    """Länsstyrelsen's decision on the statsbidrag of one agreement for one year.

    ``granted`` counts instead of the expected FTE × rate from the moment it is recorded.
    ``decision_total`` is set when one decision for several agreements of a huvudman was split
    over them by FTE: the decision's whole amount, so the split can be explained later.
    """

    __tablename__ = "grant_decisions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "year"),
        CheckConstraint("granted >= 0", name="granted_not_negative"),
        CheckConstraint("paid IS NULL OR paid >= 0", name="paid_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    granted: Mapped[Decimal] = mapped_column(Money)
    decided_on: Mapped[date | None] = mapped_column(Date)
    diarienummer: Mapped[str | None] = mapped_column(String(100))
    paid: Mapped[Decimal | None] = mapped_column(Money)
    decision_total: Mapped[Decimal | None] = mapped_column(Money)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    agreement = relationship("Agreement")


class YearStatistics(db.Model):
    """The provider's statistics of one agreement for one year (seed 003 §8).

    ``contact_reasons`` and ``end_reasons`` map a reason to the number of persons.
    """

    __tablename__ = "year_statistics"
    __table_args__ = (
        UniqueConstraint("agreement_id", "year"),
        CheckConstraint(
            "persons_women >= 0 AND persons_men >= 0 AND persons_other >= 0",
            name="persons_not_negative",
        ),
        CheckConstraint("new_persons >= 0 AND ended_persons >= 0", name="flows_not_negative"),
        CheckConstraint("hours_per_week IS NULL OR hours_per_week >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    persons_women: Mapped[int] = mapped_column(Integer, default=0)
    persons_men: Mapped[int] = mapped_column(Integer, default=0)
    persons_other: Mapped[int] = mapped_column(Integer, default=0)
    new_persons: Mapped[int] = mapped_column(Integer, default=0)
    ended_persons: Mapped[int] = mapped_column(Integer, default=0)
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(6, 2, asdecimal=True))
    contact_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    end_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(300))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    agreement = relationship("Agreement")
    municipalities: Mapped[list[StatisticsMunicipality]] = relationship(
        back_populates="statistics",
        cascade="all, delete-orphan",
        order_by="StatisticsMunicipality.id",
    )

    @property
    def persons(self) -> int:
        return self.persons_women + self.persons_men + self.persons_other


class StatisticsMunicipality(db.Model):
    """Persons of one year's statistics who come from one municipality."""

    __tablename__ = "statistics_municipalities"
    __table_args__ = (
        UniqueConstraint("statistics_id", "organisation_id"),
        CheckConstraint("persons >= 0", name="persons_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statistics_id: Mapped[int] = mapped_column(
        ForeignKey("year_statistics.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    persons: Mapped[int] = mapped_column(Integer)

    statistics: Mapped[YearStatistics] = relationship(back_populates="municipalities")
    organisation = relationship("Organisation")
