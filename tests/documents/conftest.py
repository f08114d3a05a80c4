"""Seed-like agreements for the draft tests (seed 000: Linköping and Åtvidaberg)."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def seed000(db, factory):
    """Linköping's samverkansavtal with Åtvidaberg: since 2008-01-01, two-year extensions."""
    from app.parties import services as parties

    def make(more_parties: tuple[str, ...] = (), **overrides):
        linkoping = factory.organisation("Linköpings kommun")
        atvidaberg = factory.organisation("Åtvidabergs kommun")
        others = [(factory.organisation(name), "part") for name in more_parties]
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
            parties_=[(linkoping, "huvudman"), (atvidaberg, "part"), *others],
            as_of=date(2020, 3, 1),
            **fields,
        )

    return make


@pytest.fixture
def with_money(db):
    """Compensation indexed with an OPI-like series, statsbidrag for 4.5 FTE, equal shares."""
    from app.finance import services as finance
    from app.indexation import services as indexation

    def add(agreement, fte="4.5"):
        series = indexation.create_series("OPI-TEST", "OPI (test)")
        for year, percent, status in (
            (2020, "3.0", "final"),
            (2021, "1.5", "final"),
            (2022, "1.9", "preliminary"),
        ):
            # Known early, so that drafts as of 2020 see them (values as known on the day).
            indexation.set_value(series, year, percent, status, known_from=date(2019, 12, 1))
        finance.add_item(
            agreement,
            {
                "label": "Personligt ombud, 4,5 årsarbetare",
                "amount": "3600000",
                "price_level_year": 2019,
                "index_series": "OPI-TEST",
            },
            None,
        )
        finance.add_item(
            agreement,
            {"label": "Lokal", "amount": "263426", "price_level_year": 2019, "index_series": None},
            None,
        )
        for year in (2021, 2022):
            finance.set_grant_rate(year, "402638")
        agreement.fte = fte
        finance.set_cost_shares(
            agreement,
            [{"organisation_id": p.organisation_id} for p in agreement.parties],
            None,
            method="equal",
        )
        db.session.commit()
        return agreement

    return add


def document_text(data: bytes) -> str:
    """Every paragraph of a .docx (body, tables, page headers) as one text, via python-docx."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def add_notice(db):
    """``add_notice(agreement, received=…, end=…, late=False)``: a notice from the agreement's
    second party, stored as given (no rule applied) and committed."""
    from app.agreements.models import Termination

    def add(agreement, received, end, late=False):
        db.session.add(
            Termination(
                agreement=agreement,
                organisation_id=agreement.parties[1].organisation_id,
                received_date=received,
                effective_end_date=end,
                late=late,
            )
        )
        db.session.commit()

    return add
