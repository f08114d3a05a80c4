"""Seed-like agreements for the draft tests (seed 000: Linköping and Åtvidaberg)."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def seed000(db, factory):
    """Linköping's samverkansavtal with Åtvidaberg: since 2008-01-01, two-year extensions."""
    from app.parties import services as parties

    def make(**overrides):
        linkoping = factory.organisation("Linköpings kommun")
        atvidaberg = factory.organisation("Åtvidabergs kommun")
        board = parties.create_unit(linkoping, "Social- och omsorgsnämnden", "namnd")
        admin = parties.create_unit(linkoping, "Social- och omsorgsförvaltningen", "forvaltning")
        official = factory.person(
            "Linda Ljungqvist", "linda@example.se", title="Strateg", organisation_id=linkoping.id
        )
        db.session.commit()
        fields = {
            "kind": "samverkansavtal",
            "title": "Personligt ombud, samverkansavtal med Åtvidabergs kommun",
            "diarienummer": "SOCN 2020-123",
            "start_date": date(2008, 1, 1),
            "end_date": date(2008, 12, 31),
            "notice_period_months": 6,
            "extension_months": 24,
            "board_id": board.id,
            "administration_id": admin.id,
            "responsible_person_id": official.id,
            **overrides,
        }
        return factory.agreement(
            parties_=[(linkoping, "huvudman"), (atvidaberg, "part")],
            as_of=date(2020, 3, 1),
            **fields,
        )

    return make
