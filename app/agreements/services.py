"""Creating, changing and archiving agreements: validation, parties, watchers, audit trail
and optimistic locking. Pages and the API call these; rules live in ``rules.py``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import func

from app.agreements import rules
from app.agreements.models import (
    AGREEMENT_KINDS,
    INVOICING,
    PARTY_ROLES,
    STAGES,
    Agreement,
    AgreementParty,
    Amendment,
    AuditEntry,
    Termination,
)
from app.agreements.terms import Change, Timeline, first_year_counted, segments, single
from app.core import clock
from app.core.errors import ConflictError, ValidationError
from app.db import utcnow
from app.extensions import db
from app.parties.models import Organisation, OrganisationUnit, Person

signals = Namespace()
#: Sent after an agreement (or anything its dates depend on) changed and was flushed.
agreement_changed = signals.signal("agreement-changed")

TERM_FIELDS = (
    "start_date",
    "end_date",
    "notice_period_months",
    "notice_period_days",
    "notice_must_be_written",
    "notice_ends_at_month_end",
    "extension_months",
    "max_extensions",
    "continues_open_ended",
)
FIELDS = (
    "kind",
    "title",
    "description",
    "diarienummer",
    "stage",
    "board_id",
    "administration_id",
    *TERM_FIELDS,
    "decided_on",
    "fte",
    "invoicing",
    "invoicing_party_id",
    "reminder_lead_days",
    "responsible_person_id",
    "predecessor_id",
)
BOOL_FIELDS = {"notice_must_be_written", "notice_ends_at_month_end", "continues_open_ended"}


def timeline_of(agreement: Any, as_of: date | None = None) -> Timeline:
    """The agreement's terms over its life: its own terms and its amendments not withdrawn
    (``app.agreements.terms``), those taking effect by ``as_of`` where one is given. Works on an
    Agreement and on rows read as columns that carry ``amendments`` (see
    :func:`live_amendments`); without them, the terms are the record's."""
    original = rules.Terms(**{f: getattr(agreement, f) for f in TERM_FIELDS})
    values = {"fte": getattr(agreement, "fte", None)}
    live = [
        a
        for a in getattr(agreement, "amendments", ())
        if getattr(a, "withdrawn_at", None) is None and (as_of is None or a.effective_date <= as_of)
    ]
    if not live:
        return single(original, values)
    return segments(original, [change_of(a) for a in live], values)


def terms_of(agreement: Any, as_of: date | None = None) -> rules.Terms:
    """The terms in force on ``as_of`` (None: the latest, as the record stands)."""
    if not getattr(agreement, "amendments", None):
        return rules.Terms(**{f: getattr(agreement, f) for f in TERM_FIELDS})
    if isinstance(agreement, Agreement):
        return timeline_of(agreement).on(as_of)
    # Rows read as columns (the deadline refresh, lists) are read-only snapshots: their
    # timeline is worked out once, however many readings ask for it.
    timeline = getattr(agreement, "_timeline", None)
    if timeline is None:
        timeline = timeline_of(agreement)
        agreement._timeline = timeline
    return timeline.on(as_of)


def change_of(amendment: Any) -> Change:
    """An amendment record as the rules see it: its JSON changes with dates as dates."""
    changes = dict(amendment.changes or {})
    if isinstance(changes.get("end_date"), str):
        changes["end_date"] = date.fromisoformat(changes["end_date"])
    return Change(amendment.effective_date, changes, amendment.id)


def fte_changes(
    agreement: Any, as_of: date | None = None
) -> tuple[tuple[int, Decimal | None], ...]:
    """(first year counted, FTE) for each amendment not withdrawn that sets the FTE, in order
    of its day: with :func:`app.agreements.terms.value_in_year`, the FTE of any year. With
    ``as_of``, only the amendments that had taken effect by then (DOMAIN: as of a day before
    an amendment, everything reads as if it did not exist)."""
    found = []
    for amendment in getattr(agreement, "amendments", ()):
        changes = amendment.changes or {}
        if getattr(amendment, "withdrawn_at", None) is not None or "fte" not in changes:
            continue
        if as_of is not None and amendment.effective_date > as_of:
            continue
        value = changes["fte"]
        found.append(
            (
                first_year_counted(amendment.effective_date, agreement.start_date),
                None if value is None else Decimal(str(value)),
            )
        )
    return tuple(found)


def fields_on(agreement: Agreement, as_of: date | None) -> dict[str, Any]:
    """The fields of the agreement in force on ``as_of`` beyond the dates: ``fte`` and
    ``parties`` (as ``[(organisation_id, role)]``), and ``amendment``, the latest amendment
    in force then (None: the original terms)."""
    fte = agreement.fte
    parties = [(p.organisation_id, p.role) for p in agreement.parties]
    latest = None
    for amendment in agreement.amendments:
        if getattr(amendment, "withdrawn_at", None) is not None:  # plain facts hold live ones
            continue
        if as_of is not None and amendment.effective_date > as_of:
            break
        latest = amendment
        changes = amendment.changes or {}
        if "fte" in changes:
            fte = None if changes["fte"] is None else Decimal(str(changes["fte"]))
        if "parties" in changes:
            parties = [(p["organisation_id"], p["role"]) for p in changes["parties"]]
    return {"fte": fte, "parties": parties, "amendment": latest}


def termination_on(agreement: Any, as_of: date | None) -> Any:
    """The notice that fixes the agreement's end as it stood on ``as_of``: the latest one not
    withdrawn and received by then (any not withdrawn, without ``as_of``). A withdrawn notice
    counts on no day: withdrawing undoes it. Works on an Agreement and on the deadline
    refresh's AgreementFacts alike (both hold ``terminations`` in order of receipt)."""
    live = [
        t
        for t in agreement.terminations
        if getattr(t, "withdrawn_at", None) is None and (as_of is None or t.received_date <= as_of)
    ]
    return live[-1] if live else None


def termination_end(agreement: Any, as_of: date | None = None) -> date | None:
    t = termination_on(agreement, as_of)
    return t.effective_end_date if t else None


def last_day(agreement: Any, as_of: date | None = None) -> date | None:
    """The agreement's last day as it stood on ``as_of``: the end a notice fixed, else the end
    of its last possible period. None when it runs on (extending itself without a cap, or tills
    vidare) or has no dates yet."""
    if agreement.start_date is None:
        return None
    return termination_end(agreement, as_of) or rules.final_end(terms_of(agreement, as_of))


def status_of(agreement: Agreement, as_of: date) -> str:
    if agreement.start_date is None:
        return "archived" if agreement.stage == "archived" else agreement.stage
    return rules.lifecycle_status(
        terms_of(agreement, as_of), as_of, agreement.stage, termination_end(agreement, as_of)
    )


def dates_of(agreement: Agreement, as_of: date) -> rules.AgreementDates | None:
    if agreement.start_date is None:
        return None
    return rules.agreement_dates(
        terms_of(agreement, as_of), as_of, termination_end(agreement, as_of)
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def parse_lead_days(value: str | None) -> list[int] | None:
    """ "180, 90, 30, 7, 0" -> [180, 90, 30, 7, 0]; raises ValueError with a Swedish message."""
    if not value:
        return None
    try:
        days = sorted(
            {int(part) for part in value.replace(";", ",").split(",") if part.strip()}, reverse=True
        )
    except ValueError:
        raise ValueError(
            _("Påminnelsedagar anges som heltal åtskilda med komma, t.ex. 180, 90, 30, 7, 0.")
        ) from None
    if not days or any(d < 0 or d > 730 for d in days):
        raise ValueError(_("Påminnelsedagar måste vara mellan 0 och 730 dagar."))
    return days


def _validate(
    agreement: Agreement,
    values: dict[str, Any],
    parties: list[dict] | None,
    watcher_ids: list[int] | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values["kind"] not in AGREEMENT_KINDS:
        errors["kind"] = _("Välj avtalstyp: %(kinds)s.", kinds=", ".join(AGREEMENT_KINDS))
    if not values["title"]:
        errors["title"] = _("Ange en rubrik.")
    elif len(values["title"]) > 300:
        errors["title"] = _("Rubriken får vara högst 300 tecken.")
    if values["stage"] not in STAGES:
        errors["stage"] = _("Okänt skede.")
    if values["invoicing"] not in INVOICING:
        errors["invoicing"] = _("Välj fakturering per månad, kvartal eller år.")
    if values["start_date"] is None:
        if values["stage"] != "procurement":
            errors["start_date"] = _("Ange startdatum (bara en upphandling kan sakna det).")
    else:
        term_errors = rules.validate_terms(rules.Terms(**{f: values[f] for f in TERM_FIELDS}))
        errors.update(term_errors)
    if values["fte"] is not None:
        try:
            fte = Decimal(str(values["fte"]))
            if not fte.is_finite() or fte < 0 or fte > 1000 or fte != fte.quantize(Decimal("0.01")):
                raise InvalidOperation
            values["fte"] = fte
        except (InvalidOperation, ValueError):
            errors["fte"] = _(
                "Årsarbetare anges som ett tal, noll eller större, med högst två decimaler."
            )
    try:
        lead = parse_lead_days(values["reminder_lead_days"])
        values["reminder_lead_days"] = ",".join(str(d) for d in lead) if lead else None
    except ValueError as exc:
        errors["reminder_lead_days"] = str(exc)
    for field, model, kind in (
        ("board_id", OrganisationUnit, "namnd"),
        ("administration_id", OrganisationUnit, "forvaltning"),
    ):
        if values[field] is not None:
            unit = db.session.get(model, values[field])
            if unit is None or unit.kind != kind:
                errors[field] = (
                    _("Enheten %(id)s finns inte.", id=values[field])
                    if unit is None
                    else _("Enheten är inte en %(kind)s.", kind=kind)
                )
    if (
        values["responsible_person_id"] is not None
        and db.session.get(Person, values["responsible_person_id"]) is None
    ):
        errors["responsible_person_id"] = _(
            "Personen %(id)s finns inte.", id=values["responsible_person_id"]
        )
    if values["predecessor_id"] is not None and (
        message := _predecessor_error(agreement, values["predecessor_id"])
    ):
        errors["predecessor_id"] = message
    if (
        values["invoicing_party_id"] is not None
        and db.session.get(Organisation, values["invoicing_party_id"]) is None
    ):
        errors["invoicing_party_id"] = _(
            "Organisationen %(id)s finns inte.", id=values["invoicing_party_id"]
        )
    if values["diarienummer"]:
        clash = db.session.execute(
            db.select(Agreement.id).where(
                Agreement.diarienummer == values["diarienummer"],
                Agreement.board_id.is_(None)
                if values["board_id"] is None
                else Agreement.board_id == values["board_id"],
                Agreement.id != (agreement.id or -1),
            )
        ).first()
        if clash:
            errors["diarienummer"] = _(
                "Diarienumret %(dnr)s används redan av ett annat avtal hos samma nämnd.",
                dnr=values["diarienummer"],
            )
    if parties is not None:
        seen = set()
        for i, party in enumerate(parties):
            org_id, role = party.get("organisation_id"), party.get("role")
            if role not in PARTY_ROLES:
                errors[f"parties.{i}.role"] = _(
                    "Okänd roll %(role)s. Välj en av: %(roles)s.",
                    role=role,
                    roles=", ".join(PARTY_ROLES),
                )
            if not isinstance(org_id, int) or db.session.get(Organisation, org_id) is None:
                errors[f"parties.{i}.organisation_id"] = _(
                    "Parten %(id)s finns inte bland organisationerna.", id=org_id
                )
            if (org_id, role) in seen:
                errors[f"parties.{i}"] = _("Samma part står två gånger med samma roll.")
            seen.add((org_id, role))
    if watcher_ids:
        found = set(
            db.session.execute(db.select(Person.id).where(Person.id.in_(watcher_ids))).scalars()
        )
        missing = [str(i) for i in watcher_ids if i not in found]
        if missing:
            errors["watcher_ids"] = _("Personerna %(ids)s finns inte.", ids=", ".join(missing))
    return errors


def _predecessor_error(agreement: Agreement, predecessor_id: int) -> str | None:
    """Why ``predecessor_id`` cannot be this agreement's predecessor (None: it can)."""
    chain = db.session.get(Agreement, predecessor_id)
    if chain is None:
        return _("Avtalet %(id)s finns inte.", id=predecessor_id)
    seen = set()
    while chain is not None and chain.id not in seen:
        if agreement.id is not None and chain.id == agreement.id:
            return _("Ett avtal kan inte föregås av sig självt eller av sina efterföljare.")
        seen.add(chain.id)
        chain = chain.predecessor
    return None


def chain_of(agreement: Agreement) -> tuple[list[Agreement], list[Agreement]]:
    """The agreements before this one (oldest first) and after it (in order of renewal)."""
    before: list[Agreement] = []
    seen = {agreement.id}
    current = agreement.predecessor
    while current is not None and current.id not in seen:
        before.insert(0, current)
        seen.add(current.id)
        current = current.predecessor
    after: list[Agreement] = []
    queue = list(agreement.successors)
    while queue:
        current = queue.pop(0)
        if current.id in seen:
            continue
        seen.add(current.id)
        after.append(current)
        queue.extend(current.successors)
    return before, after


def _describe(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


def record_audit(
    agreement: Agreement,
    user,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    """Record who changed what on the agreement (used by every service that changes one)."""
    db.session.add(
        AuditEntry(
            agreement=agreement,
            user_id=getattr(user, "id", None),
            action=action,
            field=field,
            old_value=_describe(old),
            new_value=_describe(new),
        )
    )


def _party_summary(parties: list[tuple[int, str]]) -> str:
    names = dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([p[0] for p in parties])
            )
        ).all()
    )
    return "; ".join(f"{names.get(org_id, org_id)} ({role})" for org_id, role in sorted(parties))


def _apply(agreement: Agreement, data: dict[str, Any], user, creating: bool) -> bool:
    """Validate and set the values; returns whether anything changed."""
    values = {f: _clean(data[f]) if f in data else getattr(agreement, f) for f in FIELDS}
    for f in BOOL_FIELDS:
        values[f] = bool(values[f])
    if values["stage"] is None:
        values["stage"] = "decided"
    if values["invoicing"] is None:
        values["invoicing"] = "monthly"
    parties = data.get("parties")
    watcher_ids = data.get("watcher_ids")
    errors = _validate(agreement, values, parties, watcher_ids)
    if errors:
        raise ValidationError(
            _("Avtalet kunde inte sparas. Rätta uppgifterna som är markerade."), errors
        )

    changed = False
    for field, new in values.items():
        old = getattr(agreement, field)
        if old != new:
            changed = True
            setattr(agreement, field, new)
            if not creating:
                record_audit(agreement, user, "updated", field, old, new)
    if parties is not None:
        old_set = {(p.organisation_id, p.role) for p in agreement.parties}
        new_set = {(p["organisation_id"], p["role"]) for p in parties}
        if old_set != new_set:
            changed = True
            for p in list(agreement.parties):
                if (p.organisation_id, p.role) not in new_set:
                    agreement.parties.remove(p)
            for org_id, role in sorted(new_set - old_set):
                agreement.parties.append(AgreementParty(organisation_id=org_id, role=role))
            if not creating:
                record_audit(
                    agreement,
                    user,
                    "parties_changed",
                    "parties",
                    _party_summary(list(old_set)) or None,
                    _party_summary(list(new_set)) or None,
                )
    if watcher_ids is not None:
        old_ids = {p.id for p in agreement.watchers}
        if old_ids != set(watcher_ids):
            changed = True
            people = (
                db.session.execute(db.select(Person).where(Person.id.in_(watcher_ids)))
                .scalars()
                .all()
            )
            agreement.watchers = list(people)
            if not creating:
                record_audit(
                    agreement,
                    user,
                    "watchers_changed",
                    "watchers",
                    ", ".join(map(str, sorted(old_ids))) or None,
                    ", ".join(map(str, sorted(watcher_ids))) or None,
                )
    return changed


def create_agreement(data: dict[str, Any], user, as_of: date) -> Agreement:
    agreement = Agreement(stage="decided", invoicing="monthly")
    _apply(agreement, data, user, creating=True)
    agreement.status = status_of(agreement, as_of)
    db.session.add(agreement)
    record_audit(agreement, user, "created", None, None, agreement.title)
    db.session.flush()
    agreement_changed.send(agreement)
    return agreement


def check_version(agreement: Agreement, expected_version: Any) -> None:
    """Refuse a change based on an older version (no lost update)."""
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(
            _("Versionen saknas eller är ogiltig."), {"version": _("Ange avtalets version.")}
        ) from None
    if expected != agreement.version:
        raise ConflictError(
            _(
                "Avtalet har ändrats av någon annan sedan du öppnade det (din version %(mine)s, aktuell "
                "version %(current)s). Dina ändringar är inte sparade: öppna avtalet igen och gör om dem.",
                mine=expected,
                current=agreement.version,
            )
        )


def touch(agreement: Agreement) -> None:
    """Mark the agreement changed: bumps its version (version_id_col) on flush."""
    agreement.updated_at = utcnow()


def _recheck_notice(agreement: Agreement, user, keep_end: bool = False) -> None:
    """After the terms changed: the recorded notice ends the agreement where the new terms say,
    and a notice the new terms would refuse (received before a later start date, say) refuses
    the change instead. With ``keep_end`` (a tilläggsavtal, not a correction of the record), a
    recorded notice keeps the end it fixed (DOMAIN, Amendments); only a notice the new terms
    would refuse still refuses the change."""
    with db.session.no_autoflush:  # one flush for the whole change: one version step
        notice = agreement.active_termination
    if notice is None or agreement.start_date is None:
        return
    try:
        outcome = rules.termination_effective_end(
            terms_of(agreement, notice.received_date), notice.received_date, notice.written
        )
    except rules.RuleViolation as exc:
        message = _(
            "Avtalet har en uppsägning mottagen %(day)s som inte går ihop med de nya villkoren: "
            "%(why)s Återkalla uppsägningen först om villkoren ska ändras så.",
            day=notice.received_date.isoformat(),
            why=exc.message,
        )
        raise ValidationError(message, {exc.field or "start_date": message}, exc.code) from exc
    if keep_end:
        return
    if (outcome.effective_end, outcome.late) != (notice.effective_end_date, notice.late):
        record_audit(
            agreement,
            user,
            "termination_recomputed",
            "termination",
            notice.effective_end_date.isoformat(),
            outcome.effective_end.isoformat(),
        )
        notice.effective_end_date = outcome.effective_end
        notice.late = outcome.late


def _check_amendments_fit(agreement: Agreement) -> None:
    """A correction of the record must leave its amendments applicable (an amendment from
    before a later start date, say, is refused with the field named)."""
    with db.session.no_autoflush:
        live = [a for a in agreement.amendments if a.withdrawn_at is None]
    if not live or agreement.start_date is None:
        return
    try:
        timeline_of(agreement)
    except rules.RuleViolation as exc:
        message = _(
            "Ändringen går inte ihop med ett tilläggsavtal från %(day)s: %(why)s",
            day=live[0].effective_date.isoformat()
            if exc.key is None
            else next((a.effective_date.isoformat() for a in live if a.id == exc.key), ""),
            why=exc.message,
        )
        field = exc.field if exc.field in FIELDS else "start_date"
        raise ValidationError(message, {field: message}, "amendment_conflict") from exc


def update_agreement(
    agreement: Agreement, data: dict[str, Any], user, expected_version: Any, as_of: date
) -> Agreement:
    check_version(agreement, expected_version)
    if _apply(agreement, data, user, creating=False):
        _check_amendments_fit(agreement)
        _recheck_notice(agreement, user)
        touch(agreement)
    agreement.status = status_of(agreement, as_of)
    db.session.flush()
    agreement_changed.send(agreement)
    return agreement


def archive_agreement(agreement: Agreement, user, expected_version: Any, as_of: date) -> Agreement:
    check_version(agreement, expected_version)
    if agreement.stage != "archived":
        record_audit(agreement, user, "archived", "stage", agreement.stage, "archived")
        agreement.stage = "archived"
        agreement.archived_at = utcnow()
        agreement.status = status_of(agreement, as_of)
        touch(agreement)
        db.session.flush()
        agreement_changed.send(agreement)
    return agreement


def live_notices(agreement_ids: Any = None) -> dict[int, list[SimpleNamespace]]:
    """agreement id → its notices not withdrawn, in order of receipt (``received_date``,
    ``effective_end_date``, ``id``), in one query: what :func:`termination_on` reads of
    agreements loaded as plain columns (lists, the deadline refresh, the finance figures);
    only those of ``agreement_ids`` when given."""
    notices: dict[int, list[SimpleNamespace]] = defaultdict(list)
    stmt = (
        db.select(
            Termination.agreement_id,
            Termination.received_date,
            Termination.effective_end_date,
            Termination.id,
        )
        .where(Termination.withdrawn_at.is_(None))
        .order_by(Termination.received_date, Termination.id)
    )
    if agreement_ids is not None:
        stmt = stmt.where(Termination.agreement_id.in_(list(agreement_ids)))
    for agreement_id, received, end, notice_id in db.session.execute(stmt):
        notices[agreement_id].append(
            SimpleNamespace(received_date=received, effective_end_date=end, id=notice_id)
        )
    return notices


def live_amendments(agreement_ids: Any = None) -> dict[int, list[SimpleNamespace]]:
    """agreement id → its amendments not withdrawn, in order of their day (``effective_date``,
    ``changes``, ``id``), in one query: what :func:`timeline_of` reads of agreements loaded
    as plain columns."""
    found: dict[int, list[SimpleNamespace]] = defaultdict(list)
    stmt = (
        db.select(Amendment.agreement_id, Amendment.effective_date, Amendment.changes, Amendment.id)
        .where(Amendment.withdrawn_at.is_(None))
        .order_by(Amendment.effective_date, Amendment.id)
    )
    if agreement_ids is not None:
        stmt = stmt.where(Amendment.agreement_id.in_(list(agreement_ids)))
    for agreement_id, effective, changes, amendment_id in db.session.execute(stmt):
        found[agreement_id].append(
            SimpleNamespace(effective_date=effective, changes=changes, id=amendment_id)
        )
    return found


def _ids_with_status(status: str, as_of: date) -> list[int]:
    """Ids of the agreements whose status as of ``as_of`` is ``status``, worked out from the
    terms and notices read as plain columns (two queries, whatever the number of agreements)."""
    notices = live_notices()
    amendments = live_amendments()
    columns = [Agreement.id, Agreement.stage, *(getattr(Agreement, f) for f in TERM_FIELDS)]
    ids = []
    for row in db.session.execute(db.select(*columns)):
        facts = SimpleNamespace(
            **row._asdict(),
            terminations=notices.get(row.id, []),
            amendments=amendments.get(row.id, []),
        )
        if status_of(facts, as_of) == status:
            ids.append(row.id)
    return ids


def list_loads() -> tuple:
    """What the agreement lists show of each agreement, loaded with it."""
    return (
        db.selectinload(Agreement.parties).joinedload(AgreementParty.organisation),
        db.selectinload(Agreement.terminations),  # the list shows the dates a notice fixes
        db.selectinload(Agreement.amendments),  # ... and the terms in force (tilläggsavtal)
        db.joinedload(Agreement.responsible_person),
        db.joinedload(Agreement.board),
    )


def list_rows(ids: Sequence[int], loads: Sequence = ()) -> list[Agreement]:
    """The agreements ``ids`` in that order, loaded as the lists show them (and ``loads``)."""
    if not ids:
        return []
    found = {
        a.id: a
        for a in db.session.execute(
            db.select(Agreement).where(Agreement.id.in_(list(ids))).options(*list_loads(), *loads)
        )
        .unique()
        .scalars()
    }
    return [found[i] for i in ids if i in found]


def list_query(
    q: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    organisation_id: int | None = None,
    responsible_person_id: int | None = None,
    board_id: int | None = None,
    include_archived: bool = False,
    as_of: date | None = None,
    sort: str | None = None,
    descending: bool = False,
):
    """The SELECT behind the agreement list (pages and API), eager-loading what lists show.
    ``status`` is the status as of ``as_of`` (default today). ``sort`` is one of
    :data:`LIST_SORTS` (default: by title)."""
    stmt = db.select(Agreement).options(*list_loads())
    if kind:
        stmt = stmt.where(Agreement.kind == kind)
    if status and as_of is not None and as_of != clock.today():
        stmt = stmt.where(Agreement.id.in_(_ids_with_status(status, as_of)))
    elif status:
        # The stored status is today's (kept current on every change and by the daily refresh).
        stmt = stmt.where(Agreement.status == status)
    elif not include_archived:
        stmt = stmt.where(Agreement.stage != "archived")
    if organisation_id:
        stmt = stmt.where(
            Agreement.id.in_(
                db.select(AgreementParty.agreement_id).where(
                    AgreementParty.organisation_id == organisation_id
                )
            )
        )
    if responsible_person_id:
        stmt = stmt.where(Agreement.responsible_person_id == responsible_person_id)
    if board_id:
        stmt = stmt.where(Agreement.board_id == board_id)
    if q and q.strip():
        from app.agreements.search import with_search

        # The free text last: the search's plans (search.page_of) put it to the other filters.
        return with_search(
            stmt,
            q,
            lambda s: _sorted(s, sort, descending, as_of or clock.today()),
            by_title=sort in (None, "", "title"),
            descending=descending,
        )
    today_status = not status or as_of is None or as_of == clock.today()
    if today_status and not (organisation_id or responsible_person_id or board_id):
        from app.agreements.search import KEPT_COUNT, BroadFilters

        broad = BroadFilters(kind or None, status or None, include_archived)
        stmt = stmt.execution_options(**{KEPT_COUNT: broad})
    return _sorted(stmt, sort, descending, as_of or clock.today())


#: The agreement list's sort keys: title, status, the end of the current period and the next
#: last day for notice (both from the stored deadlines, kept current by every change and the
#: daily refresh; an agreement without one sorts last either way).
LIST_SORTS = ("title", "status", "period_end", "last_notice")


def _sorted(stmt, sort: str | None, descending: bool, as_of: date):
    from app.deadlines.models import Deadline

    def direction(column):
        return column.desc() if descending else column.asc()

    if sort in ("period_end", "last_notice"):
        kinds = ("last_notice",) if sort == "last_notice" else ("extension", "term_end")
        # An extension row is dated the day after the period ends, a term_end row on its last
        # day: the earliest coming one orders the agreements by the end of their period.
        nxt = (
            db.select(
                Deadline.agreement_id.label("agreement_id"), func.min(Deadline.date).label("day")
            )
            .where(Deadline.kind.in_(kinds), Deadline.date >= as_of)
            .group_by(Deadline.agreement_id)
            .subquery()
        )
        stmt = stmt.outerjoin(nxt, nxt.c.agreement_id == Agreement.id)
        return stmt.order_by(
            nxt.c.day.is_(None), direction(nxt.c.day), Agreement.title, Agreement.id
        )
    if sort == "status":
        return stmt.order_by(direction(Agreement.status), Agreement.title, Agreement.id)
    return stmt.order_by(direction(Agreement.title), direction(Agreement.id))
