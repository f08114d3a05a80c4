"""Loading the seed documents' facts (``app.demo.seeds``) into the database, idempotently.

Everything is matched on natural keys (organisation name, unit name within its organisation,
person name within the organisation, agreement diarienummer within its board or else its
title, obligation title within its agreement), so loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.agreements import services as agreement_services
from app.agreements.models import Agreement, Obligation
from app.demo import seeds
from app.extensions import db
from app.parties import services as party_services
from app.parties.models import Organisation, OrganisationUnit, Person

Echo = Callable[[str], Any]


def is_empty() -> bool:
    """True when the database holds no agreements and no organisations."""
    return (
        db.session.execute(db.select(Agreement.id).limit(1)).first() is None
        and db.session.execute(db.select(Organisation.id).limit(1)).first() is None
    )


def _organisation(spec: dict, echo: Echo) -> Organisation:
    org = db.session.execute(
        db.select(Organisation).where(Organisation.name == spec["name"])
    ).scalar_one_or_none()
    if org is None:
        data = {k: v for k, v in spec.items() if k != "units"}
        org = party_services.create_organisation(data)
        echo(f"  + organisation {org.name}")
    for name, kind in spec.get("units", []):
        unit = db.session.execute(
            db.select(OrganisationUnit).filter_by(organisation_id=org.id, name=name)
        ).scalar_one_or_none()
        if unit is None:
            party_services.create_unit(org, name, kind)
            echo(f"  + {kind} {name}")
    return org


def _unit(name: str | None) -> OrganisationUnit | None:
    if not name:
        return None
    return db.session.execute(db.select(OrganisationUnit).filter_by(name=name)).scalar_one()


def _person(spec: dict, orgs: dict[str, Organisation], echo: Echo) -> Person:
    org = orgs[spec["organisation"]]
    person = db.session.execute(
        db.select(Person).filter_by(name=spec["name"], organisation_id=org.id)
    ).scalar_one_or_none()
    if person is None:
        unit = _unit(spec.get("unit"))
        person = party_services.create_person(
            {
                "name": spec["name"],
                "title": spec.get("title"),
                "email": spec.get("email"),
                "organisation_id": org.id,
                "unit_id": unit.id if unit else None,
            }
        )
        echo(f"  + person {person.name}")
    return person


def _find_agreement(spec: dict, board: OrganisationUnit | None) -> Agreement | None:
    stmt = db.select(Agreement)
    if spec.get("diarienummer"):
        stmt = stmt.where(
            Agreement.diarienummer == spec["diarienummer"],
            Agreement.board_id == board.id if board else Agreement.board_id.is_(None),
        )
    else:
        stmt = stmt.where(Agreement.title == spec["title"])
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def _obligation(
    agreement: Agreement, spec: dict, orgs: dict[str, Organisation], as_of: date, echo: Echo
) -> None:
    exists = db.session.execute(
        db.select(Obligation.id).filter_by(agreement_id=agreement.id, title=spec["title"])
    ).first()
    if exists:
        return
    data = {k: v for k, v in spec.items() if k != "responsible"}
    responsible = orgs.get(spec.get("responsible") or "")
    data["responsible_organisation_id"] = responsible.id if responsible else None
    try:
        from app.agreements.lifecycle import create_obligation
    except ImportError:  # before the lifecycle services existed: the model directly
        db.session.add(Obligation(agreement_id=agreement.id, **data))
        agreement_services.record_audit(
            agreement, None, "obligation_added", "obligations", None, spec["title"]
        )
    else:
        create_obligation(agreement, data, None, as_of)
    echo(f"    + skyldighet {spec['title']}")


def _agreement(
    spec: dict,
    orgs: dict[str, Organisation],
    people: dict[str, Person],
    as_of: date,
    echo: Echo,
) -> Agreement:
    board = _unit(spec.get("board"))
    agreement = _find_agreement(spec, board)
    if agreement is None:
        administration = _unit(spec.get("administration"))
        responsible = people.get(spec.get("responsible") or "")
        invoicing_party = orgs.get(spec.get("invoicing_party") or "")
        # The seed's own facts; the references by name are resolved to ids below.
        data = {key: spec.get(key) for key in agreement_services.FIELDS if key in spec}
        data.update(
            board_id=board.id if board else None,
            administration_id=administration.id if administration else None,
            responsible_person_id=responsible.id if responsible else None,
            invoicing_party_id=invoicing_party.id if invoicing_party else None,
            parties=[
                {"organisation_id": orgs[name].id, "role": role} for name, role in spec["parties"]
            ],
            watcher_ids=[people[name].id for name in spec.get("watchers", [])],
        )
        agreement = agreement_services.create_agreement(data, None, as_of)
        echo(f"  + avtal {spec['seed']}: {agreement.title}")
    else:
        echo(f"  = avtal {spec['seed']} finns redan: {agreement.title}")
    for obligation in spec.get("obligations", []):
        _obligation(agreement, obligation, orgs, as_of, echo)
    db.session.flush()
    return agreement


def load_demo(as_of: date, echo: Echo = lambda _msg: None) -> dict[str, Agreement]:
    """Load the five seeds (no commit); returns the agreements by seed number ("000" …)."""
    echo("Organisationer och enheter …")
    orgs = {spec["name"]: _organisation(spec, echo) for spec in seeds.ORGANISATIONS}
    echo("Personer …")
    people = {spec["name"]: _person(spec, orgs, echo) for spec in seeds.PEOPLE}
    echo("Avtal …")
    by_seed = {
        spec["seed"]: _agreement(spec, orgs, people, as_of, echo) for spec in seeds.AGREEMENTS
    }
    return by_seed


def load_extras(by_seed: dict[str, Agreement], as_of: date, echo: Echo) -> None:
    """Index series, money and deadlines from the other packages, when they exist."""
    try:
        from app.indexation.services import ensure_default_series
    except ImportError:
        echo("  (indexserier: app.indexation.services.ensure_default_series saknas, hoppar över)")
    else:
        echo("Indexserier …")
        ensure_default_series()
        db.session.flush()
    try:
        from app.finance.demo import load_demo_finance
    except ImportError:
        echo("  (ekonomi: app.finance.demo.load_demo_finance saknas, hoppar över)")
    else:
        echo("Ersättningar och kostnadsfördelning …")
        load_demo_finance(by_seed)
        db.session.flush()
    echo("Uppfyllda skyldigheter tidigare år (demo) …")
    fulfil_past_years(by_seed, as_of, echo)
    db.session.flush()
    from app.demo.examples import load_examples

    echo("Exempel på efterföljande avtal och tilläggsavtal …")
    load_examples(by_seed, as_of, echo)
    try:
        from app.grants.demo import load_demo_grants
    except ImportError:
        echo("  (statsbidrag: app.grants.demo.load_demo_grants saknas, hoppar över)")
    else:
        echo("Statistik och statsbidrag …")
        load_demo_grants(by_seed, as_of)
        db.session.flush()
    try:
        from app.deadlines.services import refresh_all
    except ImportError:
        echo("  (bevakningar: app.deadlines.services.refresh_all saknas, hoppar över)")
    else:
        echo("Bevakningar …")
        refresh_all(as_of)
        db.session.flush()


DEMO_FULFILMENT_NOTE = "Demo: uppfylld (exempeldata, inget verkligt underlag)"
# How far back the demo marks obligations as met: the dashboard looks back a year for unmet
# ones, so two years cover every occurrence it could show, whatever day the demo is loaded.
DEMO_FULFILMENT_YEARS = 2


def fulfil_past_years(by_seed: dict[str, Agreement], as_of: date, echo: Echo) -> int:
    """Mark every occurrence of the seed agreements' obligations that fell due in a year
    before ``as_of``'s as met on its due day, through the ordinary service (audited, marked as
    demo data in the note), so the demo looks like a register in use whatever day it is loaded:
    only this year's occurrences are left open. Idempotent (met occurrences are skipped).
    Returns how many occurrences were marked."""
    from app.agreements.lifecycle import obligation_due_dates, record_fulfilment
    from app.agreements.services import last_day

    first = date(as_of.year - DEMO_FULFILMENT_YEARS, 1, 1)
    until = date(as_of.year - 1, 12, 31)
    marked = 0
    for agreement in by_seed.values():
        if agreement.stage != "decided" or agreement.start_date is None:
            continue
        ends = last_day(agreement, as_of)
        stop = min(until, ends) if ends is not None else until
        start = max(first, agreement.start_date)
        if stop < start:
            continue
        for obligation in agreement.obligations:
            met = {f.due_date for f in obligation.fulfilments}
            for due in obligation_due_dates(obligation, start, stop):
                if due in met or due > as_of:
                    continue
                record_fulfilment(
                    obligation,
                    {"due_date": due, "met_on": due, "note": DEMO_FULFILMENT_NOTE},
                    None,
                    as_of,
                )
                marked += 1
    if marked:
        echo(f"    + {marked} tillfällen markerade som uppfyllda (demo)")
    return marked
