"""Money held per agreement: compensation lines and cost shares between parties (the statsbidrag
rates and decisions live in :mod:`app.grants.models`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import FTE, AwareDateTime, Money, one_of, utcnow
from app.extensions import db

__all__ = [
    "ROUNDINGS",
    "SHARE_METHODS",
    "CompensationItem",
    "CostShare",
    "FiguresStale",
    "FiguresState",
    "YearFigure",
    "YearFigureShare",
]

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


# The columns a year's aggregates read, carried in the covering indexes (PostgreSQL).
SUMS_INCLUDE = [
    "valid_from",
    "valid_to",
    "agreement_id",
    "complete",
    "total",
    "statsbidrag",
    "net",
    "preliminary",
    "has_shares",
    "has_lines",
    "missing",
    "settles",
    "settle_net_difference",
]
SHARES_INCLUDE = [
    "valid_from",
    "valid_to",
    "agreement_id",
    "kind",
    "board_id",
    "amount",
    "settle_difference",
]


class YearFigure(db.Model):
    """One agreement's figures for one year, as they read on the as-of days from
    ``valid_from`` (None: any earlier day) to the day before ``valid_to`` (None: any later day),
    kept by :mod:`app.finance.figures` so that the figures across agreements are SQL aggregates
    shared by every worker. The agreement's title, kind and board are copied for the list's
    order and filters. ``missing`` is the JSON list of what the year lacks (see
    :func:`app.finance.figures.encode_missing`); ``settles``: the year's index value went from
    preliminary to final and the agreement has something to settle (``settle_*`` differences,
    None while a value is still missing)."""

    __tablename__ = "finance_year_figures"
    __table_args__ = (
        Index("ix_finance_year_figures_year_title", "year", "title", "agreement_id"),
        Index("ix_finance_year_figures_agreement", "agreement_id", "year"),
        # A year's sums read this index alone on PostgreSQL (an index-only scan).
        Index(
            "ix_finance_year_figures_sums",
            "year",
            "board_id",
            "kind",
            postgresql_include=SUMS_INCLUDE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    board_id: Mapped[int | None] = mapped_column(Integer)
    has_lines: Mapped[bool] = mapped_column(default=False)
    total: Mapped[Decimal | None] = mapped_column(Money)
    statsbidrag: Mapped[Decimal | None] = mapped_column(Money)
    net: Mapped[Decimal | None] = mapped_column(Money)
    complete: Mapped[bool] = mapped_column(default=False)
    preliminary: Mapped[bool] = mapped_column(default=False)
    statsbidrag_basis: Mapped[str] = mapped_column(String(10), default="expected")
    missing: Mapped[str | None] = mapped_column(Text)
    has_shares: Mapped[bool] = mapped_column(default=False)
    settles: Mapped[bool] = mapped_column(default=False)
    settle_total_difference: Mapped[Decimal | None] = mapped_column(Money)
    settle_net_difference: Mapped[Decimal | None] = mapped_column(Money)


class YearFigureShare(db.Model):
    """A party's share of one :class:`YearFigure` (same agreement, year and as-of days), with
    its difference to settle where the year settles."""

    __tablename__ = "finance_year_figure_shares"
    __table_args__ = (
        Index(
            "ix_finance_year_figure_shares_year",
            "year",
            "organisation_id",
            postgresql_include=SHARES_INCLUDE,
        ),
        Index("ix_finance_year_figure_shares_agreement", "agreement_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    board_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    settle_difference: Mapped[Decimal | None] = mapped_column(Money)


class FiguresState(db.Model):
    """The years the stored figures cover (one row; none until they are first built)."""

    __tablename__ = "finance_figures_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class FiguresStale(db.Model):
    """An agreement whose stored figures wait to be recomputed: a change of an index value or a
    grant rate concerned more agreements than one request recomputes at once
    (``FINANCE_INLINE_LIMIT``); the scheduler and ``flask finance refresh`` work them off."""

    __tablename__ = "finance_figures_stale"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )


class RollupState(db.Model):
    """The as-of day the year sums (``finance_year_rollups`` and its two companions) describe
    (one row; none until they are first built). Pages as of that day (today, once the daily
    job has run) read the sums from them; any other day sums the stored figures."""

    __tablename__ = "finance_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    built_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class YearRollup(db.Model):
    """The sums of the stored figures valid on :attr:`RollupState.day`, per year, board and
    kind of agreement: what the overview, its chart, the settlement and the API's list read
    instead of summing a year's rows (100 000 at national scale). Kept in step with every write
    of the figures (:mod:`app.finance.rollups`). ``board_id`` 0: no board."""

    __tablename__ = "finance_year_rollups"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Money, default=0)
    statsbidrag: Mapped[Decimal] = mapped_column(Money, default=0)
    net: Mapped[Decimal] = mapped_column(Money, default=0)
    missing_count: Mapped[int] = mapped_column(Integer, default=0)
    preliminary_count: Mapped[int] = mapped_column(Integer, default=0)
    unshared_net: Mapped[Decimal] = mapped_column(Money, default=0)
    total_known: Mapped[Decimal] = mapped_column(Money, default=0)
    unknown_totals: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    lines_total: Mapped[Decimal] = mapped_column(Money, default=0)
    lines_unknown: Mapped[int] = mapped_column(Integer, default=0)
    settles: Mapped[int] = mapped_column(Integer, default=0)
    settles_unknown: Mapped[int] = mapped_column(Integer, default=0)
    settle_net: Mapped[Decimal] = mapped_column(Money, default=0)


class YearPartyRollup(db.Model):
    """Each party's summed shares of the figures valid on :attr:`RollupState.day`, per year,
    board and kind (``n``: how many shares with an amount)."""

    __tablename__ = "finance_year_party_rollups"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money, default=0)


class YearMissingRollup(db.Model):
    """How many figures valid on :attr:`RollupState.day` lack just the facts ``missing`` (as
    :func:`app.finance.figures.encode_missing` writes them), per year, board and kind."""

    __tablename__ = "finance_year_missing_rollups"
    __table_args__ = (Index("ix_finance_year_missing_rollups_group", "year", "board_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    board_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    missing: Mapped[str] = mapped_column(Text)
    n: Mapped[int] = mapped_column(Integer, default=0)
