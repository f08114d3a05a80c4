"""The per-person iCalendar feed: every deadline of the agreements a person is responsible for
or watches (and, for finance staff, the missing index values) as an all-day event
(``DTSTART;VALUE=DATE``) with a UID derived from ``Deadline.key``, so Outlook and other
calendars update events instead of duplicating them after a refresh."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import or_

from app.agreements.models import (
    HUVUDMAN_ROLES,
    Agreement,
    AgreementParty,
    agreement_watchers,
)
from app.auth.models import User
from app.core.text import one_line
from app.db import utcnow
from app.deadlines.models import Deadline
from app.extensions import db
from app.parties.models import Person
from app.reminders.mail import ACTIONS, headline
from app.reminders.models import CalendarToken
from app.reminders.services import link_for


def token_for(person: Person, create: bool = False) -> CalendarToken | None:
    row = db.session.execute(
        db.select(CalendarToken).filter_by(person_id=person.id)
    ).scalar_one_or_none()
    if row is None and create:
        row = CalendarToken(person_id=person.id, token=secrets.token_urlsafe(32))
        db.session.add(row)
        db.session.flush()
    return row


def regenerate_token(person: Person) -> CalendarToken:
    """A new secret; the old feed URL stops working at once."""
    row = token_for(person)
    if row is None:
        return token_for(person, create=True)
    row.token = secrets.token_urlsafe(32)
    row.created_at = utcnow()
    db.session.flush()
    return row


def person_by_token(token: str) -> Person | None:
    if not token or len(token) > 64:
        return None
    row = db.session.execute(db.select(CalendarToken).filter_by(token=token)).scalar_one_or_none()
    if row is None:
        return None
    row.last_used_at = utcnow()
    return row.person


def _is_finance(person: Person) -> bool:
    """Whether a finance login is linked to ``person`` (never matched on e-mail)."""
    return bool(
        db.session.execute(
            db.select(User.id).where(
                User.role == "finance", User.active.is_(True), User.person_id == person.id
            )
        ).first()
    )


def deadlines_for(person: Person, since: date | None = None) -> list[Deadline]:
    watched = db.select(agreement_watchers.c.agreement_id).where(
        agreement_watchers.c.person_id == person.id
    )
    mine = db.select(Agreement.id).where(
        Agreement.archived_at.is_(None),
        or_(Agreement.responsible_person_id == person.id, Agreement.id.in_(watched)),
    )
    # A huvudman's deadlines concern the officials of its agreements with årsarbetare.
    huvudmen = (
        db.select(AgreementParty.organisation_id)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(
            Agreement.id.in_(mine),
            AgreementParty.role.in_(HUVUDMAN_ROLES),
            Agreement.stage == "decided",
            Agreement.fte > 0,
        )
    )
    conds = [Deadline.agreement_id.in_(mine), Deadline.organisation_id.in_(huvudmen)]
    if _is_finance(person):
        conds.append(Deadline.kind == "index_missing")
    stmt = db.select(Deadline).where(or_(*conds)).order_by(Deadline.date, Deadline.id)
    if since is not None:
        stmt = stmt.where(Deadline.date >= since)
    return list(db.session.execute(stmt).scalars())


def feed(person: Person, since: date | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Avtalskollen//Frister//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Avtalskollen – {person.name}")
    cal.add("x-wr-timezone", "Europe/Stockholm")
    host = (
        current_app.config.get("PUBLIC_BASE_URL", "").split("//")[-1].split("/")[0]
        or "avtalskollen"
    )
    now = utcnow()
    for d in deadlines_for(person, since):
        event = Event()
        event.add("uid", f"{d.key}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", d.date)  # a date: DTSTART;VALUE=DATE, an all-day event
        event.add("dtend", d.date + timedelta(days=1))
        event.add("summary", one_line(headline(d.kind, d.title)))
        description = ACTIONS.get(d.kind, "")
        if d.business_day != d.date:
            description += f"\nSista bankdag på eller före: {d.business_day.isoformat()}"
        link = link_for(d.agreement_id, d.kind)
        event.add("description", f"{description}\n{link}")
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
