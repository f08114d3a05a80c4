"""Models of the reminders package: the reminder log (the single source of truth for "was this
reminded?"), the in-app inbox, each person's preferences, calendar-feed tokens and a record of
each sweep.

A ``ReminderLog`` row is one (deadline key, lead time, recipient, channel). Its unique
constraint is what makes a reminder go out exactly once, whichever process plans it. The row
refers to the deadline by ``Deadline.key`` (stable across refreshes), never by its id, and keeps
a snapshot of what the reminder says, so it can still be shown (or cancelled) after the
deadline row is rebuilt or deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import AwareDateTime, one_of, utcnow
from app.extensions import db

CHANNELS = ("email", "inbox")
# pending: waiting to be delivered (maybe after a failed attempt, see next_attempt_at);
# sending: claimed by a sweep that is delivering it right now; sent: delivered;
# failed: given up (permanent error or too many attempts) and shown to admins;
# skipped: an older lead time missed during downtime, superseded by a later one;
# cancelled: the deadline vanished (agreement deleted, date moved) before delivery.
STATUSES = ("pending", "sending", "sent", "failed", "skipped", "cancelled")

__all__ = [
    "CalendarToken",
    "Notification",
    "ReminderLog",
    "ReminderPreference",
    "ReminderSweep",
]


class ReminderLog(db.Model):
    __tablename__ = "reminder_logs"
    __table_args__ = (
        Unique("deadline_key", "lead_days", "recipient", "channel", name="uq_reminder_logs_once"),
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint("lead_days >= 0", name="lead_not_negative"),
        Index("ix_reminder_logs_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_key: Mapped[str] = mapped_column(String(200))
    lead_days: Mapped[int] = mapped_column(Integer)
    # "person:12" or "user:7" (a finance or admin login without a person).
    recipient: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))

    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(254))
    # Snapshot of the deadline when planned (no foreign key: the agreement may be deleted).
    agreement_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    deadline_date: Mapped[date] = mapped_column(Date)
    business_day: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # business_day - lead_days
    planned_for: Mapped[date] = mapped_column(Date)  # the as-of of the sweep that planned it
    late: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[bool] = mapped_column(default=False)

    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    via: Mapped[str | None] = mapped_column(String(10))  # smtp, log, inbox
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    person = relationship("Person")
    user = relationship("User")

    def __repr__(self) -> str:
        return (
            f"<ReminderLog {self.deadline_key} -{self.lead_days} {self.recipient} "
            f"{self.channel} {self.status}>"
        )


class Notification(db.Model):
    """One message in a person's (or, for admins and finance staff without a person, a
    user's) in-app inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("person_id IS NOT NULL OR user_id IS NOT NULL", name="has_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    deadline_key: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    deadline_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class ReminderPreference(db.Model):
    """What a person wants reminding of: the kinds of deadline (None: all) and whether mail
    comes as one digest per sweep instead of one mail per reminder."""

    __tablename__ = "reminder_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    kinds: Mapped[str | None] = mapped_column(String(200))  # comma-separated; None: all
    digest: Mapped[bool] = mapped_column(default=False)
    email_enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def kind_list(self) -> list[str] | None:
        if self.kinds is None:
            return None
        return [k for k in self.kinds.split(",") if k]


class CalendarToken(db.Model):
    """The secret in a person's calendar-feed URL. The token itself is stored (not a hash) so
    the profile page can show the link again; it only grants reading that person's deadlines,
    and regenerating it makes the old URL stop working at once."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    person = relationship("Person")


class ReminderSweep(db.Model):
    """One run of the sweep: when, for which as-of day, and what it did."""

    __tablename__ = "reminder_sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    worker: Mapped[str | None] = mapped_column(String(80))
    planned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    clock_went_back: Mapped[bool] = mapped_column(default=False)
