"""Demo examples of amendments and successors (DOMAIN.md, "Amendments" and "Successors").

The seed documents hold no tilläggsavtal and no renewed agreement, only the statement in seed
001 that "en förnyad överenskommelse ska undertecknas i slutet av 2020". So the demo shows the
features on labelled examples: a successor of seed 001 for 2021–2022 (its terms copied from
the seed, nothing else assumed) and one tilläggsavtal on that successor. Both say in their
text that they are examples, not facts from a document. Loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.agreements import services as agreement_services
from app.agreements.amendments import add_amendment
from app.agreements.models import Agreement
from app.extensions import db

SUCCESSOR_TITLE = "Exempel: förnyad överenskommelse om Personligt Ombud 2021–2022"
EXAMPLE_NOTE = (
    "Exempel i demodata, inte ur något verkligt dokument: visar hur en förnyad "
    "överenskommelse registreras som efterföljare till överenskommelsen 2019–2020 "
    "(seed 001), med samma parter och villkor."
)
AMENDMENT_NOTE = (
    "Exempel i demodata, inte ur något verkligt dokument: ett tilläggsavtal som förlänger "
    "avtalstiden till 2023-12-31, för att visa hur villkoren läses per dag."
)


def load_examples(
    by_seed: dict[str, Agreement], as_of: date, echo: Callable[[str], object]
) -> Agreement | None:
    """Add the labelled successor of seed 001 and its example tilläggsavtal (no commit)."""
    predecessor = by_seed.get("001")
    if predecessor is None:
        return None
    successor = db.session.execute(
        db.select(Agreement).where(Agreement.title == SUCCESSOR_TITLE)
    ).scalar_one_or_none()
    if successor is not None:
        echo(f"  = exempel finns redan: {successor.title}")
        return successor
    data = {
        "kind": predecessor.kind,
        "title": SUCCESSOR_TITLE,
        "description": EXAMPLE_NOTE,
        "stage": "decided",
        "board_id": predecessor.board_id,
        "start_date": date(2021, 1, 1),
        "end_date": date(2022, 12, 31),
        "notice_period_months": predecessor.notice_period_months,
        "notice_must_be_written": predecessor.notice_must_be_written,
        "invoicing": predecessor.invoicing,
        "invoicing_party_id": predecessor.invoicing_party_id,
        "responsible_person_id": predecessor.responsible_person_id,
        "predecessor_id": predecessor.id,
        "parties": [
            {"organisation_id": p.organisation_id, "role": p.role} for p in predecessor.parties
        ],
        "watcher_ids": [p.id for p in predecessor.watchers],
    }
    successor = agreement_services.create_agreement(data, None, as_of)
    echo(f"  + exempel: {successor.title}")
    add_amendment(
        successor,
        {
            "effective_date": "2022-09-01",
            "description": AMENDMENT_NOTE,
            "changes": {"end_date": "2023-12-31"},
        },
        None,
        as_of,
    )
    echo("  + exempel: tilläggsavtal från 2022-09-01")
    db.session.flush()
    return successor
