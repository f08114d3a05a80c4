"""Drafts read the terms in force on their day and a successor's draft names its predecessor
(DOMAIN.md, "Amendments" and "Successors")."""

from __future__ import annotations

from datetime import date

from app.agreements.amendments import add_amendment
from app.agreements.services import create_agreement
from app.documents.services import render_draft
from tests.documents.conftest import document_text
from tests.documents.test_draft_audit import _flat_money


def test_a_successor_draft_refers_to_the_agreement_it_renews(seed000, db):
    old = seed000(diarienummer="SOCN 2018-1")
    new = create_agreement(
        {
            "kind": old.kind,
            "title": "Förnyat samverkansavtal",
            "diarienummer": "SOCN 2020-2",
            "stage": "draft",
            "start_date": date(2027, 1, 1),
            "end_date": date(2028, 12, 31),
            "notice_period_months": 6,
            "board_id": old.board_id,
            "administration_id": old.administration_id,
            "responsible_person_id": old.responsible_person_id,
            "predecessor_id": old.id,
            "parties": [
                {"organisation_id": p.organisation_id, "role": p.role} for p in old.parties
            ],
        },
        None,
        date(2026, 11, 23),
    )
    db.session.commit()
    _flat_money(new, db)
    data = render_draft(new, "nytt_avtal", date(2026, 11, 23))
    text = document_text(data)
    assert f"följer på {old.title} (SOCN 2018-1)" in text


def test_an_uppsagning_draft_states_the_notice_period_in_force_that_day(seed000, db):
    agreement = seed000(end_date=date(2010, 12, 31))
    _flat_money(agreement, db)
    add_amendment(
        agreement,
        {"effective_date": "2026-01-01", "changes": {"notice_period_months": 9}},
        None,
        date(2026, 1, 1),
    )
    db.session.commit()
    before = render_draft(agreement, "uppsagning", date(2025, 12, 1))
    after = render_draft(agreement, "uppsagning", date(2026, 2, 1))
    assert "sex månader" in document_text(before)
    assert "tilläggsavtal" not in document_text(before)
    assert "nio månader" in document_text(after)
    assert "Avtalet ändrades genom tilläggsavtal från 2026-01-01." in document_text(after)


def test_a_draft_counts_the_statsbidrag_of_the_arsarbetare_in_force(seed000, db):
    from app.finance import services as finance

    agreement = seed000(end_date=date(2010, 12, 31), fte="2")
    _flat_money(agreement, db)
    finance.set_grant_rate(2026, "400000")
    add_amendment(
        agreement,
        {"effective_date": "2026-01-01", "changes": {"fte": "3"}},
        None,
        date(2026, 1, 1),
    )
    db.session.commit()

    text = document_text(render_draft(agreement, "uppsagning", date(2026, 2, 1)))

    # 3 årsarbetare × 400 000 kr: the tilläggsavtal's, not the original 2.
    assert "1 200 000" in text.replace("\xa0", " ")
    assert "800 000" not in text.replace("\xa0", " ")
