"""Terminations (notice given, withdrawn) and obligations (duties and the records that they
were met): services over the lifecycle rules in ``rules.py``.

Every service validates first and changes nothing when the input breaks a rule: it raises
``ValidationError`` (422) with a Swedish message, the field it concerns and, where a rule of
DOMAIN.md refused it, the rule's stable code. On success it records audit entries, flushes and
sends ``agreement_changed`` so the stored deadlines are refreshed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from app.agreements import rules
from app.agreements.attachments import save_attachment
from app.agreements.models import (
    RECURRENCES,
    Agreement,
    Obligation,
    ObligationFulfilment,
    Termination,
)
from app.agreements.services import (
    agreement_changed,
    last_day,
    record_audit,
    status_of,
    terms_of,
    touch,
)
from app.core.dates import date_out_of_range
from app.core.errors import ConflictError, ValidationError
from app.db import utcnow
from app.extensions import db
from app.parties.models import Organisation

__all__ = [
    "give_notice",
    "withdraw_termination",
    "create_obligation",
    "set_obligation_active",
    "record_fulfilment",
    "recurrence_of",
    "obligation_due_dates",
    "open_occurrences",
]


def _changed(agreement: Agreement, as_of: date) -> None:
    """The dates may have moved: cache the status, bump the version, refresh deadlines."""
    agreement.status = status_of(agreement, as_of)
    touch(agreement)
    db.session.flush()
    agreement_changed.send(agreement)


def _refuse(message: str, field: str, code: str = "validation_failed") -> ValidationError:
    return ValidationError(message, {field: message}, code=code)


# --- Terminations ------------------------------------------------------------------------------


def give_notice(agreement: Agreement, data: dict[str, Any], user, as_of: date) -> Termination:
    """Record notice of termination received on ``data["received_date"]``.

    ``data``: organisation_id (who gave notice, a party), addressed_to_id (optional, a party),
    received_date, written (bool), note, attachment (an upload, optional). The effective end and
    whether the notice came late (after this period's last day for notice, so it ends a period
    later) follow ``rules.termination_effective_end``; check ``termination.late`` to warn.
    """
    if agreement.stage != "decided" or agreement.start_date is None:
        raise _refuse(
            _("Bara ett beslutat (undertecknat) avtal kan sägas upp."),
            "received_date",
            "not_decided",
        )
    if agreement.active_termination is not None:
        current = agreement.active_termination
        raise ValidationError(
            _(
                "Avtalet är redan uppsagt (mottaget %(received)s, upphör %(end)s). Återkalla den "
                "uppsägningen först om en ny ska registreras.",
                received=current.received_date.isoformat(),
                end=current.effective_end_date.isoformat(),
            ),
            {"received_date": _("Avtalet är redan uppsagt.")},
            code="already_terminated",
        )

    party_ids = {p.organisation_id for p in agreement.parties}
    organisation_id = data.get("organisation_id")
    if not organisation_id:
        raise _refuse(_("Ange vilken part som sade upp avtalet."), "organisation_id")
    if db.session.get(Organisation, organisation_id) is None:
        raise _refuse(_("Organisationen %(id)s finns inte.", id=organisation_id), "organisation_id")
    if party_ids and organisation_id not in party_ids:
        raise _refuse(
            _("Uppsägningen måste komma från en av avtalets parter."),
            "organisation_id",
            "not_a_party",
        )
    addressed_to_id = data.get("addressed_to_id") or None
    if addressed_to_id is not None:
        if db.session.get(Organisation, addressed_to_id) is None or (
            party_ids and addressed_to_id not in party_ids
        ):
            raise _refuse(
                _("Mottagaren måste vara en av avtalets parter."), "addressed_to_id", "not_a_party"
            )
        if addressed_to_id == organisation_id:
            raise _refuse(_("En part kan inte säga upp avtalet till sig själv."), "addressed_to_id")

    received = data.get("received_date")
    if not isinstance(received, date):
        raise _refuse(_("Ange den dag uppsägningen togs emot (ÅÅÅÅ-MM-DD)."), "received_date")
    if received > as_of:
        raise _refuse(
            _(
                "Uppsägningen kan inte ha tagits emot %(day)s, ett datum efter i dag (%(today)s).",
                day=received.isoformat(),
                today=as_of.isoformat(),
            ),
            "received_date",
            "notice_in_future",
        )
    written = bool(data.get("written"))
    try:
        outcome = rules.termination_effective_end(terms_of(agreement, received), received, written)
    except rules.RuleViolation as exc:
        raise ValidationError(
            exc.message, {exc.field or "received_date": exc.message}, exc.code
        ) from exc
    # The converse of the amendment rule (DOMAIN, Amendments): an amendment taking effect
    # after a notice's receipt cannot stand beside it, whichever was recorded first.
    later = next(
        (
            a
            for a in getattr(agreement, "amendments", ())
            if a.withdrawn_at is None and a.effective_date > received
        ),
        None,
    )
    if later is not None:
        raise _refuse(
            _(
                "Ett tilläggsavtal gäller från %(day)s, efter den dag uppsägningen togs emot. "
                "Återkalla tilläggsavtalet först, eller ange rätt mottagningsdag.",
                day=later.effective_date.isoformat(),
            ),
            "received_date",
            "amendment_after_notice",
        )

    attachment = None
    if data.get("attachment") is not None and getattr(data["attachment"], "filename", None):
        attachment = save_attachment(agreement, data["attachment"], user, _("Uppsägningsbrev"))
        db.session.flush()

    termination = Termination(
        agreement=agreement,
        organisation_id=organisation_id,
        addressed_to_id=addressed_to_id,
        received_date=received,
        written=written,
        effective_end_date=outcome.effective_end,
        late=outcome.late,
        note=(data.get("note") or "").strip() or None,
        attachment=attachment,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(termination)
    record_audit(
        agreement,
        user,
        "termination_recorded",
        "termination",
        None,
        _(
            "uppsagt, mottaget %(received)s, upphör %(end)s%(late)s",
            received=received.isoformat(),
            end=outcome.effective_end.isoformat(),
            late=_(" (för sent för perioden)") if outcome.late else "",
        ),
    )
    if attachment is not None:
        record_audit(agreement, user, "attachment_added", "attachments", None, attachment.filename)
    _changed(agreement, as_of)
    return termination


def late_warning(termination: Termination) -> str | None:
    """The warning to show when notice came after the last day for its period."""
    if not termination.late:
        return None
    return _(
        "Uppsägningen kom efter sista dag för uppsägning för perioden; avtalet upphör därför "
        "först %(end)s.",
        end=termination.effective_end_date.isoformat(),
    )


def withdraw_termination(
    termination: Termination, user, reason: str | None, as_of: date
) -> Termination:
    """Withdraw a recorded notice; the audit trail keeps both the notice and its withdrawal."""
    if termination.withdrawn_at is not None:
        raise ConflictError(_("Uppsägningen är redan återkallad."))
    agreement = termination.agreement
    termination.withdrawn_at = utcnow()
    termination.withdrawn_by_id = getattr(user, "id", None)
    termination.withdrawal_reason = (reason or "").strip() or None
    record_audit(
        agreement,
        user,
        "termination_withdrawn",
        "termination",
        _(
            "uppsagt, mottaget %(received)s, upphör %(end)s",
            received=termination.received_date.isoformat(),
            end=termination.effective_end_date.isoformat(),
        ),
        _("återkallad")
        + (f": {termination.withdrawal_reason}" if termination.withdrawal_reason else ""),
    )
    _changed(agreement, as_of)
    return termination


# --- Obligations -------------------------------------------------------------------------------

RECURRENCE_LABELS = {
    "once": "en gång",
    "yearly": "varje år",
    "semiannual": "varje halvår",
    "quarterly": "varje kvartal",
    "monthly": "varje månad",
}


def recurrence_of(obligation: Obligation) -> rules.RecurrenceRule:
    return rules.RecurrenceRule(
        kind=obligation.recurrence,
        month=obligation.due_month,
        day=obligation.due_day,
        once_date=obligation.due_date,
    )


def obligation_due_dates(obligation: Obligation, start: date, until: date) -> list[date]:
    """The days from ``start`` to ``until`` on which the obligation falls due.

    With ``days_before`` (the insurance certificate one week before the old one expires) the
    recurrence names the anchor (the expiry) and the duty falls that many days earlier.
    """
    before = timedelta(days=obligation.days_before or 0)
    anchors = rules.obligation_occurrences(
        recurrence_of(obligation), start + before, until + before
    )
    return [d - before for d in anchors]


def open_occurrences(obligation: Obligation, as_of: date, lookback_days: int = 365) -> list[date]:
    """Occurrences not yet met: the overdue ones (up to ``lookback_days`` back) and the next,
    within the agreement's time (none after its last day, as the deadlines have it)."""
    agreement = obligation.agreement
    start = as_of - timedelta(days=lookback_days)
    if agreement.start_date is not None:
        start = max(start, agreement.start_date)
    until = as_of + timedelta(days=400)
    ends = last_day(agreement, as_of)
    if ends is not None:
        until = min(until, ends)
    met = {f.due_date for f in obligation.fulfilments}
    past = [d for d in obligation_due_dates(obligation, start, min(as_of, until)) if d not in met]
    upcoming = [
        d for d in obligation_due_dates(obligation, as_of, until) if d not in met and d not in past
    ]
    return past + upcoming[:1]


def _read_obligation(agreement: Agreement, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Ange vad skyldigheten gäller.")
    elif len(title) > 300:
        errors["title"] = _("Högst 300 tecken.")
    recurrence = data.get("recurrence") or "yearly"
    if recurrence not in RECURRENCES:
        errors["recurrence"] = _(
            "Välj en gång, varje år, varje halvår, varje kvartal eller varje månad."
        )
    days_before = data.get("days_before")
    if days_before is not None and (
        isinstance(days_before, bool)
        or not isinstance(days_before, int)
        or not 0 <= days_before <= 366
    ):
        errors["days_before"] = _("Antal dagar före anges som ett heltal från 0 till 366.")
    responsible = data.get("responsible_organisation_id") or None
    if responsible is not None and db.session.get(Organisation, responsible) is None:
        errors["responsible_organisation_id"] = _(
            "Organisationen %(id)s finns inte.", id=responsible
        )
    values = {
        "title": title,
        "description": (data.get("description") or "").strip() or None,
        "recurrence": recurrence,
        "due_month": data.get("due_month") if recurrence not in ("once", "monthly") else None,
        "due_day": data.get("due_day") if recurrence != "once" else None,
        "due_date": data.get("due_date") if recurrence == "once" else None,
        "relative_to_label": (data.get("relative_to_label") or "").strip() or None,
        "days_before": days_before or None,
        "responsible_organisation_id": responsible,
    }
    if "recurrence" not in errors:
        rule = rules.RecurrenceRule(
            kind=recurrence,
            month=values["due_month"],
            day=values["due_day"],
            once_date=values["due_date"],
        )
        for field, message in rules.validate_recurrence(rule).items():
            errors[
                {"month": "due_month", "day": "due_day", "once_date": "due_date"}.get(field, field)
            ] = message
        if isinstance(values["due_date"], date) and (
            out_of_range := date_out_of_range(values["due_date"])
        ):
            errors["due_date"] = out_of_range
    if errors:
        raise ValidationError(
            _("Skyldigheten kunde inte sparas: %(why)s", why=next(iter(errors.values()))),
            errors,
            code="invalid_recurrence"
            if {"due_month", "due_day", "due_date"} & errors.keys()
            else None,
        )
    return values


def create_obligation(agreement: Agreement, data: dict[str, Any], user, as_of: date) -> Obligation:
    """Add a duty to the agreement: one-off (due_date) or recurring (due_month, due_day)."""
    values = _read_obligation(agreement, data)
    obligation = Obligation(agreement=agreement, active=True, **values)
    db.session.add(obligation)
    record_audit(
        agreement,
        user,
        "obligation_added",
        "obligations",
        None,
        f"{values['title']} ({RECURRENCE_LABELS[values['recurrence']]})",
    )
    _changed(agreement, as_of)
    return obligation


def set_obligation_active(obligation: Obligation, active: bool, user, as_of: date) -> Obligation:
    """Stop (or resume) tracking an obligation; its history stays."""
    if obligation.active != active:
        obligation.active = active
        record_audit(
            obligation.agreement,
            user,
            "obligation_resumed" if active else "obligation_stopped",
            "obligations",
            None,
            obligation.title,
        )
        _changed(obligation.agreement, as_of)
    return obligation


def record_fulfilment(
    obligation: Obligation, data: dict[str, Any], user, as_of: date
) -> ObligationFulfilment:
    """Mark one occurrence (``due_date``; default the earliest open one) as met on ``met_on``."""
    agreement = obligation.agreement
    met_on = data.get("met_on") or as_of
    if not isinstance(met_on, date):
        raise _refuse(_("Ange när skyldigheten uppfylldes (ÅÅÅÅ-MM-DD)."), "met_on")
    if met_on > as_of:
        raise _refuse(_("Datumet då skyldigheten uppfylldes kan inte vara efter i dag."), "met_on")
    # Proof may come before the start (an insurance certificate with the signed agreement),
    # but not years before it: that is a typing mistake.
    agreement_start = obligation.agreement.start_date
    if agreement_start is not None and met_on < agreement_start - timedelta(days=366):
        raise _refuse(
            _(
                "Skyldigheten kan inte ha uppfyllts %(day)s, mer än ett år före avtalets start "
                "%(start)s.",
                day=met_on.isoformat(),
                start=agreement_start.isoformat(),
            ),
            "met_on",
        )
    due = data.get("due_date")
    if due is None:
        candidates = open_occurrences(obligation, as_of)
        if not candidates:
            raise _refuse(
                _("Det finns inget öppet tillfälle att markera som uppfyllt."), "due_date"
            )
        due = candidates[0]
    elif not isinstance(due, date):
        raise _refuse(_("Ange förfallodagen som ÅÅÅÅ-MM-DD."), "due_date")
    elif due not in obligation_due_dates(obligation, due, due):
        raise _refuse(
            _("Skyldigheten förfaller inte %(day)s.", day=due.isoformat()),
            "due_date",
            "not_an_occurrence",
        )
    if any(f.due_date == due for f in obligation.fulfilments):
        raise _refuse(
            _("Tillfället %(day)s är redan markerat som uppfyllt.", day=due.isoformat()),
            "due_date",
            "already_met",
        )
    attachment = None
    if data.get("attachment") is not None and getattr(data["attachment"], "filename", None):
        attachment = save_attachment(agreement, data["attachment"], user, obligation.title)
        db.session.flush()
    fulfilment = ObligationFulfilment(
        obligation=obligation,
        due_date=due,
        met_on=met_on,
        met_by_id=getattr(user, "id", None),
        note=(data.get("note") or "").strip() or None,
        attachment=attachment,
    )
    db.session.add(fulfilment)
    record_audit(
        agreement,
        user,
        "obligation_met",
        "obligations",
        None,
        _(
            "%(title)s, förfallodag %(due)s, uppfylld %(met)s",
            title=obligation.title,
            due=due.isoformat(),
            met=met_on.isoformat(),
        ),
    )
    db.session.flush()
    agreement_changed.send(agreement)
    return fulfilment
