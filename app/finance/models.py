"""Money held per agreement: compensation lines and cost shares between parties (the statsbidrag
rates and decisions live in :mod:`app.grants.models`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import FTE, AwareDateTime, Money, one_of, utcnow
from app.extensions import db

__all__ = ["ROUNDINGS", "SHARE_METHODS", "CompensationItem", "CostShare"]

ROUNDINGS = ("final", "yearly")
SHARE_METHODS = ("equal", "fraction", "key")


class CompensationItem(db.Model):
    """One line of an agreement's compensation, in the prices of ``price_level_year``.

    ``series_id`` None: a fixed amount. ``fte_basis``: the årsarbetare the amount pays for, so
    more can be called off at the same rate per FTE. ``valid_from_year``: the line counts from
    that year on (a call-off of more årsarbetare); None: in every year of the agreement.
    """

    __tablename__ = "compensation_items"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint(one_of("rounding", ROUNDINGS), name="rounding"),
        CheckConstraint("fte_basis IS NULL OR fte_basis > 0", name="fte_basis_positive"),
        CheckConstraint(
            "first_adjusted_year IS NULL OR first_adjusted_year > price_level_year",
            name="adjusted_after_price_level",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    price_level_year: Mapped[int] = mapped_column(Integer)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("index_series.id"), index=True)
    first_adjusted_year: Mapped[int | None] = mapped_column(Integer)
    rounding: Mapped[str] = mapped_column(String(10), default="final")
    fte_basis: Mapped[Decimal | None] = mapped_column(FTE)
    valid_from_year: Mapped[int | None] = mapped_column(Integer)
    # The tilläggsavtal whose compensation this line is (it replaces the earlier lines from
    # its ``valid_from_year`` on); None: the agreement's own lines.
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    agreement = relationship("Agreement")
    series = relationship("IndexSeries")


class CostShare(db.Model):
    """A party's share of an agreement's net cost, held as an exact fraction.

    ``method`` records how it was set: equal parts, a fixed fraction, or a key (population,
    clients) whose value for this party is ``key_value``.
    """

    __tablename__ = "cost_shares"
    __table_args__ = (
        UniqueConstraint("agreement_id", "organisation_id"),
        CheckConstraint(one_of("method", SHARE_METHODS), name="method"),
        CheckConstraint("numerator >= 0 AND denominator > 0", name="fraction_valid"),
        CheckConstraint("numerator <= denominator", name="fraction_at_most_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    numerator: Mapped[int] = mapped_column(BigInteger)
    denominator: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10), default="fraction")
    key_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2, asdecimal=True))
    key_label: Mapped[str | None] = mapped_column(String(100))

    organisation = relationship("Organisation")

    @property
    def fraction(self) -> Fraction:
        return Fraction(int(self.numerator), int(self.denominator))
