"""The reminder sweep: plan what is due into the reminder log, then deliver it exactly once.

How "exactly once" holds
------------------------
*Plan.* ``run_sweep(as_of)`` reads, in one query, the deadlines whose reminder window contains
``as_of`` (``business_day - max lead <= as_of <= date + REMINDER_CATCHUP_DAYS``), works out in
Python which lead times have come due for which recipients and channels, bulk-checks the log,
and inserts the missing rows with ``INSERT … ON CONFLICT DO NOTHING`` on the unique key
(deadline key, lead days, recipient, channel). Two processes planning the same reminder at
the same moment therefore create one row; the loser's insert does nothing. The key is
``Deadline.key`` (a string), so a refresh that rebuilds the deadline rows changes nothing.

*Catch-up after downtime.* Any lead time whose day (``business_day - lead``) has passed and is
not in the log is due. Of those, only the latest (the smallest lead) is planned for delivery,
marked ``late`` when its day is before ``as_of``; older ones that were missed are recorded as
``skipped`` (nobody needs the "180 days left" mail when 30 days are left). What was already
sent stays sent: it is in the log. On-the-day reminders are still caught up to
``REMINDER_CATCHUP_DAYS`` (default 31, as far back as deadlines are kept) after the date, and
for what stays undone (an obligation not met, an index value not entered) without limit. A clock that jumped back (an as-of
earlier than the last sweep's) plans nothing new that was planned before, because the log
already holds it; the sweep is recorded with ``clock_went_back``.

*Deliver.* ``deliver_pending(now)`` claims rows in short transactions: ``SELECT … FOR UPDATE
SKIP LOCKED`` picks candidates (on PostgreSQL two processes never see the same row), then a
conditional ``UPDATE … SET status='sending', claimed_by=<this claim> WHERE id IN (…) AND
<still claimable>`` takes them, and the process works only on rows carrying its own claim
token (this second guard also makes SQLite, which has no row locks, safe). Then each message
is sent and its rows are marked ``sent`` and committed right away: claim → send → mark.

*Claims are leases.* A claim lives ``REMINDER_CLAIM_TIMEOUT_MINUTES`` (default 10) from its
last renewal, and the process holding it renews it (``ClaimLease``) every third of that while
it delivers, however slow the SMTP server is; only a claim whose owner has stopped renewing
(killed, hung) goes stale and may be taken over by another sweep. Before each message the
owner renews the claim on that message's rows if they are still its own (on PostgreSQL, which
also locks them until their mark is committed; on SQLite at each renewal), so an owner that stalled past the timeout and then woke up
leaves the taken-over rows to the sweep that took them. Two sweeps
over a slow server thus send each mail once.

*A process killed mid-sweep.* Rows it had not claimed are untouched and picked up by the next
sweep. Rows it had claimed stay ``sending``; once the claim is stale any sweep claims them
again and delivers them. Inbox rows are written in the same transaction as their mark, so they
are never doubled.

*What remains.* For mail the only window for a duplicate is a kill (or a database outage)
between the SMTP server's "250 OK" and the commit of the mark (milliseconds on PostgreSQL,
where each mark is committed at once; on SQLite, whose commits are slow fsyncs, marks are
committed every ``REMINDER_COMMIT_EVERY`` = 50 mails, so a kill can resend at most those), and
a process frozen (not killed) for longer than the claim timeout in the middle of one SMTP
transaction. We prefer that rare duplicate to a lost reminder. ``planned`` in a sweep's summary
counts the rows this sweep actually inserted.

*Failures.* An unreachable server or a temporary refusal puts the row back to ``pending`` with
``next_attempt_at`` growing 5, 10, 20 … minutes up to ``REMINDER_RETRY_MAX_MINUTES`` (6 h);
it is retried until delivered, never dropped. A permanent refusal or a malformed address marks
it ``failed`` (the in-app reminder still arrives). Admins get an inbox notification when rows
fail or have been retried ``REMINDER_ALERT_ATTEMPTS`` times, and see everything in the admin
log (where a failed row can be retried). A row whose deadline no longer exists (agreement
deleted, date moved) is ``cancelled`` instead of sent.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, text, update

from app.agreements.models import (
    Agreement,
    agreement_watchers,
)
from app.agreements.services import parse_lead_days
from app.auth.models import User
from app.core import clock
from app.db import utcnow
from app.deadlines.models import Deadline
from app.deadlines.services import OVERDUE_KINDS
from app.extensions import db
from app.parties.models import Person
from app.reminders.mail import (
    Item,
    Mailer,
    PermanentMailError,
    TransientMailError,
    compose,
    valid_address,
)
from app.reminders.models import Notification, ReminderLog, ReminderPreference, ReminderSweep

log = logging.getLogger("app.reminders")
CHUNK = 500


@dataclass
class SweepResult:
    as_of: date
    planned: int = 0
    skipped: int = 0
    sent: int = 0
    late: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    clock_went_back: bool = False

    def summary(self) -> str:
        return (
            f"{self.as_of.isoformat()}: planned {self.planned}, sent {self.sent}, "
            f"late {self.late}, failed {self.failed}, retry later {self.retried}, "
            f"skipped {self.skipped}, cancelled {self.cancelled}"
            + (" (clock went back)" if self.clock_went_back else "")
        )


@dataclass
class DeliveryResult:
    sent: int = 0
    late: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    alerts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Recipient:
    key: str
    person_id: int | None
    user_id: int | None
    email: str | None
    name: str
    kinds: frozenset[str] | None
    digest: bool
    email_enabled: bool


# --- settings -------------------------------------------------------------------------------


def _cfg(name: str, default):
    return current_app.config.get(name, default)


def default_lead_days() -> list[int]:
    return sorted({int(d) for d in _cfg("REMINDER_LEAD_DAYS", (180, 90, 30, 7, 0))}, reverse=True)


def lead_days_for(raw: str | None) -> list[int]:
    """An agreement's lead times: its own override, else the configured defaults."""
    try:
        return parse_lead_days(raw) or default_lead_days()
    except ValueError:
        log.warning("Ogiltiga påminnelsedagar %r; standardvärden används", raw)
        return default_lead_days()


def local_today(now: datetime | None = None) -> date:
    """The calendar day in Stockholm at ``now`` (for the CLI and scheduler, not the rules): the
    same day the pages and the API take as today (:func:`app.core.clock.today`)."""
    return clock.today(now)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def link_for(agreement_id: int | None, kind: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if agreement_id:
        return f"{base}/agreements/{agreement_id}"
    if kind == "index_missing":
        return f"{base}/index/"
    if kind == "grant_application":  # a huvudman's: its reports for the year
        return f"{base}/grants/"
    return f"{base}/"


# --- people ---------------------------------------------------------------------------------


def person_for_user(user) -> Person | None:
    """The person behind a login: only the explicit link ``User.person_id`` that an admin set
    (users page, ``flask users link``). Never a match on e-mail: anyone who may edit people
    could otherwise take over another login's inbox, calendar feed and settings by giving a
    person that login's address."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    if user.person_id:
        return db.session.get(Person, user.person_id)
    return None


def preference_for(person_id: int) -> ReminderPreference | None:
    return db.session.execute(
        db.select(ReminderPreference).filter_by(person_id=person_id)
    ).scalar_one_or_none()


def _person_recipients(person_ids: set[int]) -> dict[int, Recipient]:
    if not person_ids:
        return {}
    people = {}
    ids = sorted(person_ids)
    prefs: dict[int, ReminderPreference] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        for p in db.session.execute(db.select(Person).where(Person.id.in_(part))).scalars():
            people[p.id] = p
        for pref in db.session.execute(
            db.select(ReminderPreference).where(ReminderPreference.person_id.in_(part))
        ).scalars():
            prefs[pref.person_id] = pref
    out = {}
    for pid, p in people.items():
        pref = prefs.get(pid)
        kinds = pref.kind_list if pref else None
        out[pid] = Recipient(
            key=f"person:{pid}",
            person_id=pid,
            user_id=None,
            email=(p.email or "").strip() or None,
            name=p.name,
            kinds=frozenset(kinds) if kinds is not None else None,
            digest=bool(pref and pref.digest),
            email_enabled=pref.email_enabled if pref else True,
        )
    return out


def _huvudman_agreements(
    deadlines: set[tuple[int, int]],
) -> dict[int, list[tuple[int, int | None]]]:
    """organisation → [(agreement, its responsible person)] for the agreements whose
    application (the year) or account (the year before) a huvudman's 1 March deadline is: those
    it is beställare or huvudman of in that year, as a tilläggsavtal may have made it."""
    if not deadlines:
        return {}
    from app.grants.services import huvudman_agreements

    found: dict[int, dict[int, int | None]] = defaultdict(dict)
    for org_id, year in sorted(deadlines):
        for concerned in (year, year - 1):
            for agreement in huvudman_agreements(org_id, concerned):
                if agreement.archived_at is None and agreement.stage == "decided":
                    found[org_id][agreement.id] = agreement.responsible_person_id
    return {org: sorted(agreements.items()) for org, agreements in found.items()}


def _users_with_role(role: str) -> list[Recipient]:
    """Active users of ``role``, each as their person when they have one (so preferences and
    the inbox are shared), else as the login itself."""
    users = db.session.execute(
        db.select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    ).scalars()
    out: list[Recipient] = []
    seen: set[str] = set()
    for user in users:
        person = person_for_user(user)
        if person is not None:
            rec = _person_recipients({person.id})[person.id]
        else:
            rec = Recipient(
                key=f"user:{user.id}",
                person_id=None,
                user_id=user.id,
                email=(user.email or "").strip() or None,
                name=user.display_name,
                kinds=None,
                digest=False,
                email_enabled=True,
            )
        if rec.key not in seen:
            seen.add(rec.key)
            out.append(rec)
    return out


# --- the sweep ------------------------------------------------------------------------------


def run_sweep(as_of: date, now: datetime | None = None) -> SweepResult:
    """Plan what is due on ``as_of`` and deliver everything pending. Commits as it goes."""
    now = now or utcnow()
    result = SweepResult(as_of=as_of)
    last = db.session.execute(db.select(func.max(ReminderSweep.as_of))).scalar()
    if last is not None and as_of < last:
        result.clock_went_back = True
        log.warning("Påminnelsekörning för %s är tidigare än förra körningen (%s)", as_of, last)
    result.planned, result.skipped = plan_reminders(as_of)
    db.session.commit()
    delivered = deliver_pending(now, today=as_of)
    result.sent, result.late, result.failed = delivered.sent, delivered.late, delivered.failed
    result.retried, result.cancelled = delivered.retried, delivered.cancelled
    db.session.add(
        ReminderSweep(
            as_of=as_of,
            started_at=now,
            finished_at=utcnow(),
            worker=worker_name(),
            planned=result.planned,
            skipped=result.skipped,
            sent=result.sent,
            late=result.late,
            failed=result.failed,
            clock_went_back=result.clock_went_back,
        )
    )
    db.session.commit()
    log.info("Påminnelser %s", result.summary())
    return result


def deadlines_as_of(day: date) -> bool:
    """Make the stored deadlines describe ``day`` before a sweep plans from them: refresh them
    for ``day`` (``refresh_due``, which also sets each agreement's status as of that day) unless
    every stored row already does. Returns whether it refreshed; commits.

    An operator's sweep for any day (``reminders run --as-of D``) then plans from D's deadlines,
    and a scheduler that was down over the nightly refresh does not sweep today on yesterday's."""
    from app.deadlines.services import refresh_due, stored_as_of

    if stored_as_of() == day:
        return False
    log.info("Fristerna gäller %s, inte %s: de uppdateras först", stored_as_of(), day)
    refresh_due(day)
    db.session.commit()
    return True


def plan_reminders(as_of: date) -> tuple[int, int]:
    """Insert the reminders due on ``as_of`` into the log; returns (planned, skipped)."""
    defaults = default_lead_days()
    overrides = db.session.execute(
        db.select(Agreement.reminder_lead_days)
        .where(Agreement.reminder_lead_days.is_not(None))
        .distinct()
    ).scalars()
    max_lead = max([*defaults, *(max(lead_days_for(raw)) for raw in overrides)])
    grace = int(_cfg("REMINDER_CATCHUP_DAYS", 31))
    # A reminder is late only when a sweep should have sent it and none ran: the last sweep
    # before this one was before its day. A deadline that is new (or a first sweep ever) is
    # reminded of now, not "late".
    previous_sweep = db.session.execute(
        db.select(func.max(ReminderSweep.as_of)).where(ReminderSweep.as_of < as_of)
    ).scalar()

    rows = db.session.execute(
        db.select(Deadline, Agreement.reminder_lead_days, Agreement.responsible_person_id)
        .outerjoin(Agreement, Agreement.id == Deadline.agreement_id)
        .where(
            Deadline.business_day <= as_of + timedelta(days=max_lead),
            # An unmet obligation or a missing index value stays a deadline until it is done:
            # after any downtime it is still reminded of (once, late).
            (Deadline.date >= as_of - timedelta(days=grace)) | Deadline.kind.in_(OVERDUE_KINDS),
            Agreement.archived_at.is_(None),
        )
        .order_by(Deadline.id)
    ).all()
    if not rows:
        return 0, 0

    # Which lead times have come due, per deadline.
    due: list[tuple[Deadline, list[int], int | None]] = []
    agreement_ids: set[int] = set()
    for deadline, raw_leads, responsible_id in rows:
        hits = [
            lead
            for lead in lead_days_for(raw_leads)
            if deadline.business_day - timedelta(days=lead) <= as_of
        ]
        if hits:
            due.append((deadline, sorted(hits), responsible_id))
            if deadline.agreement_id:
                agreement_ids.add(deadline.agreement_id)
    if not due:
        return 0, 0

    # Who: the responsible official and watchers; for a huvudman's deadline those of its
    # agreements that bring statsbidrag; finance staff for missing index values.
    people_of: dict[int, list[int]] = defaultdict(list)
    for deadline, _hits, responsible_id in due:
        if deadline.agreement_id and responsible_id:
            people_of[deadline.agreement_id].append(responsible_id)
    agreements_of_org = _huvudman_agreements(
        {(d.organisation_id, d.year) for d, _, _ in due if d.organisation_id and d.year}
    )
    for org_agreements in agreements_of_org.values():
        for agreement_id, responsible_id in org_agreements:
            agreement_ids.add(agreement_id)
            if responsible_id:
                people_of[agreement_id].append(responsible_id)
    ids = sorted(agreement_ids)
    for i in range(0, len(ids), CHUNK):
        for agreement_id, person_id in db.session.execute(
            db.select(agreement_watchers.c.agreement_id, agreement_watchers.c.person_id).where(
                agreement_watchers.c.agreement_id.in_(ids[i : i + CHUNK])
            )
        ):
            people_of[agreement_id].append(person_id)
    recipients = _person_recipients({p for ps in people_of.values() for p in ps})
    finance = (
        _users_with_role("finance") if any(d.kind == "index_missing" for d, _, _ in due) else []
    )

    # What is already in the log, in bulk.
    keys = sorted({d.key for d, _, _ in due})
    logged: set[tuple[str, int, str, str]] = set()
    for i in range(0, len(keys), CHUNK):
        logged.update(
            db.session.execute(
                db.select(
                    ReminderLog.deadline_key,
                    ReminderLog.lead_days,
                    ReminderLog.recipient,
                    ReminderLog.channel,
                ).where(ReminderLog.deadline_key.in_(keys[i : i + CHUNK]))
            ).all()
        )

    new_rows: list[dict] = []
    for deadline, hits, _responsible in due:
        if deadline.kind == "index_missing":
            targets = finance
        else:
            if deadline.organisation_id:
                concerned = [a for a, _r in agreements_of_org.get(deadline.organisation_id, [])]
            else:
                concerned = [deadline.agreement_id]
            seen: set[int] = set()
            targets = []
            for pid in (p for a in concerned for p in people_of.get(a, [])):
                if pid not in seen and pid in recipients:
                    seen.add(pid)
                    targets.append(recipients[pid])
        latest = hits[0]  # the smallest lead time: the most recent reminder day
        for rec in targets:
            if rec.kinds is not None and deadline.kind not in rec.kinds:
                continue
            channels = ["inbox"]
            if rec.email and rec.email_enabled:
                channels.append("email")
            for channel in channels:
                for lead in hits:
                    if (deadline.key, lead, rec.key, channel) in logged:
                        continue
                    due_on = deadline.business_day - timedelta(days=lead)
                    status = "pending" if lead == latest else "skipped"
                    new_rows.append(
                        {
                            "deadline_key": deadline.key,
                            "lead_days": lead,
                            "recipient": rec.key,
                            "channel": channel,
                            "person_id": rec.person_id,
                            "user_id": rec.user_id,
                            "email": rec.email if channel == "email" else None,
                            "agreement_id": deadline.agreement_id,
                            "kind": deadline.kind,
                            "title": deadline.title[:300],
                            "deadline_date": deadline.date,
                            "business_day": deadline.business_day,
                            "due_on": due_on,
                            "planned_for": as_of,
                            "late": status == "pending"
                            and due_on < as_of
                            and previous_sweep is not None
                            and previous_sweep < due_on,
                            "digest": rec.digest and channel == "email",
                            "status": status,
                            "attempts": 0,
                            "created_at": utcnow(),
                        }
                    )
    if not new_rows:
        return 0, 0
    table = ReminderLog.__table__
    if _is_postgres():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(table)
        .on_conflict_do_nothing(
            index_elements=["deadline_key", "lead_days", "recipient", "channel"]
        )
        .returning(table.c.status)
    )
    # Count what was inserted, not what was meant: a row another process planned a moment
    # earlier is not inserted here (ON CONFLICT DO NOTHING) and is not counted twice.
    planned = skipped = 0
    for i in range(0, len(new_rows), CHUNK):
        for status in db.session.execute(stmt, new_rows[i : i + CHUNK]).scalars():
            if status == "skipped":
                skipped += 1
            else:
                planned += 1
    if _is_postgres() and len(new_rows) >= BULK_ANALYZE_ROWS:
        # Thousands of fresh rows (the first sweep of a large installation): give the planner
        # their statistics now rather than when autovacuum gets to it, or the next look-ups in
        # the log may scan the table (seen: 80 s instead of 1 s for the next sweep's planning).
        db.session.execute(text("ANALYZE reminder_logs"))
    db.session.flush()
    return planned, skipped


# --- delivery -------------------------------------------------------------------------------


def claim_timeout() -> timedelta:
    """How long a claim lives without being renewed before another sweep may take it over:
    ``REMINDER_CLAIM_TIMEOUT_MINUTES`` (default 10; fractions allowed)."""
    return timedelta(minutes=float(_cfg("REMINDER_CLAIM_TIMEOUT_MINUTES", 10)))


class ClaimLease:
    """Keeps this process's claim alive while it delivers: every third of the claim timeout
    (on the sweep's clock, ``now`` moved on by the time really spent) it sets ``claimed_at``
    of its still-unfinished rows to the present and commits. A claim therefore goes stale only
    when its owner has stopped (killed, hung), never under a live but slow sender; and rows
    another sweep took over meanwhile (this process stalled past the timeout) are no longer
    ours and are left alone."""

    def __init__(self, token: str, now: datetime):
        self.token = token
        self.now = now
        self._started = time.monotonic()
        self._renewed = self._started
        self.every = claim_timeout().total_seconds() / 3

    def clock(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._started)

    def due(self) -> bool:
        return time.monotonic() - self._renewed >= self.every

    def hold(self, rows: list[ReminderLog]) -> bool:
        """Right before sending: renew the claim on these rows if they are still ours, which
        also locks them until the mark is committed (on PostgreSQL another sweep's ``FOR
        UPDATE SKIP LOCKED`` passes them by; SQLite has one writer at a time). False when
        another sweep took them over meanwhile."""
        ids = [r.id for r in rows]
        result = db.session.execute(
            update(ReminderLog)
            .where(
                ReminderLog.id.in_(ids),
                ReminderLog.claimed_by == self.token,
                ReminderLog.status == "sending",
            )
            .values(claimed_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == len(ids)

    def renew(self) -> set[int]:
        """Renew the claim on every row still ours and unfinished; returns their ids. The
        caller commits (with its pending marks)."""
        self._renewed = time.monotonic()
        db.session.flush()
        db.session.execute(
            update(ReminderLog)
            .where(ReminderLog.claimed_by == self.token, ReminderLog.status == "sending")
            .values(claimed_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        return set(
            db.session.execute(
                db.select(ReminderLog.id).where(
                    ReminderLog.claimed_by == self.token, ReminderLog.status == "sending"
                )
            ).scalars()
        )


def _claim(now: datetime, batch: int) -> tuple[str, list[ReminderLog]]:
    """Take up to ``batch`` deliverable rows for this process; commits the claim."""
    stale = now - claim_timeout()
    claimable = or_(
        and_(
            ReminderLog.status == "pending",
            or_(ReminderLog.next_attempt_at.is_(None), ReminderLog.next_attempt_at <= now),
        ),
        and_(ReminderLog.status == "sending", ReminderLog.claimed_at < stale),
    )
    ids = (
        db.session.execute(
            db.select(ReminderLog.id)
            .where(claimable)
            .order_by(ReminderLog.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    if ids:
        db.session.execute(
            update(ReminderLog)
            .where(ReminderLog.id.in_(ids), claimable)
            .values(
                status="sending",
                claimed_at=now,
                claimed_by=token,
                attempts=ReminderLog.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if not ids:
        return token, []
    rows = (
        db.session.execute(
            db.select(ReminderLog)
            .where(ReminderLog.claimed_by == token, ReminderLog.status == "sending")
            .order_by(ReminderLog.id)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    return token, rows


BULK_ANALYZE_ROWS = 5000


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _backoff(attempts: int) -> timedelta:
    cap = int(_cfg("REMINDER_RETRY_MAX_MINUTES", 360))
    return timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), cap))


def _item(row: ReminderLog, today: date) -> Item:
    return Item(
        kind=row.kind,
        title=row.title,
        deadline_date=row.deadline_date,
        business_day=row.business_day,
        today=today,
        late=row.late,
        link=link_for(row.agreement_id, row.kind),
    )


def deliver_pending(
    now: datetime | None = None, batch: int = 200, today: date | None = None
) -> DeliveryResult:
    """Deliver every claimable row (one SMTP connection for the whole run). ``today`` is the
    day the messages count from ("om 41 dagar"): the sweep's as-of day, by default the local
    date of ``now``."""
    now = now or utcnow()
    today = today or local_today(now)
    result = DeliveryResult()
    mailer = Mailer()
    smtp_down: str | None = None
    alert_after = int(_cfg("REMINDER_ALERT_ATTEMPTS", 3))
    # The rows are ours once claimed: committing a mark need not expire (and later reload)
    # everything the session holds, which made each commit cost more the more it held.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        while True:
            token, rows = _claim(now, batch)
            if not rows:
                break
            lease = ClaimLease(token, now)
            # Deadlines still standing (the agreement neither deleted nor archived).
            existing = set(
                db.session.execute(
                    db.select(Deadline.key)
                    .outerjoin(Agreement, Agreement.id == Deadline.agreement_id)
                    .where(
                        Deadline.key.in_({r.deadline_key for r in rows}),
                        or_(Deadline.agreement_id.is_(None), Agreement.id.is_not(None)),
                        Agreement.archived_at.is_(None),
                    )
                ).scalars()
            )
            mail_groups: dict[tuple[str, int | str], list[ReminderLog]] = defaultdict(list)
            for row in rows:
                if row.deadline_key not in existing:
                    row.status = "cancelled"
                    row.last_error = "Fristen finns inte längre (avtalet borttaget eller ändrat)."
                    result.cancelled += 1
                elif row.channel == "inbox":
                    if _to_inbox(row, today, now):
                        result.sent += 1
                        result.late += row.late
                    else:
                        result.cancelled += 1
                else:
                    group = row.recipient if row.digest else row.id
                    mail_groups[(row.recipient, group)].append(row)
            db.session.commit()  # cancellations and inbox deliveries, with their marks

            # PostgreSQL: commit each mark right after its send (cheap there). SQLite fsyncs
            # every commit and is single-process anyway: mark in groups of 50.
            every = int(_cfg("REMINDER_COMMIT_EVERY", 1 if _is_postgres() else 50))
            unsaved = 0
            _relaxed_commits()
            for group_rows in mail_groups.values():
                if lease.due():
                    ours = lease.renew()
                    db.session.commit()
                    _relaxed_commits()
                    unsaved = 0
                    if not all(r.id in ours for r in group_rows):
                        # Taken over while this process stalled: the other sweep delivers it.
                        log.warning("Påminnelser togs över av en annan körning: %s", group_rows)
                        for r in group_rows:
                            db.session.expire(r)
                        continue
                # PostgreSQL: hold the rows (checked and locked) right before each send. SQLite
                # has a single writer and would hold its lock over the slow sends: there the
                # periodic renewal above checks ownership.
                if _is_postgres() and not lease.hold(group_rows):
                    log.warning("Påminnelser togs över av en annan körning: %s", group_rows)
                    for r in group_rows:
                        db.session.expire(r)
                    continue
                first = group_rows[0]
                try:
                    if smtp_down:
                        raise TransientMailError(smtp_down)
                    address = valid_address(first.email)
                    if address is None:
                        raise PermanentMailError(
                            f"Ogiltig e-postadress: {first.email!r}. Rätta personens e-post."
                        )
                    name = first.person.name if first.person else None
                    mailer.send(compose(address, [_item(r, today) for r in group_rows], name))
                except PermanentMailError as exc:
                    for r in group_rows:
                        r.status, r.last_error = "failed", str(exc)
                        result.failed += 1
                    result.alerts.append(f"{first.recipient}: {exc}")
                except TransientMailError as exc:
                    if "kan inte nås" in str(exc):
                        smtp_down = str(exc)
                    for r in group_rows:
                        r.status, r.last_error = "pending", str(exc)
                        r.next_attempt_at = now + _backoff(r.attempts)
                        result.retried += 1
                        if r.attempts == alert_after:
                            result.alerts.append(f"{r.recipient}: {exc}")
                else:
                    for r in group_rows:
                        r.status, r.sent_at, r.via, r.last_error = "sent", now, mailer.via, None
                        result.sent += 1
                        result.late += r.late
                unsaved += 1
                if unsaved >= every:
                    db.session.commit()  # mark right after the send: the duplicate window is tiny
                    _relaxed_commits()
                    unsaved = 0
            db.session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
        mailer.close()
        if db.session.is_active:
            db.session.rollback()
    if result.alerts:
        _alert_admins(result.alerts, now)
        db.session.commit()
    return result


def _relaxed_commits() -> None:
    """On PostgreSQL, let the next transaction's commit return before its WAL reaches the disk.

    A mark committed this way survives anything but a crash of the database server itself in
    the following fraction of a second; then the mail it marks could be sent once more. That
    rare duplicate is the price of not waiting for a disk flush per mail (which made 1 000
    mails take minutes instead of seconds)."""
    if _is_postgres():
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _inbox_body(row: ReminderLog) -> str:
    """What to do, the business day to aim at when the date is not one, and whether the
    reminder comes late (as the e-mail says)."""
    from app.reminders.mail import ACTIONS

    parts = [ACTIONS.get(row.kind, "")]
    if row.business_day != row.deadline_date:
        parts.append(f"Sista bankdag på eller före datumet: {row.business_day.isoformat()}.")
    if row.late:
        parts.append("Påminnelsen kommer i efterhand: den kunde inte skickas i tid.")
    return " ".join(p for p in parts if p)


def _to_inbox(row: ReminderLog, today: date, now: datetime) -> bool:
    from app.reminders.mail import headline

    if row.person_id is None and row.user_id is None:
        # The person or login was deleted meanwhile: nobody's inbox to write to.
        row.status, row.last_error = "cancelled", "Mottagaren finns inte längre."
        return False
    db.session.add(
        Notification(
            person_id=row.person_id,
            user_id=None if row.person_id else row.user_id,
            deadline_key=row.deadline_key,
            subject=headline(row.kind, row.title)[:300],
            body=_inbox_body(row),
            link=_item(row, today).link,
            deadline_date=row.deadline_date,
            created_at=now,
        )
    )
    row.status, row.sent_at, row.via = "sent", now, "inbox"
    return True


def _alert_admins(alerts: list[str], now: datetime) -> None:
    admins = db.session.execute(
        db.select(User.id).where(User.role == "admin", User.active.is_(True))
    ).scalars()
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    body = "\n".join(alerts[:20]) + ("\n…" if len(alerts) > 20 else "")
    for admin_id in admins:
        db.session.add(
            Notification(
                user_id=admin_id,
                subject=f"{len(alerts)} påminnelse(r) kunde inte levereras"[:300],
                body=body,
                link=f"{base}/reminders/log?status=failed",
                created_at=now,
            )
        )
    log.error("Påminnelser kunde inte levereras: %s", body)


def retry(row: ReminderLog, now: datetime) -> None:
    """An admin asks to try a failed (or waiting) row again at once."""
    if row.status in ("failed", "pending"):
        row.status, row.next_attempt_at = "pending", now
        db.session.flush()


# --- inbox ----------------------------------------------------------------------------------


def inbox_filter(user):
    """The SQL condition for the notifications that belong to ``user``."""
    person = person_for_user(user)
    conds = [Notification.user_id == user.id]
    if person is not None:
        conds.append(Notification.person_id == person.id)
    return or_(*conds)


def unread_count(user) -> int:
    return db.session.execute(
        db.select(func.count(Notification.id)).where(
            inbox_filter(user), Notification.read_at.is_(None)
        )
    ).scalar_one()


def mark_read(notification: Notification, now: datetime, done: bool = False) -> None:
    notification.read_at = notification.read_at or now
    if done:
        notification.done_at = notification.done_at or now
    db.session.flush()


def owns(user, notification: Notification) -> bool:
    if notification.user_id is not None and notification.user_id == user.id:
        return True
    person = person_for_user(user)
    return person is not None and notification.person_id == person.id


def save_preference(person: Person, kinds: list[str] | None, digest: bool, email: bool) -> None:
    pref = preference_for(person.id)
    if pref is None:
        pref = ReminderPreference(person_id=person.id)
        db.session.add(pref)
    pref.kinds = None if kinds is None else ",".join(kinds)
    pref.digest = digest
    pref.email_enabled = email
    db.session.flush()
