"""Amendments (tilläggsavtal): recording one, withdrawing one, and describing what each
changed. The rule of what the terms are on a day lives in ``terms.py``; pages and the API call
these services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.agreements import rules
from app.agreements.models import PARTY_ROLES, Agreement, Amendment, Attachment
from app.agreements.services import (
    agreement_changed,
    change_of,
    check_version,
    record_audit,
    status_of,
    terms_of,
    touch,
)
from app.agreements.terms import DATE_FIELDS, segments
from app.core.dates import parse_iso_date
from app.core.errors import ValidationError
from app.db import utcnow
from app.extensions import db
from app.parties.models import Organisation

INT_FIELDS = ("notice_period_months", "notice_period_days", "extension_months", "max_extensions")
BOOL_FIELDS = ("notice_must_be_written", "notice_ends_at_month_end", "continues_open_ended")
#: What an amendment may name, in the order pages show it.
AMENDABLE = (*DATE_FIELDS, "fte", "parties", "compensation")
MAX_INT = 2**31 - 1


def _date(value: Any, field: str, errors: dict[str, str], required: bool) -> date | None:
    if value is None or value == "":
        if required:
            errors[field] = _("Ange ett datum (ÅÅÅÅ-MM-DD).")
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        errors[field] = str(exc)
        return None


def _parties(value: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        errors["parties"] = _("Ange avtalets parter: minst en organisation med sin roll.")
        return []
    found: list[dict[str, Any]] = []
    seen = set()
    for i, party in enumerate(value):
        org_id = party.get("organisation_id") if isinstance(party, dict) else None
        role = party.get("role") if isinstance(party, dict) else None
        if role not in PARTY_ROLES:
            errors[f"parties.{i}.role"] = _(
                "Okänd roll %(role)s. Välj en av: %(roles)s.",
                role=role,
                roles=", ".join(PARTY_ROLES),
            )
        if (
            not isinstance(org_id, int)
            or isinstance(org_id, bool)
            or not 0 < org_id <= MAX_INT
            or db.session.get(Organisation, org_id) is None
        ):
            errors[f"parties.{i}.organisation_id"] = _(
                "Parten %(id)s finns inte bland organisationerna.", id=org_id
            )
        elif (org_id, role) in seen:
            errors[f"parties.{i}"] = _("Samma part står två gånger med samma roll.")
        seen.add((org_id, role))
        found.append({"organisation_id": org_id, "role": role})
    return found


def _compensation(value: Any, errors: dict[str, str]) -> tuple[dict[str, Any], list[dict]]:
    """The JSON to keep and the item values to create (through the finance services' check)."""
    # finance depends on agreements, not back: imported here
    from app.finance.services import _read_item as read_item

    if not isinstance(value, dict):
        errors["compensation"] = _("Ange ersättningen som {from_year, items}.")
        return {}, []
    from_year = value.get("from_year")
    if (
        not isinstance(from_year, int)
        or isinstance(from_year, bool)
        or not 1900 <= from_year <= 2199
    ):
        errors["compensation.from_year"] = _("Ange från vilket år ersättningen gäller (1900–2199).")
    items = value.get("items")
    if not isinstance(items, list) or not items:
        errors["compensation.items"] = _("Ange minst en ersättningsrad.")
        return {}, []
    kept, created = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"compensation.items.{i}"] = _("Varje rad är ett objekt.")
            continue
        try:
            values = read_item({**item, "valid_from_year": None})
        except ValidationError as exc:
            for name, message in exc.fields.items():
                errors[f"compensation.items.{i}.{name}"] = message
            continue
        created.append(values)
        kept.append(
            {
                "label": values["label"],
                "amount": str(values["amount"]),
                "price_level_year": values["price_level_year"],
                "index_series": item.get("index_series") or None,
                "first_adjusted_year": values["first_adjusted_year"],
                "rounding": values["rounding"],
                "fte_basis": str(values["fte_basis"]) if values["fte_basis"] else None,
            }
        )
    return {"from_year": from_year, "items": kept}, created


def parse_changes(raw: Any) -> tuple[dict[str, Any], list[dict], dict[str, str]]:
    """Read an amendment's ``changes``: the JSON to keep (only the named fields), the
    compensation lines to create, and a Swedish message per bad field."""
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return {}, [], {"changes": _("Ange ändringarna som ett objekt.")}
    changes: dict[str, Any] = {}
    items: list[dict] = []
    for name in raw:
        if name not in AMENDABLE:
            errors[name] = _("Ett tilläggsavtal kan inte ändra %(name)s.", name=name)
    if "end_date" in raw:
        end = _date(raw["end_date"], "end_date", errors, required=False)
        changes["end_date"] = end.isoformat() if end else None
    for name in INT_FIELDS:
        if name in raw:
            value = raw[name]
            if value in (None, ""):
                changes[name] = None
            elif (
                isinstance(value, int)
                and not isinstance(value, bool)
                and -MAX_INT <= value <= MAX_INT
            ):
                changes[name] = value
            else:
                errors[name] = _("Ange ett heltal.")
    for name in BOOL_FIELDS:
        if name in raw:
            if not isinstance(raw[name], bool):
                errors[name] = _("Ange ja (true) eller nej (false).")
            else:
                changes[name] = raw[name]
    if "fte" in raw:
        value = raw["fte"]
        if value in (None, ""):
            changes["fte"] = None
        else:
            try:
                fte = Decimal(str(value))
                if (
                    not fte.is_finite()
                    or fte < 0
                    or fte > 1000
                    or fte != fte.quantize(Decimal("0.01"))
                ):
                    raise InvalidOperation
                changes["fte"] = str(fte)
            except (InvalidOperation, ValueError):
                errors["fte"] = _(
                    "Årsarbetare anges som ett tal, noll eller större, med högst två decimaler."
                )
    if "parties" in raw:
        changes["parties"] = _parties(raw["parties"], errors)
    if "compensation" in raw:
        changes["compensation"], items = _compensation(raw["compensation"], errors)
    if not raw and not errors:
        errors["changes"] = _("Ett tilläggsavtal ändrar något: ange minst en ändring.")
    return changes, items, errors


def _refuse(message: str, field: str, code: str = "validation_failed") -> ValidationError:
    return ValidationError(message, {field: message}, code)


def _check_timeline(agreement: Agreement, pending: list[Any]) -> None:
    """Refuse (422, naming the field) amendments that cannot apply on the agreement's terms."""
    original = rules.Terms(**{f: getattr(agreement, f) for f in ("start_date", *DATE_FIELDS)})
    try:
        segments(original, [change_of(a) for a in pending])
    except rules.RuleViolation as exc:
        raise _refuse(exc.message, exc.field or "effective_date", exc.code) from exc


def _live(agreement: Agreement) -> list[Amendment]:
    return [a for a in agreement.amendments if a.withdrawn_at is None]


def add_amendment(agreement: Agreement, data: dict[str, Any], user, as_of: date) -> Amendment:
    """Record a tilläggsavtal on ``agreement``: validated, audited, with its compensation
    lines (which replace the earlier lines from their year on). ``data["version"]``, when
    given, must be the agreement's current version (409 otherwise)."""
    if "version" in data and data["version"] is not None:
        check_version(agreement, data["version"])
    if agreement.start_date is None or agreement.stage == "archived":
        raise _refuse(
            _("Bara ett beslutat avtal med startdatum kan ändras genom tilläggsavtal."),
            "effective_date",
            "not_amendable",
        )
    errors: dict[str, str] = {}
    effective = _date(data.get("effective_date"), "effective_date", errors, required=True)
    if effective is not None and effective < agreement.start_date:
        errors["effective_date"] = _(
            "Ett tilläggsavtal kan inte gälla från före avtalets start (%(day)s).",
            day=agreement.start_date.isoformat(),
        )
    signed = _date(data.get("signed_date"), "signed_date", errors, required=False)
    diarienummer = (data.get("diarienummer") or "").strip() or None
    if diarienummer and len(diarienummer) > 100:
        errors["diarienummer"] = _("Diarienumret får vara högst 100 tecken.")
    description = (data.get("description") or "").strip() or None
    if description and len(description) > 5000:
        errors["description"] = _("Beskrivningen får vara högst 5000 tecken.")
    changes, items, change_errors = parse_changes(data.get("changes"))
    errors.update(change_errors)
    attachment_id = data.get("attachment_id")
    if attachment_id is not None:
        attachment = (
            db.session.get(Attachment, attachment_id)
            if isinstance(attachment_id, int)
            and not isinstance(attachment_id, bool)
            and 0 < attachment_id <= MAX_INT
            else None
        )
        if attachment is None or attachment.agreement_id != agreement.id:
            errors["attachment_id"] = _("Bilagan finns inte bland avtalets bilagor.")
    if errors:
        raise ValidationError(
            _("Tilläggsavtalet kunde inte sparas. Rätta uppgifterna som är markerade."), errors
        )
    assert effective is not None
    notice = next(
        (
            t
            for t in reversed(agreement.terminations)
            if t.withdrawn_at is None and t.received_date < effective
        ),
        None,
    )
    if notice is not None:
        raise _refuse(
            _(
                "Avtalet har en uppsägning mottagen %(day)s; ett tilläggsavtal som gäller från "
                "senare kan inte registreras. Återkalla uppsägningen först.",
                day=notice.received_date.isoformat(),
            ),
            "effective_date",
            "notice_received",
        )
    amendment = Amendment(
        effective_date=effective,
        signed_date=signed,
        diarienummer=diarienummer,
        description=description,
        changes=changes,
        attachment_id=attachment_id,
        created_by_id=getattr(user, "id", None),
    )
    with db.session.no_autoflush:
        _check_timeline(
            agreement, sorted([*_live(agreement), amendment], key=lambda a: a.effective_date)
        )
    agreement.amendments.append(amendment)
    db.session.flush()
    if items:
        _add_lines(agreement, amendment, changes["compensation"]["from_year"], items)
    record_audit(agreement, user, "amendment_added", "amendment", None, describe(amendment))
    _after_change(agreement, user, as_of)
    return amendment


def _add_lines(agreement: Agreement, amendment: Amendment, from_year: int, items: list[dict]):
    from app.finance.models import CompensationItem

    position = max(
        db.session.execute(
            db.select(db.func.max(CompensationItem.position)).where(
                CompensationItem.agreement_id == agreement.id
            )
        ).scalar()
        or 0,
        0,
    )
    for i, values in enumerate(items, start=1):
        db.session.add(
            CompensationItem(
                agreement_id=agreement.id,
                amendment_id=amendment.id,
                position=position + i,
                **{**values, "valid_from_year": from_year},
            )
        )
    db.session.flush()


def withdraw_amendment(amendment: Amendment, user, as_of: date, version: Any = None) -> None:
    """Withdraw a tilläggsavtal: it counts on no day from now on (its record and the audit
    trail stay); its compensation lines go. Refused when the later amendments or a recorded
    notice do not fit the terms without it."""
    agreement = amendment.agreement
    if version is not None:
        check_version(agreement, version)
    if amendment.withdrawn_at is not None:
        return
    notice = next(
        (
            t
            for t in agreement.terminations
            if t.withdrawn_at is None and t.received_date >= amendment.effective_date
        ),
        None,
    )
    if notice is not None:
        raise _refuse(
            _(
                "Avtalet har en uppsägning mottagen %(day)s, efter att tilläggsavtalet började "
                "gälla. Återkalla uppsägningen först.",
                day=notice.received_date.isoformat(),
            ),
            "effective_date",
            "notice_received",
        )
    with db.session.no_autoflush:
        _check_timeline(agreement, [a for a in _live(agreement) if a is not amendment])
    from app.finance.models import CompensationItem

    db.session.execute(
        db.delete(CompensationItem).where(CompensationItem.amendment_id == amendment.id)
    )
    amendment.withdrawn_at = utcnow()
    amendment.withdrawn_by_id = getattr(user, "id", None)
    record_audit(agreement, user, "amendment_withdrawn", "amendment", describe(amendment), None)
    _after_change(agreement, user, as_of)


def _after_change(agreement: Agreement, user, as_of: date) -> None:
    from app.agreements.services import _recheck_notice

    _recheck_notice(agreement, user, keep_end=True)  # a recorded notice keeps its end
    touch(agreement)
    agreement.status = status_of(agreement, as_of)
    db.session.flush()
    agreement_changed.send(agreement)


#: The words the audit trail uses for what an amendment changes (data, in Swedish, like the
#: rest of the trail).
CHANGE_WORDS = {
    "end_date": "periodens sista dag",
    "notice_period_months": "uppsägningstid (månader)",
    "notice_period_days": "uppsägningstid (dagar)",
    "notice_must_be_written": "skriftlig uppsägning",
    "notice_ends_at_month_end": "upphör vid månadens slut",
    "extension_months": "förlängning (månader)",
    "max_extensions": "högst antal förlängningar",
    "continues_open_ended": "därefter tills vidare",
    "fte": "årsarbetare",
    "parties": "parter",
}
ROLE_WORDS = {"bestallare": "beställare", "utforare": "utförare", "finansiar": "finansiär"}


def describe(amendment: Amendment) -> str:
    """A plain Swedish line for the audit trail (data, not interface text): "från 2022-09-01;
    SN 2022/17; periodens sista dag: 2023-12-31; förlängning (månader): 24"."""
    parts = [f"från {amendment.effective_date.isoformat()}"]
    if amendment.diarienummer:
        parts.append(amendment.diarienummer)
    for name, value in (amendment.changes or {}).items():
        if name == "compensation":
            count = len(value.get("items", []))
            parts.append(
                f"ersättning från {value.get('from_year')} ({count} {'rad' if count == 1 else 'rader'})"
            )
            continue
        if name == "parties":
            named = _named([(p["organisation_id"], p["role"]) for p in value])
            value = ", ".join(f"{org} ({ROLE_WORDS.get(role, role)})" for org, role in named)
        elif value is None and name == "end_date":
            value = "tills vidare"
        elif isinstance(value, bool):
            value = "ja" if value else "nej"
        parts.append(f"{CHANGE_WORDS.get(name, name)}: {value}")
    return "; ".join(parts)


def _named(parties: list[tuple[int, str]]) -> list[tuple[str, str]]:
    names = dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([org_id for org_id, _role in parties])
            )
        ).all()
    )
    return [(names.get(org_id, str(org_id)), role) for org_id, role in parties]


def before_after(agreement: Agreement, amendment: Amendment) -> list[dict[str, Any]]:
    """What the amendment changed: each named field's value the day before it took effect
    and on that day (for the history list's before/after)."""
    from app.agreements.services import fields_on

    day = amendment.effective_date
    before_terms = (
        terms_of(agreement, day - timedelta(days=1)) if day > agreement.start_date else None
    )
    after_terms = terms_of(agreement, day)
    before_fields = fields_on(agreement, day - timedelta(days=1))
    after_fields = fields_on(agreement, day)
    rows = []
    for name in amendment.changes or {}:
        if name in DATE_FIELDS:
            before = getattr(before_terms, name) if before_terms else None
            if name == "end_date" and before_terms is not None:
                period = rules.period_containing(before_terms, day)
                before = period.end if period else before
            rows.append({"field": name, "before": before, "after": getattr(after_terms, name)})
        elif name == "fte":
            rows.append({"field": name, "before": before_fields[name], "after": after_fields[name]})
        elif name == "parties":
            rows.append(
                {
                    "field": name,
                    "before": _named(before_fields[name]),
                    "after": _named(after_fields[name]),
                }
            )
        else:
            rows.append({"field": name, "before": None, "after": amendment.changes[name]})
    return rows
