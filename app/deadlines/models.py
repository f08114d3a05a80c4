"""Deadlines kept in the database, refreshed when an agreement changes and once a day, so the
dashboard and the reminder sweep read rows instead of recomputing every agreement."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, one_of, utcnow
from app.extensions import db

DEADLINE_KINDS = (
    "last_notice",
    "term_end",
    "extension",
    "obligation_due",
    "index_missing",
    "grant_application",
)


class Deadline(db.Model):
    """One thing that must be done (or will happen) by ``date``.

    ``key`` identifies the deadline across refreshes ("agreement:12:last_notice:2022-06-30"),
    so the reminder log can refer to it even when the row is rebuilt.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint(one_of("kind", DEADLINE_KINDS), name="kind"),
        # The lists' order, and per kind in that order (a start page section, a few kinds).
        Index("ix_deadlines_date_kind", "date", "kind", "agreement_id", "key"),
        Index("ix_deadlines_kind_date", "kind", "date", "agreement_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    obligation_id: Mapped[int | None] = mapped_column(
        ForeignKey("obligations.id", ondelete="CASCADE")
    )
    # A huvudman's deadline (the 1 March application to Länsstyrelsen) names its organisation
    # instead of an agreement.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # index_missing deadlines name their series and year instead of an agreement.
    series_code: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)  # the contractual date
    business_day: Mapped[date] = mapped_column(Date)  # the latest business day on or before it
    title: Mapped[str] = mapped_column(String(300))
    overdue: Mapped[bool] = mapped_column(default=False)
    # The day the deadlines were computed for (overdue is relative to it).
    # index_missing: whether every agreement the missing value concerns had ended on the
    # refresh day (the start page then files it under ended agreements); None for other kinds.
    only_ended: Mapped[bool | None] = mapped_column(nullable=True)
    as_of: Mapped[date | None] = mapped_column(Date, index=True)
    refreshed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    agreement = relationship("Agreement")
    obligation = relationship("Obligation")


class DeadlineRefresh(db.Model):
    """The day the last bulk refresh described (one row): the stored deadlines as a whole
    describe that day, without stamping every row (at 100 000 agreements that UPDATE of
    600 000 rows took 20 s on PostgreSQL)."""

    __tablename__ = "deadline_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class DeadlineValidity(db.Model):
    """Until when an agreement's stored deadlines and status hold: the first day on which a
    refresh could find them different (a date passes, a window edge moves, an amendment or a
    notice takes effect). The daily refresh recomputes only the agreements whose day has come
    (see ``app.deadlines.services.refresh_due``)."""

    __tablename__ = "deadline_validity"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    valid_until: Mapped[date] = mapped_column(Date, index=True)


class DeadlineSpan(db.Model):
    """A deadline as it reads on every as-of day in ``[valid_from, valid_to)``: an agreement's,
    or one of no agreement whose producer says how it reads over a span
    (``register_global_span``).

    The rows of an agreement cover every as-of day of its coverage (see
    ``DeadlineSpanCoverage``): deadlines as of any day in the register's span are then read with
    one indexed query, not computed agreement by agreement (``app.deadlines.services``). Overdue
    is relative to the day asked and is read then, not stored."""

    __tablename__ = "deadline_spans"
    __table_args__ = (
        CheckConstraint(one_of("kind", DEADLINE_KINDS), name="kind"),
        CheckConstraint("valid_from < valid_to", name="valid_interval"),
        Index("ix_deadline_spans_date_kind", "date", "kind", "agreement_id", "key"),
        Index(
            "ix_deadline_spans_kind_date",
            "kind",
            "date",
            "agreement_id",
            "key",
            postgresql_include=["valid_from", "valid_to"],
        ),
        Index("ix_deadline_spans_valid", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    obligation_id: Mapped[int | None] = mapped_column(
        ForeignKey("obligations.id", ondelete="CASCADE")
    )
    # The deadlines of no agreement (a huvudman's 1 March application) name what they are about
    # as the daily rows do.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    series_code: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    date: Mapped[date] = mapped_column(Date)
    business_day: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)  # the first as-of day it no longer holds
    # A missing index value: whether every agreement it concerns had ended (as Deadline).
    only_ended: Mapped[bool | None] = mapped_column(nullable=True)


class DeadlineSpanCoverage(db.Model):
    """The as-of days an agreement's ``DeadlineSpan`` rows answer for, from ``covered_from``
    to ``covered_to``. The daily refresh recomputes the agreements whose coverage falls short
    of the span it moves to."""

    __tablename__ = "deadline_span_coverage"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    covered_from: Mapped[date] = mapped_column(Date)
    covered_to: Mapped[date] = mapped_column(Date, index=True)


class DeadlineSpanRefresh(db.Model):
    """The as-of days every agreement's ``DeadlineSpan`` rows answer for (one row): written by
    the bulk refreshes, which bring every agreement's coverage to at least this span."""

    __tablename__ = "deadline_span_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    span_from: Mapped[date] = mapped_column(Date)
    span_to: Mapped[date] = mapped_column(Date)


class DeadlineGlobalSpanState(db.Model):
    """What the stored span rows of one producer of deadlines of no agreement answer for (one
    row per producer, ``name``): the as-of days ``covered_from`` to ``covered_to``, computed at
    ``computed_at`` from data whose fingerprint was ``fingerprint``. The daily refresh
    recomputes them only when that data changed or the span moves past them
    (``app.deadlines.services.register_global_span``)."""

    __tablename__ = "deadline_global_span_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    covered_from: Mapped[date] = mapped_column(Date)
    covered_to: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str | None] = mapped_column(String(500))
    computed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class DeadlineOrganisationSource(db.Model):
    """For the span rows of an organisation's deadlines (a huvudman's 1 March application):
    the agreements they were computed from, so that a change of one of them recomputes only
    its organisations' rows. No foreign key: a deleted agreement's organisations are found by
    its rows here. ``digest``: of all the rows were computed from of the agreement (its terms,
    FTE, parties, live notices and amendments), so that an edit of anything else (a title, the
    money) recomputes no organisation's rows."""

    __tablename__ = "deadline_organisation_sources"
    __table_args__ = (Index("ix_deadline_organisation_sources_agreement", "agreement_id"),)

    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str | None] = mapped_column(String(32))


class DeadlineOrganisationCoverage(db.Model):
    """The last as-of day an organisation's span rows answer for; the daily refresh recomputes
    the organisations whose day the span passes, a few a day (spread like the agreements')."""

    __tablename__ = "deadline_organisation_coverage"

    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    covered_to: Mapped[date] = mapped_column(Date, index=True)
