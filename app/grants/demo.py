"""Demo data of the yearly cycle for the seed agreements: seed 003's agreement (Leanlink) gets
statistics for 2021 taken from seed 000's figures (197 persons, 25 of them from Åtvidaberg; the
seed gives them for 2018, before the agreement began, so they are moved and labelled demo), its
obligation to supply the basis of the account to Länsstyrelsen marked as met by the statistics,
and a grant decision for 2021. Idempotent."""

from __future__ import annotations

from datetime import date

from app.agreements.models import Agreement
from app.extensions import db
from app.grants import services
from app.parties.models import Organisation

DEMO_YEAR = 2021


def load_demo_grants(agreements: dict[str, Agreement], as_of: date) -> None:
    a = agreements.get("003")
    if a is None or a.start_date is None or a.start_date.year > DEMO_YEAR:
        return
    names = dict(db.session.execute(db.select(Organisation.name, Organisation.id)).all())
    # Seed 003: the provider supplies the basis of the account to Länsstyrelsen by 1 March;
    # the recorded statistics meet it.
    for obligation in a.obligations:
        if obligation.title.startswith("Underlag till redovisning till Länsstyrelsen"):
            services.mark_statistics_obligation(obligation, None)
    if services.get_statistics(a, DEMO_YEAR) is None:
        by_municipality = [
            {"organisation_id": names[name], "persons": n}
            for name, n in (("Linköpings kommun", 172), ("Åtvidabergs kommun", 25))
            if name in names
        ]
        services.save_statistics(
            a,
            DEMO_YEAR,
            {
                # Seed 000 gives 197 persons, not by gender: all are counted as "not stated".
                "persons_other": 197,
                "by_municipality": by_municipality,
                "note": "Demo: siffrorna från seed 000 (197 personer 2018, varav 25 från "
                "Åtvidaberg), ej fördelade på kön.",
            },
            None,
            as_of,
        )
    if a.fte and services.get_decision(a, DEMO_YEAR) is None:
        services.set_decision(
            a,
            DEMO_YEAR,
            {
                "granted": "2415828",  # 6 × 402 638 kr, as applied for
                "decided_on": "2021-04-15",
                "diarienummer": "Demo",
                "paid": "2415828",
            },
            None,
        )
