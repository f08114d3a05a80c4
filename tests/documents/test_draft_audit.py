"""Drafts as they stand on a later as-of day (the audit of 2026-11-23): the current period
named as the API names it, the real last day for notice, shares to the öre, a new agreement
that starts after the current one, history dated by when drafts were made, and a missing
diarienummer shown as a placeholder instead of refusing the draft.

Expected dates are worked out by hand from DOMAIN.md ("Dates") in each test's comments."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from docx import Document

from app.core.errors import ValidationError
from app.core.money import format_sek, parse_amount
from app.documents.models import GeneratedDraft
from app.documents.services import keep_draft
from tests.documents.conftest import document_text

AUDIT_DAY = date(2026, 11, 23)


def _tables(data: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _economy_rows(data: bytes) -> list[list[str]]:
    return next(t for t in _tables(data) if t[0] == ["År", "Post", "Belopp"])


def _share_rows(data: bytes) -> list[list[str]]:
    return next(t for t in _tables(data) if t[0] == ["År", "Part", "Andel"])[1:]


# --- 1. Förlängning: the current period, and the extension the decision is about ---------------


def test_demo_seed_000_forlangning_names_the_current_period_as_the_api_does(db, api):
    """Seed 000: start 2008-01-01, first term to 2010-12-31, two-year extensions counted from
    F = 2011-01-01: …, 2025-01-01–2026-12-31, 2027-01-01–2028-12-31, 2029-01-01–2030-12-31.
    On 2026-11-23 the current period ends 2026-12-31; its last day for notice (2026-06-30) has
    passed, so the agreement goes on to 2028-12-31 and the next last day for notice is
    2028-06-30 (2028-06-30 + 6 months = 2028-12-30 ≤ 2028-12-31; 07-01 would run to 2029-01-01).
    Not giving notice by then extends it 2029-01-01–2030-12-31."""
    from app.demo.loader import load_demo

    agreement = load_demo(date(2020, 3, 1))["000"]
    db.session.commit()
    client = api("editor")

    shown = client.get(f"/agreements/{agreement.id}?as_of=2026-11-23").get_json()
    response = client.get(f"/agreements/{agreement.id}/drafts/forlangning.docx?as_of=2026-11-23")

    assert shown["dates"]["current_period_start"] == "2025-01-01"
    assert shown["dates"]["current_period_end"] == "2026-12-31"
    assert response.status_code == 200, response.get_json()
    text = document_text(response.data)
    assert "Nuvarande avtalsperiod löper 2025-01-01–2026-12-31" in text
    assert "till och med 2028-12-31 och sista dag för uppsägning är 2028-06-30" in text
    assert "Nuvarande avtalsperiod löper till och med 2028-12-31" not in text
    assert "Sista dag för uppsägning av den perioden (2026-06-30) har passerat" in text
    assert "Nuvarande avtalsperiod löper 2025-01-01–2026-12-31." in text  # Bakgrund
    assert "sägs inte upp varvid det förlängs i två år till och med 2030-12-31." in text
    assert "perioden 2029-01-01–2030-12-31" in text


def test_forlangning_in_time_names_the_current_period_and_its_extension(seed000):
    """Fixture: first term 2008, two-year extensions from 2009-01-01. On 2020-03-01 the current
    period is 2019-01-01–2020-12-31, last day for notice 2020-06-30, extension 2021–2022."""
    data, draft = keep_draft(seed000(), "forlangning", date(2020, 3, 1), None, None)

    text = document_text(data)
    assert (
        "Nuvarande avtalsperiod löper 2019-01-01–2020-12-31 och sista dag för uppsägning är "
        "2020-06-30." in text
    )
    assert "perioden 2021-01-01–2022-12-31" in text
    assert "har passerat" not in text
    assert draft.snapshot["period_start"] == "2019-01-01"
    assert draft.snapshot["period_slut"] == "2020-12-31"
    assert draft.snapshot["forlangs_fran"] == "2021-01-01"
    assert draft.snapshot["forlangs_till"] == "2022-12-31"


def test_forlangning_ignores_a_notice_received_after_its_as_of(seed000, db, add_notice):
    """A notice received 2020-05-01 did not exist on 2020-03-01: that day's draft may be made."""
    agreement = seed000()
    add_notice(agreement, received=date(2020, 5, 1), end=date(2020, 12, 31))

    data, _ = keep_draft(agreement, "forlangning", date(2020, 3, 1), None, None)

    assert "förlängs i två år till och med 2022-12-31" in document_text(data)
    with pytest.raises(ValidationError, match="redan uppsagt"):
        keep_draft(agreement, "forlangning", date(2020, 6, 1), None, None)


# --- 2. Uppsägning after the current period's last day for notice ------------------------------


def test_uppsagning_late_names_the_real_deadline(seed000, api):
    """Start 2024-01-01, first term to 2025-12-31, one-year extensions, six months' notice.
    On 2026-11-23 the current period is 2026-01-01–2026-12-31 with last day for notice
    2026-06-30 (passed). Notice received now ends it at the next period's end, 2027-12-31,
    and the last day for that is 2027-06-30."""
    agreement = seed000(
        start_date=date(2024, 1, 1), end_date=date(2025, 12, 31), extension_months=12
    )

    data, draft = keep_draft(agreement, "uppsagning", AUDIT_DAY, None, None)

    text = document_text(data)
    assert (
        "Sista dag för uppsägning är 2027-06-30. Sägs samverkansavtalet upp senast då upphör det 2027-12-31."
        in text
    )
    assert "senast 2026-06-30 upphör" not in text
    assert "sägs upp att upphöra 2027-12-31." in text
    assert (
        "skriftligen säga upp samverkansavtalet hos Åtvidabergs kommun senast 2027-06-30." in text
    )
    assert (
        "Sista dag för uppsägning av nuvarande period (2026-06-30) har passerat, så "
        "samverkansavtalet upphör först 2027-12-31." in text
    )
    assert draft.snapshot["sista_dag_uppsagning"] == "2027-06-30"
    dates = api("reader").get(f"/agreements/{agreement.id}?as_of=2026-11-23").get_json()["dates"]
    assert dates["next_end_if_notice_today"] == "2027-12-31"


def test_uppsagning_late_with_no_period_after_says_it_ends_anyway(seed000):
    """Max one extension: 2024–2025, then 2026-01-01–2026-12-31 and no more. On 2026-11-23
    its last day for notice (2026-06-30) has passed and nothing follows: it ends 2026-12-31
    whatever happens, and no "senast" day can be named."""
    agreement = seed000(
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
        extension_months=12,
        max_extensions=1,
    )

    data, draft = keep_draft(agreement, "uppsagning", AUDIT_DAY, None, None)

    text = document_text(data)
    assert "sägs upp att upphöra 2026-12-31." in text
    assert "senast 2026-06-30" not in text
    assert "förlängs inte efter 2026-12-31" in text
    assert draft.snapshot["sista_dag_uppsagning"] == ""


# --- 3. Shares to the öre ----------------------------------------------------------------------


def test_party_shares_are_shown_to_the_ore_and_add_up_to_the_net(seed000, db):
    """100 000 kr split 1/3 each: 33 333,34 + 33 333,33 + 33 333,33 (largest remainder)."""
    from app.finance import services as finance

    agreement = seed000(more_parties=("Kinda kommun",))
    finance.add_item(
        agreement,
        {"label": "Ersättning", "amount": "100000", "price_level_year": 2020, "index_series": None},
        None,
    )
    finance.set_cost_shares(
        agreement,
        [{"organisation_id": p.organisation_id} for p in agreement.parties],
        None,
        method="equal",
    )
    db.session.commit()

    data, _ = keep_draft(agreement, "forlangning", date(2020, 3, 1), None, None)

    rows = [r for r in _share_rows(data) if r[0] == "2021"]
    amounts = [r[2] for r in rows]
    assert sorted(amounts) == sorted(
        [format_sek(Decimal("33333.34"), decimals=True)]
        + [format_sek(Decimal("33333.33"), decimals=True)] * 2
    )
    assert "33\xa0333,34\xa0kr" in amounts
    net = next(r for r in _economy_rows(data) if r[0] == "2021")[2]  # no FTE: net = total
    assert sum(parse_amount(a) for a in amounts) == parse_amount(net) == Decimal("100000")


# --- 4. Nytt avtal after the current agreement -------------------------------------------------


def _flat_money(agreement, db):
    from app.finance import services as finance

    finance.add_item(
        agreement,
        {"label": "Ersättning", "amount": "500000", "price_level_year": 2024, "index_series": None},
        None,
    )
    db.session.commit()


def test_nytt_avtal_starts_after_the_current_period_for_the_original_length(seed000, db):
    """Term 2024-01-01–2025-12-31 (24 months), one-year extensions: on 2026-11-23 the current
    period ends 2026-12-31, so a new agreement runs 2027-01-01–2028-12-31."""
    agreement = seed000(
        start_date=date(2024, 1, 1), end_date=date(2025, 12, 31), extension_months=12
    )
    _flat_money(agreement, db)

    data, draft = keep_draft(agreement, "nytt_avtal", AUDIT_DAY, None, None)

    text = document_text(data)
    assert "för åren 2027–2028" in text
    assert "2024-01-01–2025-12-31" not in text.split("Sammanfattning")[0]  # the decision
    assert sorted({r[0] for r in _economy_rows(data)[1:]}) == ["2027", "2028"]
    assert draft.snapshot["nytt_fran"] == "2027-01-01"
    assert draft.snapshot["nytt_till"] == "2028-12-31"


def test_nytt_avtal_after_a_late_notice_starts_after_the_notice_end(seed000, add_notice):
    """Notice received 2026-08-01, after 2026-06-30: the agreement ends 2027-12-31, so the new
    one runs 2028-01-01–2029-12-31 (24 months like the first term)."""
    agreement = seed000(
        start_date=date(2024, 1, 1), end_date=date(2025, 12, 31), extension_months=12
    )
    add_notice(agreement, received=date(2026, 8, 1), end=date(2027, 12, 31), late=True)

    data, _ = keep_draft(agreement, "nytt_avtal", AUDIT_DAY, None, None)

    assert "för åren 2028–2029" in document_text(data)


def test_nytt_avtal_after_an_open_ended_agreement_follows_its_notice(seed000):
    """Tills vidare since 2024-01-01, six months' notice: notice received 2026-11-23 runs to
    2027-05-23, so a new (open-ended) agreement starts 2027-05-24."""
    agreement = seed000(start_date=date(2024, 1, 1), end_date=None, extension_months=None)

    data, _ = keep_draft(agreement, "nytt_avtal", AUDIT_DAY, None, None)

    assert "från 2027-05-24 tills vidare" in document_text(data)


# --- 6. Missing data: placeholders where the official fills in, refusal where meaningless ----


def test_demo_seed_000_without_diarienummer_still_gets_a_draft(db, api):
    from app.demo.loader import load_demo

    agreement = load_demo(date(2020, 3, 1))["000"]
    db.session.commit()
    assert not agreement.diarienummer

    response = api("editor").get(
        f"/agreements/{agreement.id}/drafts/uppsagning.docx?as_of=2026-11-23"
    )

    assert response.status_code == 200, response.get_json()
    assert "Diarienummer: ……" in document_text(response.data)


def test_missing_diarienummer_and_official_give_placeholders(seed000, db):
    agreement = seed000(diarienummer=None, responsible_person_id=None)

    data, draft = keep_draft(agreement, "forlangning", date(2020, 3, 1), None, None)

    text = document_text(data)
    assert "Diarienummer: ……" in text
    assert draft.snapshot["diarienummer"] == "……"
    assert draft.snapshot["handlaggare"] == "……"
    assert db.session.get(GeneratedDraft, draft.id) is not None


def test_missing_board_or_dates_are_placeholders_and_only_the_undecidable_is_refused(
    seed000, factory, db
):
    no_board = factory.agreement()
    no_dates = seed000(
        stage="procurement",
        start_date=None,
        end_date=None,
        extension_months=None,
        notice_period_months=None,
    )

    data, _ = keep_draft(no_board, "uppsagning", date(2021, 6, 1), None, None)
    new, _ = keep_draft(no_dates, "nytt_avtal", date(2021, 6, 1), None, None)
    with pytest.raises(ValidationError) as dates_exc:
        keep_draft(no_dates, "uppsagning", date(2021, 6, 1), None, None)

    assert "……" in document_text(data)  # the nämnd
    assert "för tiden ……" in document_text(new)
    assert dates_exc.value.code == "decision_does_not_fit"
    assert set(dates_exc.value.fields) == {"start_date"}
    assert "Ändra avtal" in dates_exc.value.message
