"""Agreements, their parties and watchers, attachments, terminations, obligations and the
audit trail of every change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import FTE, AwareDateTime, one_of, utcnow
from app.extensions import db

#: The text the agreement list's free-text search matches on PostgreSQL; the same expression in
#: the GIN index and in the query (app.agreements.search), so the index is used.
SEARCH_VECTOR_SQL = (
    "to_tsvector('swedish'::regconfig, (COALESCE(title, ''::character varying)::text "
    "|| ' '::text) || COALESCE(diarienummer, ''::character varying)::text)"
)

AGREEMENT_KINDS = (
    "verksamhetsuppdrag",
    "samverkansavtal",
    "overenskommelse",
    "iop",
    "upphandlat_avtal",
)
# What people record about where an agreement stands; the status shown is computed from this
# and the dates (app.agreements.rules.lifecycle_status).
STAGES = ("procurement", "draft", "decided", "archived")
PARTY_ROLES = ("bestallare", "utforare", "part", "huvudman", "finansiar")
#: The roles of the municipality that runs the activity (huvudman): it applies to Länsstyrelsen
#: for the statsbidrag and accounts for the year.
HUVUDMAN_ROLES = ("bestallare", "huvudman")
INVOICING = ("monthly", "quarterly", "yearly")

agreement_watchers = Table(
    "agreement_watchers",
    db.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)


class Agreement(db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(one_of("kind", AGREEMENT_KINDS), name="kind"),
        CheckConstraint(one_of("stage", STAGES), name="stage"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="end_after_start",
        ),
        CheckConstraint(
            "notice_period_months IS NULL OR notice_period_months > 0",
            name="notice_months_positive",
        ),
        CheckConstraint(
            "notice_period_days IS NULL OR notice_period_days > 0", name="notice_days_positive"
        ),
        CheckConstraint(
            "extension_months IS NULL OR extension_months > 0", name="extension_positive"
        ),
        CheckConstraint(
            "max_extensions IS NULL OR max_extensions >= 0", name="max_extensions_positive"
        ),
        CheckConstraint("fte IS NULL OR fte >= 0", name="fte_not_negative"),
        UniqueConstraint("board_id", "diarienummer"),
        # The agreement list's sort (title, id) with and without its broad filters, so a page
        # is read from an index in order instead of sorting every agreement (app.agreements.search).
        Index("ix_agreements_title_id", "title", "id"),
        Index("ix_agreements_kind_title_id", "kind", "title", "id"),
        Index("ix_agreements_status_title_id", "status", "title", "id"),
        # PostgreSQL: free-text search in Swedish over title and diarienummer (GIN).
        Index(
            "ix_agreements_search_sv",
            text(SEARCH_VECTOR_SQL),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    diarienummer: Mapped[str | None] = mapped_column(String(100), index=True)
    stage: Mapped[str] = mapped_column(String(20), default="decided")
    # The computed lifecycle status as of the last refresh (on every change and daily), so
    # lists can filter on it in SQL; pages showing one agreement compute it for their as-of.
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_units.id"), index=True)
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_units.id"))

    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # None: tills vidare
    notice_period_months: Mapped[int | None] = mapped_column(Integer)
    notice_period_days: Mapped[int | None] = mapped_column(Integer)
    notice_must_be_written: Mapped[bool] = mapped_column(default=False)
    notice_ends_at_month_end: Mapped[bool] = mapped_column(default=False)
    extension_months: Mapped[int | None] = mapped_column(Integer)
    max_extensions: Mapped[int | None] = mapped_column(Integer)
    continues_open_ended: Mapped[bool] = mapped_column(default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)

    fte: Mapped[Decimal | None] = mapped_column(FTE)
    invoicing: Mapped[str] = mapped_column(String(20), default="monthly")
    invoicing_party_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Comma-separated days before a deadline, overriding the default lead times ("180,90,30,7,0").
    reminder_lead_days: Mapped[str | None] = mapped_column(String(100))

    responsible_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The agreement this one renews (a new överenskommelse, a new IOP period): one chain.
    predecessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    board = relationship("OrganisationUnit", foreign_keys=[board_id])
    administration = relationship("OrganisationUnit", foreign_keys=[administration_id])
    invoicing_party = relationship("Organisation", foreign_keys=[invoicing_party_id])
    responsible_person = relationship("Person", foreign_keys=[responsible_person_id])
    watchers = relationship("Person", secondary=agreement_watchers, order_by="Person.name")
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Attachment.uploaded_at"
    )
    terminations: Mapped[list[Termination]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="Termination.received_date",
    )
    obligations: Mapped[list[Obligation]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Obligation.id"
    )
    audit_entries: Mapped[list[AuditEntry]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AuditEntry.id.desc()"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="(Amendment.effective_date, Amendment.id)",
    )
    predecessor: Mapped[Agreement | None] = relationship(
        remote_side=[id], foreign_keys=[predecessor_id], back_populates="successors"
    )
    successors: Mapped[list[Agreement]] = relationship(
        foreign_keys=[predecessor_id], back_populates="predecessor", order_by="Agreement.id"
    )

    # SQLAlchemy raises StaleDataError if two transactions update the same version: the
    # last line of defence behind the explicit version check in the services.
    __mapper_args__ = {"version_id_col": version}

    @property
    def active_termination(self) -> Termination | None:
        live = [t for t in self.terminations if t.withdrawn_at is None]
        return live[-1] if live else None

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.title!r}>"


#: PostgreSQL keeps the agreement list's broad counts in ``agreement_list_counts`` (see
#: :class:`AgreementListCount`): statement triggers on ``agreements`` add what each INSERT,
#: UPDATE, DELETE or TRUNCATE changed, in the same transaction. The migration and
#: ``create_all`` (below) install the same SQL.
LIST_COUNT_TRIGGER_SQL = (
    """
CREATE OR REPLACE FUNCTION agreement_list_counts_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM agreement_list_counts;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO agreement_list_counts (kind, status, archived, n)
        SELECT kind, status, stage = 'archived', count(*) FROM kept_new GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO agreement_list_counts (kind, status, archived, n)
        SELECT kind, status, stage = 'archived', -count(*) FROM kept_old GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO agreement_list_counts (kind, status, archived, n)
        SELECT kind, status, archived, sum(n) FROM (
            SELECT kind, status, stage = 'archived' AS archived, 1 AS n FROM kept_new
            UNION ALL
            SELECT kind, status, stage = 'archived', -1 FROM kept_old
        ) AS changed
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER agreement_list_counts_insert AFTER INSERT ON agreements "
    "REFERENCING NEW TABLE AS kept_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION agreement_list_counts_keep()",
    "CREATE TRIGGER agreement_list_counts_update AFTER UPDATE ON agreements "
    "REFERENCING OLD TABLE AS kept_old NEW TABLE AS kept_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION agreement_list_counts_keep()",
    "CREATE TRIGGER agreement_list_counts_delete AFTER DELETE ON agreements "
    "REFERENCING OLD TABLE AS kept_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION agreement_list_counts_keep()",
    "CREATE TRIGGER agreement_list_counts_truncate AFTER TRUNCATE ON agreements "
    "FOR EACH STATEMENT EXECUTE FUNCTION agreement_list_counts_keep()",
)

for _statement in LIST_COUNT_TRIGGER_SQL:
    event.listen(
        Agreement.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )


class AgreementListCount(db.Model):
    """How many agreements there are per kind, status and whether archived, as rows to be
    summed (PostgreSQL only; the triggers above add them): the unfiltered agreement list and
    the list by kind or status count these few rows instead of every agreement
    (``app.agreements.search``). Rows are only ever added, so no two transactions wait on
    one; the nightly job folds them into one row per group (``search.compact_counts``)."""

    __tablename__ = "agreement_list_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(20))
    archived: Mapped[bool | None]
    n: Mapped[int] = mapped_column(Integer)


class AgreementParty(db.Model):
    __tablename__ = "agreement_parties"
    __table_args__ = (
        CheckConstraint(one_of("role", PARTY_ROLES), name="role"),
        UniqueConstraint("agreement_id", "organisation_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation = relationship("Organisation")


class Attachment(db.Model):
    """A stored file (signed PDF, notice letter, report); the bytes live under instance/."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="attachments")
    uploaded_by = relationship("User")


class Termination(db.Model):
    """A notice (uppsägning): who gave it, to whom, when it was received, and its effect."""

    __tablename__ = "terminations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    addressed_to_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    received_date: Mapped[date] = mapped_column(Date)
    written: Mapped[bool] = mapped_column(default=True)
    effective_end_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship(back_populates="terminations")
    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    addressed_to = relationship("Organisation", foreign_keys=[addressed_to_id])
    attachment = relationship("Attachment")
    created_by = relationship("User", foreign_keys=[created_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])


class Amendment(db.Model):
    """A tilläggsavtal: what changes in the agreement from ``effective_date`` on.

    ``changes`` holds only the fields it names (JSON: dates as ``YYYY-MM-DD``, FTE as a string,
    ``parties`` as ``[{organisation_id, role}]``, ``compensation`` as ``{from_year, items}``);
    the terms in force on a day are read through ``app.agreements.terms``. A withdrawn
    amendment counts on no day.
    """

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    effective_date: Mapped[date] = mapped_column(Date)
    signed_date: Mapped[date | None] = mapped_column(Date)
    diarienummer: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="amendments")
    attachment = relationship("Attachment")
    created_by = relationship("User", foreign_keys=[created_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])


RECURRENCES = ("once", "yearly", "semiannual", "quarterly", "monthly")


class Obligation(db.Model):
    """A duty under the agreement: a report, a certificate, statistics …"""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint(one_of("recurrence", RECURRENCES), name="recurrence"),
        CheckConstraint("due_month IS NULL OR (due_month BETWEEN 1 AND 12)", name="month_range"),
        CheckConstraint("due_day IS NULL OR (due_day BETWEEN 1 AND 31)", name="day_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    recurrence: Mapped[str] = mapped_column(String(20), default="yearly")
    due_month: Mapped[int | None] = mapped_column(Integer)
    due_day: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)  # for "once"
    # "One week before the insurance expires": the anchor date and the days before it.
    relative_to_label: Mapped[str | None] = mapped_column(String(200))
    days_before: Mapped[int | None] = mapped_column(Integer)
    responsible_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # "statistics": the provider's yearly statistics; recording them (app.grants) meets it.
    fulfilled_by: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="obligations")
    responsible_organisation = relationship("Organisation")
    fulfilments: Mapped[list[ObligationFulfilment]] = relationship(
        back_populates="obligation",
        cascade="all, delete-orphan",
        order_by="ObligationFulfilment.due_date",
    )


class ObligationFulfilment(db.Model):
    """The record that an obligation's occurrence (its due date) was met."""

    __tablename__ = "obligation_fulfilments"
    __table_args__ = (UniqueConstraint("obligation_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("obligations.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    met_on: Mapped[date] = mapped_column(Date)
    met_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    obligation: Mapped[Obligation] = relationship(back_populates="fulfilments")
    met_by = relationship("User")
    attachment = relationship("Attachment")


class AuditEntry(db.Model):
    """Who changed what on an agreement, when: one row per changed field."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_agreement_at", "agreement_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: an account event (sign-in, refusal, role from claims, password set), not an agreement's.
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))  # created, updated, party_added, …
    field: Mapped[str | None] = mapped_column(String(80))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    agreement: Mapped[Agreement] = relationship(back_populates="audit_entries")
    user = relationship("User")
