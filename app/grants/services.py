"""The yearly cycle's services: the provider's statistics per agreement and year (which meet the
agreement's statistics obligation), Länsstyrelsen's decisions (one agreement, or one decision
split over a huvudman's agreements by FTE), the agreements of a huvudman, the 1 March deadline
of the application and the account, and :func:`statistics_for`, the small reading the board
drafts use.

Each change is validated whole before anything is written (422 naming the field), records an
audit entry on the agreement and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _

from app.agreements import lifecycle
from app.agreements.models import HUVUDMAN_ROLES, Agreement, AgreementParty, Obligation
from app.agreements.services import last_day, record_audit
from app.core.bulk import IN_CHUNK, in_chunks
from app.core.dates import parse_iso_date
from app.core.errors import NotFoundError, ValidationError
from app.core.money import format_sek, parse_amount
from app.deadlines.services import (
    HORIZON_DAYS,
    RECENT_DAYS,
    DeadlineData,
    register_global_producer,
    register_global_span,
)
from app.extensions import db
from app.finance import services as finance
from app.grants import rules
from app.grants.amounts import grant_rates
from app.grants.models import GrantDecision, StatisticsMunicipality, YearStatistics
from app.indexation.rules import MAX_YEAR, MIN_YEAR
from app.parties.models import Organisation

#: The roles that make an organisation the huvudman of an agreement for the yearly cycle.
STATISTICS_OBLIGATION = "statistics"
#: Suggestions for the reasons before a municipality has a list of its own.
DEFAULT_CONTACT_REASONS = (
    "Bostad",
    "Ekonomi",
    "Sysselsättning och arbete",
    "Vård och behandling",
    "Myndighetskontakter",
    "Familj och relationer",
)
DEFAULT_END_REASONS = (
    "Målen uppnådda",
    "Eget önskemål",
    "Flyttat",
    "Ingen kontakt",
    "Annat stöd tar vid",
)
COUNT_FIELDS = ("persons_women", "persons_men", "persons_other", "new_persons", "ended_persons")


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        message = _("Året måste vara mellan %(a)s och %(b)s.", a=MIN_YEAR, b=MAX_YEAR)
        raise ValidationError(message, {"year": message})
    return year


def year_span(agreement: Agreement) -> tuple[int | None, int | None]:
    """The agreement's first and last year (None: no start date / runs on)."""
    first = agreement.start_date.year if agreement.start_date else None
    end = last_day(agreement)
    return first, (end.year if end else None)


def _span_problem(agreement: Agreement, year: int) -> str | None:
    first, last = year_span(agreement)
    if first is None:
        return _("Avtalet har inget startdatum.")
    if year < first:
        return _("Avtalet hade inte börjat gälla %(year)s.", year=year)
    if last is not None and year > last:
        return _("Avtalet upphörde %(last)s och gäller inte %(year)s.", last=last, year=year)
    return None


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def get_statistics(agreement: Agreement, year: int) -> YearStatistics | None:
    return db.session.execute(
        db.select(YearStatistics)
        .options(
            db.selectinload(YearStatistics.municipalities).joinedload(
                StatisticsMunicipality.organisation
            )
        )
        .where(YearStatistics.agreement_id == agreement.id, YearStatistics.year == year)
    ).scalar_one_or_none()


def statistics_of(agreement: Agreement) -> list[YearStatistics]:
    """Every year's statistics of the agreement, oldest first."""
    return list(
        db.session.execute(
            db.select(YearStatistics)
            .options(
                db.selectinload(YearStatistics.municipalities).joinedload(
                    StatisticsMunicipality.organisation
                )
            )
            .where(YearStatistics.agreement_id == agreement.id)
            .order_by(YearStatistics.year)
        ).scalars()
    )


def _reasons(value: Any, name: str, errors: dict[str, str]) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors[name] = _("Ange orsakerna som ett objekt där varje orsak har ett antal.")
        return {}
    result: dict[str, int] = {}
    for reason, count in value.items():
        text = str(reason).strip()
        if not text or len(text) > 200:
            errors[name] = _("Varje orsak behöver en text (högst 200 tecken).")
        elif isinstance(count, bool) or not isinstance(count, int):
            errors[name] = _("Antalet för ”%(reason)s” ska vara ett heltal.", reason=text)
        elif text in result:
            errors[name] = _("Orsaken ”%(reason)s” finns två gånger.", reason=text)
        else:
            result[text] = count
    return result


def _municipalities(value: Any, errors: dict[str, str]) -> dict[int, int]:
    if value is None:
        return {}
    if not isinstance(value, list):
        errors["by_municipality"] = _("Ange en lista med {organisation_id, persons}.")
        return {}
    result: dict[int, int] = {}
    for entry in value:
        org_id = entry.get("organisation_id") if isinstance(entry, dict) else None
        persons = entry.get("persons") if isinstance(entry, dict) else None
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            errors["by_municipality"] = _("Varje rad behöver ett organisation_id (heltal).")
        elif isinstance(persons, bool) or not isinstance(persons, int):
            errors["by_municipality"] = _("Antalet personer ska vara ett heltal.")
        elif org_id in result:
            errors["by_municipality"] = _("Samma kommun finns två gånger.")
        else:
            result[org_id] = persons
    if result and "by_municipality" not in errors:
        known = set(
            db.session.execute(
                db.select(Organisation.id).where(Organisation.id.in_(list(result)))
            ).scalars()
        )
        if unknown := sorted(set(result) - known):
            errors["by_municipality"] = _(
                "Organisationen %(id)s finns inte.", id=", ".join(map(str, unknown))
            )
    return result


def read_statistics(data: dict[str, Any]) -> tuple[rules.StatisticsInput, dict[str, str]]:
    """The API's (and the form's) statistics object read into a :class:`StatisticsInput`, with
    a message per field that could not be read."""
    errors: dict[str, str] = {}
    counts: dict[str, int] = {}
    for name in COUNT_FIELDS:
        value = data.get(name, 0)
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("Ange ett heltal.")
            value = 0
        counts[name] = value
    hours = data.get("hours_per_week")
    hours_value: Decimal | None = None
    if hours not in (None, ""):
        try:
            if isinstance(hours, bool) or not isinstance(hours, (str, int, Decimal)):
                raise InvalidOperation
            hours_value = Decimal(str(hours).strip().replace(",", "."))
            if not hours_value.is_finite():
                raise InvalidOperation
            hours_value = hours_value.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["hours_per_week"] = _("Ange timmar per vecka som ett tal, t.ex. 2,5.")
            hours_value = None
    stats = rules.StatisticsInput(
        **counts,
        hours_per_week=hours_value,
        contact_reasons=_reasons(data.get("contact_reasons"), "contact_reasons", errors),
        end_reasons=_reasons(data.get("end_reasons"), "end_reasons", errors),
        by_municipality=_municipalities(data.get("by_municipality"), errors),
    )
    return stats, errors


def _read_and_check(
    agreement: Agreement, year: int, data: dict[str, Any]
) -> tuple[rules.StatisticsInput, str, dict[str, str]]:
    stats, errors = read_statistics(data)
    first, last = year_span(agreement)
    for name, message in rules.validate_statistics(stats, year, first, last).items():
        errors.setdefault(name, message)
    note = (data.get("note") or "").strip() if isinstance(data.get("note"), str) else ""
    if len(note) > 300:
        errors["note"] = _("Högst 300 tecken.")
    return stats, note, errors


def check_statistics(agreement: Agreement, year: int, data: dict[str, Any]) -> dict[str, str]:
    """What :func:`save_statistics` would refuse, field by field, without writing anything
    (the preview of an uploaded year sheet)."""
    year = _check_year(year)
    return _read_and_check(agreement, year, data)[2]


def statistics_municipalities(
    agreement: Agreement, named: Iterable[int] = ()
) -> list[Organisation]:
    """The municipalities the statistics form and the year sheet carry a figure for: those
    among the parties, then any other one the year's figures name (so that saving them
    unchanged keeps its figure)."""
    found = [p.organisation for p in agreement.parties if p.organisation.kind == "kommun"]
    extra = set(named) - {o.id for o in found}
    if extra:
        found += db.session.execute(
            db.select(Organisation).where(Organisation.id.in_(extra)).order_by(Organisation.name)
        ).scalars()
    return found


def save_statistics(
    agreement: Agreement, year: int, data: dict[str, Any], user, as_of: date
) -> YearStatistics:
    """Record (or replace) the agreement's statistics for ``year``; the statistics obligation's
    occurrence of the following year is met by it. 422 with the fields named, nothing written."""
    year = _check_year(year)
    stats, note, errors = _read_and_check(agreement, year, data)
    if errors:
        raise ValidationError(
            _("Statistiken kunde inte sparas: %(why)s", why=next(iter(errors.values()))), errors
        )
    record = get_statistics(agreement, year)
    old = None if record is None else record.persons
    if record is None:
        record = YearStatistics(agreement_id=agreement.id, year=year)
        db.session.add(record)
    for name in COUNT_FIELDS:
        setattr(record, name, getattr(stats, name))
    record.hours_per_week = stats.hours_per_week
    record.contact_reasons = dict(stats.contact_reasons)
    record.end_reasons = dict(stats.end_reasons)
    record.note = note or None
    record.updated_by_id = getattr(user, "id", None)
    record.municipalities.clear()
    db.session.flush()  # the old rows go before the new ones take their (statistics, org) key
    for org_id, persons in stats.by_municipality.items():
        record.municipalities.append(
            StatisticsMunicipality(organisation_id=org_id, persons=persons)
        )
    record_audit(agreement, user, "statistics_recorded", f"statistics:{year}", old, stats.persons)
    db.session.flush()
    _meet_statistics_obligations(agreement, year, user, as_of)
    return record


def _meet_statistics_obligations(agreement: Agreement, year: int, user, as_of: date) -> None:
    """Statistics for ``year`` meet the statistics obligation's first occurrence in the next
    year (the verksamhetsberättelse of seed 003 is due 31 March) that is not met yet."""
    obligations = db.session.execute(
        db.select(Obligation).where(
            Obligation.agreement_id == agreement.id,
            Obligation.fulfilled_by == STATISTICS_OBLIGATION,
            Obligation.active.is_(True),
        )
    ).scalars()
    for obligation in obligations:
        met = {f.due_date for f in obligation.fulfilments}
        due = [
            d
            for d in lifecycle.obligation_due_dates(
                obligation, date(year + 1, 1, 1), date(year + 1, 12, 31)
            )
            if d not in met
        ]
        if not due:
            continue
        lifecycle.record_fulfilment(
            obligation,
            {
                "due_date": due[0],
                "met_on": as_of,
                "note": _("Statistiken för %(year)s är registrerad.", year=year),
            },
            user,
            as_of,
        )


def add_statistics_obligation(agreement: Agreement, user, as_of: date) -> Obligation:
    """The provider's yearly statistics as an obligation (by 31 March, with the
    verksamhetsberättelse of seed 003), met whenever a year's statistics are recorded."""
    existing = db.session.execute(
        db.select(Obligation).where(
            Obligation.agreement_id == agreement.id,
            Obligation.fulfilled_by == STATISTICS_OBLIGATION,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    obligation = lifecycle.create_obligation(
        agreement,
        {
            "title": _("Statistik för föregående år (personer, nya, avslutade, orsaker)"),
            "recurrence": "yearly",
            "due_month": 3,
            "due_day": 31,
        },
        user,
        as_of,
    )
    obligation.fulfilled_by = STATISTICS_OBLIGATION
    db.session.flush()
    return obligation


def mark_statistics_obligation(obligation: Obligation, user) -> Obligation:
    """Let an existing obligation (seed 003's "underlag till redovisning till Länsstyrelsen")
    be met by the recorded statistics from now on."""
    if obligation.fulfilled_by != STATISTICS_OBLIGATION:
        obligation.fulfilled_by = STATISTICS_OBLIGATION
        record_audit(
            obligation.agreement,
            user,
            "obligation_met_by_statistics",
            "obligations",
            None,
            obligation.title,
        )
        db.session.flush()
    return obligation


@dataclass(frozen=True)
class StatisticsSummary:
    """A year's statistics in brief, for text such as a board draft's background."""

    agreement_id: int
    year: int
    persons: int
    persons_women: int
    persons_men: int
    persons_other: int
    new_persons: int
    ended_persons: int
    #: municipality name → persons (in the order they were entered)
    by_municipality: dict[str, int] = field(default_factory=dict)


def statistics_for(agreement_id: int, year: int) -> StatisticsSummary | None:
    """The recorded statistics of an agreement's year in brief, or None when there are none.

    The board drafts use this: "Under 2021 har verksamheten gett stöd till 197 personer,
    varav 25 från Åtvidabergs kommun"."""
    record = db.session.execute(
        db.select(YearStatistics)
        .options(
            db.selectinload(YearStatistics.municipalities).joinedload(
                StatisticsMunicipality.organisation
            )
        )
        .where(YearStatistics.agreement_id == agreement_id, YearStatistics.year == year)
    ).scalar_one_or_none()
    if record is None:
        return None
    return StatisticsSummary(
        agreement_id=agreement_id,
        year=year,
        persons=record.persons,
        persons_women=record.persons_women,
        persons_men=record.persons_men,
        persons_other=record.persons_other,
        new_persons=record.new_persons,
        ended_persons=record.ended_persons,
        by_municipality={m.organisation.name: m.persons for m in record.municipalities},
    )


def reason_suggestions(agreement: Agreement) -> tuple[list[str], list[str]]:
    """Contact and end reasons used before in the statistics of the huvudman's agreements
    (the municipality's own list), most used first, as suggestions for the form."""
    org_ids = [p.organisation_id for p in agreement.parties if p.role in HUVUDMAN_ROLES]
    ids = set(
        db.session.execute(
            db.select(AgreementParty.agreement_id).where(
                AgreementParty.organisation_id.in_(org_ids or [0]),
                AgreementParty.role.in_(HUVUDMAN_ROLES),
            )
        ).scalars()
    ) | {agreement.id}
    contact: dict[str, int] = {}
    ended: dict[str, int] = {}
    for c, e in db.session.execute(
        db.select(YearStatistics.contact_reasons, YearStatistics.end_reasons).where(
            YearStatistics.agreement_id.in_(ids)
        )
    ):
        for source, target in ((c or {}, contact), (e or {}, ended)):
            for reason, n in source.items():
                target[reason] = target.get(reason, 0) + (n if isinstance(n, int) else 0)
    order = lambda d: sorted(d, key=lambda r: (-d[r], r))  # noqa: E731
    # Until the municipality has its own list, the reasons PO statistics commonly use.
    contact_list = order(contact) + [r for r in DEFAULT_CONTACT_REASONS if r not in contact]
    end_list = order(ended) + [r for r in DEFAULT_END_REASONS if r not in ended]
    return contact_list, end_list


# --------------------------------------------------------------------------------------------
# Länsstyrelsen's decisions
# --------------------------------------------------------------------------------------------


def get_decision(agreement: Agreement, year: int) -> GrantDecision | None:
    return db.session.execute(
        db.select(GrantDecision).where(
            GrantDecision.agreement_id == agreement.id, GrantDecision.year == year
        )
    ).scalar_one_or_none()


def decisions_of(agreement: Agreement) -> list[GrantDecision]:
    return list(
        db.session.execute(
            db.select(GrantDecision)
            .where(GrantDecision.agreement_id == agreement.id)
            .order_by(GrantDecision.year)
        ).scalars()
    )


def _amount(value: Any, name: str, errors: dict[str, str], required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors[name] = _("Ange beloppet.")
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValueError(_('Ange beloppet som text, t.ex. "2415828.00".'))
        amount = parse_amount(value)
    except ValueError as exc:
        errors[name] = str(exc)
        return None
    if amount < 0:
        errors[name] = _("Beloppet får inte vara negativt.")
        return None
    return amount


def read_decision(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The decision's fields read (granted, decided_on, diarienummer, paid), with messages."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "granted": _amount(data.get("granted"), "granted", errors, True),
        "paid": _amount(data.get("paid"), "paid", errors, False),
    }
    decided = data.get("decided_on")
    if isinstance(decided, str) and decided.strip():
        try:
            decided = parse_iso_date(decided.strip())
        except ValueError as exc:
            errors["decided_on"] = str(exc)
            decided = None
    elif not isinstance(decided, date):
        decided = None
    values["decided_on"] = decided
    dnr = data.get("diarienummer")
    dnr = dnr.strip() if isinstance(dnr, str) else ""
    if len(dnr) > 100:
        errors["diarienummer"] = _("Högst 100 tecken.")
    values["diarienummer"] = dnr or None
    return values, errors


def _fte_problem(agreement: Agreement, year: int) -> str | None:
    fte = finance.fte_for_year(agreement, year)
    if not fte:
        return _(
            "Avtalet har inga årsarbetare %(year)s; ett beslut om statsbidrag kräver årsarbetare.",
            year=year,
        )
    return None


def set_decision(
    agreement: Agreement,
    year: int,
    data: dict[str, Any],
    user,
    decision_total: Decimal | None = None,
) -> GrantDecision:
    """Record Länsstyrelsen's decision for the agreement's ``year``; from now on the granted
    amount is the year's statsbidrag. 422 for a year outside the agreement or without FTE."""
    year = _check_year(year)
    values, errors = read_decision(data)
    if problem := _span_problem(agreement, year) or _fte_problem(agreement, year):
        errors["year"] = problem
    paid, granted = values["paid"], values["granted"]
    if paid is not None and granted is not None and paid > granted:
        errors["paid"] = _("Utbetalt kan inte vara mer än beviljat.")
    if errors:
        raise ValidationError(
            _("Beslutet kunde inte sparas: %(why)s", why=next(iter(errors.values()))), errors
        )
    decision = get_decision(agreement, year)
    old = None if decision is None else decision.granted
    if decision is None:
        decision = GrantDecision(agreement_id=agreement.id, year=year)
        db.session.add(decision)
    decision.granted = values["granted"]
    decision.paid = values["paid"]
    decision.decided_on = values["decided_on"]
    decision.diarienummer = values["diarienummer"]
    decision.decision_total = decision_total
    decision.updated_by_id = getattr(user, "id", None)
    record_audit(
        agreement,
        user,
        "grant_decision",
        f"statsbidrag:{year}",
        None if old is None else format_sek(old),
        format_sek(values["granted"]),
    )
    db.session.flush()
    return decision


def delete_decision(agreement: Agreement, year: int, user) -> None:
    decision = get_decision(agreement, year)
    if decision is None:
        raise NotFoundError(_("Det finns inget beslut för %(year)s.", year=year))
    record_audit(
        agreement,
        user,
        "grant_decision_removed",
        f"statsbidrag:{year}",
        format_sek(decision.granted),
    )
    db.session.delete(decision)
    db.session.flush()


def huvudman_agreements(organisation_id: int, year: int | None = None) -> list[Agreement]:
    """The non-archived agreements where the organisation is beställare or huvudman (and, with
    ``year``, that run some day of it, with the organisation huvudman then: a tilläggsavtal may
    change the huvudman from a day), by title."""
    from app.agreements.models import Amendment
    from app.agreements.services import fields_on

    amended = db.select(Amendment.agreement_id).where(Amendment.withdrawn_at.is_(None))
    named = db.select(AgreementParty.agreement_id).where(
        AgreementParty.organisation_id == organisation_id,
        AgreementParty.role.in_(HUVUDMAN_ROLES),
    )
    candidates = db.session.execute(
        db.select(Agreement)
        .where(
            Agreement.stage != "archived",
            Agreement.id.in_(named) | Agreement.id.in_(amended),
        )
        .order_by(Agreement.title, Agreement.id)
    ).scalars()

    def huvudman_on(agreement: Agreement, day: date | None) -> bool:
        parties = (
            fields_on(agreement, day)["parties"]
            if agreement.start_date
            else [(p.organisation_id, p.role) for p in agreement.parties]
        )
        return any(org == organisation_id and role in HUVUDMAN_ROLES for org, role in parties)

    if year is None:
        return [a for a in candidates if huvudman_on(a, None)]
    found = []
    for agreement in candidates:
        if not finance.runs_in_year(agreement, year):
            continue
        day = max(agreement.start_date, date(year, 1, 1)) if agreement.start_date else None
        if huvudman_on(agreement, day):
            found.append(agreement)
    return found


def split_preview(
    agreements: Sequence[Agreement], year: int, granted: Any
) -> list[tuple[Agreement, Decimal, Decimal]]:
    """(agreement, FTE, its part) for one decision split over ``agreements`` by their FTE in
    ``year`` (largest remainder, to the krona). 422 when it cannot be split."""
    errors: dict[str, str] = {}
    total = _amount(granted, "granted", errors, True)
    if not agreements:
        errors["agreement_ids"] = _("Välj minst ett avtal.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    ftes = [(a, finance.fte_for_year(a, year) or Decimal(0)) for a in agreements]
    if without := [a.title for a, f in ftes if not f]:
        message = _(
            "%(titles)s har inga årsarbetare %(year)s.", titles=", ".join(without), year=year
        )
        raise ValidationError(message, {"agreement_ids": message})
    try:
        parts = dict(rules.split_by_fte(total, [(a.id, f) for a, f in ftes]))
    except ValueError as exc:
        raise ValidationError(str(exc), {"granted": str(exc)}) from None
    return [(a, f, parts[a.id]) for a, f in ftes]


def split_decision(
    organisation_id: int,
    year: int,
    agreement_ids: Iterable[int],
    data: dict[str, Any],
    user,
) -> list[GrantDecision]:
    """One decision of Länsstyrelsen for several agreements of a huvudman, split over them by
    FTE; each agreement's part is recorded as its decision (with the whole as
    ``decision_total``). All or nothing: the caller rolls back on a ValidationError."""
    year = _check_year(year)
    ids = list(dict.fromkeys(agreement_ids))
    own = {a.id: a for a in huvudman_agreements(organisation_id)}
    if foreign := [i for i in ids if i not in own]:
        message = _(
            "Avtal %(ids)s har inte organisationen som huvudman.", ids=", ".join(map(str, foreign))
        )
        raise ValidationError(message, {"agreement_ids": message})
    values, errors = read_decision(data)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    preview = split_preview([own[i] for i in ids], year, values["granted"])
    total, paid = values["granted"], values["paid"]
    # Paid is split the same way when given (the payment follows the decision).
    paid_parts: dict[int, Decimal] = {}
    if paid is not None:
        if paid > total:
            message = _("Utbetalt kan inte vara mer än beviljat.")
            raise ValidationError(message, {"paid": message})
        try:
            paid_parts = dict(rules.split_by_fte(paid, [(a.id, f) for a, f, _p in preview]))
        except ValueError as exc:
            raise ValidationError(str(exc), {"paid": str(exc)}) from None
    decisions = []
    for agreement, _fte, part in preview:
        share = {**data, "granted": part, "paid": paid_parts.get(agreement.id)}
        decisions.append(set_decision(agreement, year, share, user, decision_total=total))
    return decisions


# --------------------------------------------------------------------------------------------
# The 1 March deadline: the application for the year and the account of the year before
# --------------------------------------------------------------------------------------------


def application_due(year: int) -> date:
    """The application for ``year`` (and the account of the year before) is due 1 March."""
    return date(year, 3, 1)


def _application_window(year: int) -> tuple[date, date]:
    """The as-of days whose deadlines hold the 1 March of ``year`` (RECENT_DAYS after it to
    HORIZON_DAYS before)."""
    due = application_due(year)
    return due - timedelta(days=HORIZON_DAYS), due + timedelta(days=RECENT_DAYS)


def _applications_of(agreement: Any, end: date | None, years: list[int]) -> set[tuple]:
    """(huvudman, year, "applies" or "accounts") for each 1 March of ``years`` the agreement
    asks of its huvudman when it ends on ``end``: the application for the year when it runs
    in it, the account of the year before when it ran then. The FTE and the huvudman are those
    in force in the year concerned (a tilläggsavtal may change either)."""
    from app.agreements.services import fields_on, fte_changes
    from app.agreements.terms import value_in_year

    changes = fte_changes(agreement)
    huvudmen: dict[int, set[int]] = {}  # year → the huvudmen in force then
    found: set[tuple] = set()
    for year in years:
        for concerned, what in ((year, "applies"), (year - 1, "accounts")):
            if agreement.start_date.year > concerned or (end is not None and end.year < concerned):
                continue
            fte = value_in_year(agreement.fte, changes, concerned) if changes else agreement.fte
            if not fte or fte <= 0:
                continue
            if concerned not in huvudmen:
                day = max(agreement.start_date, date(concerned, 1, 1))
                huvudmen[concerned] = {
                    org
                    for org, role in fields_on(agreement, day)["parties"]
                    if role in HUVUDMAN_ROLES
                }
            found.update((org_id, year, what) for org_id in huvudmen[concerned])
    return found


def _application_deadline(
    org_id: int, year: int, what: set[str], names: dict[int, str]
) -> DeadlineData:
    due = application_due(year)
    a, b = "applies" in what, "accounts" in what
    text = (
        f"ansökan {year} och redovisning {year - 1}"
        if a and b
        else f"ansökan {year}"
        if a
        else f"redovisning {year - 1}"
    )
    return DeadlineData(
        key=f"organisation:{org_id}:grant_application:{due.isoformat()}",
        kind="grant_application",
        date=due,
        title=f"Statsbidrag till Länsstyrelsen: {text}: {names.get(org_id, org_id)}",
        year=year,
        organisation_id=org_id,
    )


def _names(org_ids: set[int]) -> dict[int, str]:
    return dict(
        db.session.execute(
            db.select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        ).all()
    )


def _application_years(first: date, last: date) -> list[int]:
    """The years whose 1 March the deadlines as of some day from ``first`` to ``last`` hold."""
    return [
        y
        for y in range(first.year - 1, last.year + 3)
        if _application_window(y)[0] <= last and first <= _application_window(y)[1]
    ]


def _application_candidates(ids: Iterable[int] | None = None) -> list[Any]:
    """The decided agreements that may bring statsbidrag (a huvudman, or an amendment that may
    name one; årsarbetare, or an amendment that may set them), as plain columns with their
    notices, amendments and parties (a national register has tens of thousands); only those
    of ``ids`` when given."""

    from app.agreements.models import Amendment
    from app.agreements.services import TERM_FIELDS, live_amendments, live_notices

    huvudman_of = db.select(AgreementParty.agreement_id).where(
        AgreementParty.role.in_(HUVUDMAN_ROLES)
    )
    amended = db.select(Amendment.agreement_id).where(Amendment.withdrawn_at.is_(None))
    stmt = db.select(
        Agreement.id, Agreement.fte, *(getattr(Agreement, f) for f in TERM_FIELDS)
    ).where(
        Agreement.stage == "decided",
        Agreement.start_date.is_not(None),
        Agreement.id.in_(huvudman_of) | Agreement.id.in_(amended),
        (Agreement.fte > 0) | Agreement.id.in_(amended),
    )
    parties_stmt = db.select(
        AgreementParty.agreement_id, AgreementParty.organisation_id, AgreementParty.role
    )
    wanted = None if ids is None else set(ids)
    # Many ids: reading everything once costs less than asking them IN_CHUNK at a time.
    part = None if wanted is None or len(wanted) > IN_CHUNK else sorted(wanted)
    if part is not None:
        stmt = stmt.where(Agreement.id.in_(part))
        parties_stmt = parties_stmt.where(AgreementParty.agreement_id.in_(part))
    rows = [r for r in db.session.execute(stmt) if wanted is None or r.id in wanted]
    parties_of: dict[int, list[SimpleNamespace]] = {}
    for agreement_id, org_id, role in db.session.execute(parties_stmt):
        parties_of.setdefault(agreement_id, []).append(
            SimpleNamespace(organisation_id=org_id, role=role)
        )
    notices, amendments = live_notices(part), live_amendments(part)
    return [
        SimpleNamespace(
            **row._asdict(),
            terminations=notices.get(row.id, []),
            amendments=amendments.get(row.id, []),
            parties=parties_of.get(row.id, []),
        )
        for row in rows
    ]


def _huvudmen_named(agreement: Any) -> set[int]:
    """The organisations an agreement names huvudman (or beställare) on some day: in its own
    terms or in one of its amendments."""
    named = {p.organisation_id for p in agreement.parties if p.role in HUVUDMAN_ROLES}
    for amendment in agreement.amendments:
        for party in (amendment.changes or {}).get("parties") or ():
            if party.get("role") in HUVUDMAN_ROLES:
                named.add(party["organisation_id"])
    return named


def _inputs_digest(agreement: Any) -> str:
    """A digest of all an application candidate's 1 March rows are computed from (its terms,
    FTE, stage, parties, live notices and amendments, as :func:`_application_candidates`
    loads them): the same digest, the same rows as of any day."""

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return sorted((plain(item) for item in value), key=repr)
        if isinstance(value, SimpleNamespace):
            # Not what a reading cached on it (``_timeline``).
            return sorted((k, plain(v)) for k, v in vars(value).items() if not k.startswith("_"))
        return value

    data = json.dumps(plain(agreement), default=str, sort_keys=True)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def _source_rows(candidates: Iterable[Any], orgs: set[int] | None = None) -> list[dict]:
    """The ``deadline_organisation_sources`` rows of ``candidates`` (for ``orgs`` only, when
    given): each organisation an agreement names huvudman, with the agreement's digest."""
    rows = []
    for c in candidates:
        named = [org for org in _huvudmen_named(c) if orgs is None or org in orgs]
        if named:
            digest = _inputs_digest(c)
            rows.extend(
                {"organisation_id": o, "agreement_id": c.id, "digest": digest} for o in named
            )
    return rows


def _application_span_rows(
    candidates: Iterable[Any], first: date, last: date, orgs: set[int] | None = None
) -> list[tuple[DeadlineData, date, date]]:
    """:func:`grant_application_span` from ``candidates`` (for the organisations ``orgs``,
    when given: all the candidates of those must be among them)."""
    from app.deadlines.services import as_of_cuts

    years = _application_years(first, last)
    if not years:
        return []
    held: dict[tuple[int, int], list[tuple[date, date, str]]] = {}  # (org, year) → intervals
    for agreement in candidates:
        if agreement.start_date.year > years[-1]:
            continue
        for since, until in as_of_cuts(agreement, first, last):
            for org_id, year, what in _applications_of(
                agreement, last_day(agreement, since), years
            ):
                if orgs is not None and org_id not in orgs:
                    continue
                w_from, w_to = _application_window(year)
                lo, hi = max(since, w_from), min(until, w_to + timedelta(days=1))
                if lo < hi:
                    held.setdefault((org_id, year), []).append((lo, hi, what))
    names = _names({org_id for org_id, _y in held})
    result = []
    for (org_id, year), intervals in sorted(held.items()):
        edges = sorted({day for lo, hi, _w in intervals for day in (lo, hi)})
        current: tuple[set[str], date] | None = None
        for lo, hi in zip(edges, edges[1:], strict=False):
            what = {w for a, b, w in intervals if a <= lo and hi <= b}
            if current is not None and current[0] != what:
                if current[0]:
                    result.append(
                        (_application_deadline(org_id, year, current[0], names), current[1], lo)
                    )
                current = None
            if current is None:
                current = (what, lo)
        if current is not None and current[0]:
            result.append(
                (_application_deadline(org_id, year, current[0], names), current[1], edges[-1])
            )
    return result


def grant_application_span(first: date, last: date) -> list[tuple[DeadlineData, date, date]]:
    """:func:`grant_application_deadlines` as of every day from ``first`` to ``last``, as
    (deadline, the first as-of day it holds on, the first it no longer does): an agreement's
    end reads otherwise only where an amendment takes effect or a notice counts, and a year's
    1 March is in the deadlines of the days of its window."""
    return _application_span_rows(_application_candidates(), first, last)


#: An agreement changed up to this long before the last computation counts as changed since
#: (a transaction still open then, clocks of several machines a little apart).
CHANGE_MARGIN = timedelta(minutes=15)


def maintain_application_spans(first: date, last: date, full: bool) -> None:
    """Keep the stored span rows of the huvudmen's 1 March (see ``register_global_span``) for
    the as-of days from ``first`` to ``last``, recomputing only the organisations whose rows
    may read otherwise: those of an agreement changed (or deleted) since the last computation,
    before and after the change (``deadline_organisation_sources``), and those whose coverage
    the span passes (spread over GLOBAL_SPAN_SLACK_DAYS days, a few a day). ``full``, or
    nothing stored yet: every organisation."""
    from app.db import utcnow
    from app.deadlines.models import DeadlineOrganisationCoverage, DeadlineOrganisationSource
    from app.deadlines.services import (
        GLOBAL_SPAN_SLACK_DAYS,
        global_span_state,
        replace_global_span_rows,
        store_global_span_state,
    )

    started = utcnow()
    src, cov = DeadlineOrganisationSource.__table__, DeadlineOrganisationCoverage.__table__
    until = last + timedelta(days=GLOBAL_SPAN_SLACK_DAYS)
    state = global_span_state(APPLICATION_SPAN)
    if full or state is None or state.covered_from > first:
        candidates = _application_candidates()
        replace_global_span_rows(APPLICATION_SPAN, _application_span_rows(candidates, first, until))
        db.session.execute(src.delete())
        db.session.execute(cov.delete())
        sources = _source_rows(candidates)
        _insert_rows(src, sources)
        orgs = {row["organisation_id"] for row in sources}
        _insert_rows(
            cov,
            [
                {
                    "organisation_id": o,
                    "covered_to": last + timedelta(days=o % GLOBAL_SPAN_SLACK_DAYS),
                }
                for o in orgs
            ],
        )
        store_global_span_state(APPLICATION_SPAN, first, until, None, started)
        return
    changed = set(
        db.session.execute(
            db.select(Agreement.id).where(Agreement.updated_at > state.computed_at - CHANGE_MARGIN)
        ).scalars()
    )
    gone = set(
        db.session.execute(
            db.select(src.c.agreement_id)
            .outerjoin(Agreement.__table__, Agreement.__table__.c.id == src.c.agreement_id)
            .where(Agreement.__table__.c.id.is_(None))
        ).scalars()
    )
    # An edit that leaves all the rows are computed from as it was (the same digest, the same
    # huvudmen) changes no organisation's rows.
    named_before: dict[int, set[int]] = defaultdict(set)
    digests_before: dict[int, set[str | None]] = defaultdict(set)
    for part in in_chunks(sorted(changed | gone)):
        for org_id, agreement_id, digest in db.session.execute(
            db.select(src.c.organisation_id, src.c.agreement_id, src.c.digest).where(
                src.c.agreement_id.in_(part)
            )
        ):
            named_before[agreement_id].add(org_id)
            digests_before[agreement_id].add(digest)
    orgs: set[int] = set()
    for candidate in _application_candidates(changed - gone):
        named = _huvudmen_named(candidate)
        before = (named_before.get(candidate.id), digests_before.get(candidate.id))
        if before == (named, {_inputs_digest(candidate)}):
            changed.discard(candidate.id)
        else:
            orgs.update(named)
    touched = sorted(changed | gone)
    orgs.update(o for a in touched for o in named_before.get(a, ()))
    orgs.update(
        db.session.execute(
            db.select(cov.c.organisation_id).where(cov.c.covered_to < last)
        ).scalars()
    )
    if orgs:
        ids = set(changed - gone)
        for part in in_chunks(orgs):
            ids.update(
                db.session.execute(
                    db.select(src.c.agreement_id).where(src.c.organisation_id.in_(part))
                ).scalars()
            )
            db.session.execute(src.delete().where(src.c.organisation_id.in_(part)))
            db.session.execute(cov.delete().where(cov.c.organisation_id.in_(part)))
        for part in in_chunks(touched):
            db.session.execute(src.delete().where(src.c.agreement_id.in_(part)))
        candidates = _application_candidates(ids - gone)
        replace_global_span_rows(
            APPLICATION_SPAN, _application_span_rows(candidates, first, until, orgs), orgs
        )
        sources = _source_rows(candidates, orgs)
        _insert_rows(src, sources)
        covered = {row["organisation_id"] for row in sources}
        _insert_rows(cov, [{"organisation_id": o, "covered_to": until} for o in covered])
    store_global_span_state(APPLICATION_SPAN, state.covered_from, last, None, started)


def _insert_rows(table: Any, rows: list[dict]) -> None:
    for start in range(0, len(rows), IN_CHUNK):
        db.session.execute(table.insert(), rows[start : start + IN_CHUNK])


@register_global_producer
def grant_application_deadlines(as_of: date) -> Iterable[DeadlineData]:
    """For each huvudman (beställare or huvudman of a decided agreement with årsarbetare: a PO
    activity that brings statsbidrag): 1 March of each year one of its agreements runs in (the
    application) or ran in the year before (the account). One deadline per huvudman and year,
    whatever the number of its agreements: it applies once, for all of them."""
    years = _application_years(as_of, as_of)
    if not years:
        return []
    held: dict[tuple[int, int], set[str]] = {}
    for agreement in _application_candidates():
        if agreement.start_date.year > years[-1]:
            continue
        for org_id, year, what in _applications_of(agreement, last_day(agreement, as_of), years):
            held.setdefault((org_id, year), set()).add(what)
    names = _names({org_id for org_id, _y in held})
    return [
        _application_deadline(org_id, year, what, names)
        for (org_id, year), what in sorted(held.items())
    ]


APPLICATION_SPAN = "grant_application"
register_global_span(
    grant_application_deadlines,
    grant_application_span,
    APPLICATION_SPAN,
    maintain_application_spans,
)


def expected_for(
    agreement: Agreement, year: int, as_of: date | None = None
) -> tuple[Decimal | None, Decimal | None]:
    """(FTE in ``year``, expected statsbidrag FTE × rate) for the reports, with the
    amendments in force on ``as_of``."""
    fte = finance.fte_for_year(agreement, year, as_of)
    rate = grant_rates().get(year)
    return fte, rules.expected_grant(fte, rate)
