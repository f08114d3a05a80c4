"""Board decision drafts: the decision text, dates, parties and economics in the generated
Word document, the record kept of each draft, and bad input refused or made safe."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from app.core.errors import ValidationError
from app.core.money import format_sek
from app.documents.models import GeneratedDraft
from app.documents.services import draft_bytes, drafts_dir, render_draft
from tests.documents.conftest import document_text

DAY = date(2020, 3, 1)


def test_forlangning_says_it_is_not_terminated_and_extends_two_years(seed000):
    agreement = seed000()

    data, draft = render_draft(agreement, "forlangning", DAY, None, None)

    text = document_text(data)
    assert (
        "Samverkansavtalet med Åtvidabergs kommun avseende personligt ombud sägs inte upp "
        "varvid det förlängs i två år till och med 2022-12-31." in text
    )
    assert "Social- och omsorgsnämnden" in text
    assert "Social- och omsorgsförvaltningen" in text
    assert "2020-03-01" in text
    assert "SOCN 2020-123" in text
    assert "sedan 2008-01-01" in text
    assert "sista dag för uppsägning är 2020-06-30" in text
    assert "Linda Ljungqvist" in text and "Strateg" in text
    assert "Information enligt lagen om medbestämmande är ej påkallat." in text
    doc = Document(io.BytesIO(data))
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "Heading 2", "List Number"} <= styles
    recipients = [p.text for p in doc.paragraphs]
    assert recipients[recipients.index("Beslutet skickas till") + 1] == "Åtvidabergs kommun"
    assert draft.decision == "forlangning"


def test_forlangning_after_the_last_notice_day_looks_at_the_next_period(seed000):
    agreement = seed000()

    data, _ = render_draft(agreement, "forlangning", date(2020, 9, 1), None, None)

    assert "förlängs i två år till och med 2024-12-31" in document_text(data)


def test_uppsagning_ends_at_the_period_end_when_in_time(seed000):
    data, _ = render_draft(seed000(), "uppsagning", DAY, None, None)

    text = document_text(data)
    assert "avseende personligt ombud sägs upp att upphöra 2020-12-31." in text
    assert "skriftligen säga upp samverkansavtalet hos Åtvidabergs kommun senast 2020-06-30" in text


def test_uppsagning_after_the_last_notice_day_ends_a_period_later(seed000):
    data, _ = render_draft(seed000(), "uppsagning", date(2020, 8, 1), None, None)

    assert "sägs upp att upphöra 2022-12-31." in document_text(data)


def test_nytt_avtal_follows_the_iop_wording(seed000):
    agreement = seed000(
        kind="iop",
        start_date=date(2023, 1, 1),
        end_date=date(2024, 12, 31),
        extension_months=None,
    )

    data, _ = render_draft(agreement, "nytt_avtal", date(2022, 12, 6), None, None)

    text = document_text(data)
    assert "Social- och omsorgsnämnden beslutar" in text
    assert (
        "att ge social- och omsorgsförvaltningens chef i uppdrag att teckna överenskommelse om "
        "idéburet offentligt partnerskap med Åtvidabergs kommun avseende personligt ombud för "
        "tiden 2023-01-01–2024-12-31." in text
    )
    assert "Barnets bästa" in text


def test_upphandling_needs_no_agreement_dates(seed000, db):
    agreement = seed000(
        stage="procurement",
        start_date=None,
        end_date=None,
        extension_months=None,
        notice_period_months=None,
    )

    data, _ = render_draft(
        agreement, "upphandling", DAY, {"verksamhet": "funktionen personligt ombud"}, None
    )

    text = document_text(data)
    assert "Social- och omsorgsnämnden beslutar att upphandla funktionen personligt ombud." in text
    assert "Expedieras" in text


def test_economics_table_shows_the_finance_computation(seed000, with_money):
    from app.finance.services import compensation_years

    agreement = with_money(seed000())

    data, draft = render_draft(agreement, "forlangning", DAY, None, None)

    expected = compensation_years(agreement, 2021, 2022)
    doc = Document(io.BytesIO(data))
    economy = next(t for t in doc.tables if t.rows[0].cells[0].text == "År" and len(t.columns) == 4)
    rows = [[c.text for c in row.cells] for row in economy.rows]
    assert rows[0] == ["År", "Ersättning", "Statsbidrag", "Nettokostnad"]
    assert rows[1:] == [
        [
            f"{r.year}{' *' if r.preliminary else ''}",
            format_sek(r.total),
            format_sek(r.statsbidrag),
            format_sek(r.net),
        ]
        for r in expected
    ]
    assert rows[1][0] == "2021" and rows[2][0] == "2022 *"  # 2022 uses a preliminary value
    assert economy.style.name == "Table Grid"
    shares = next(t for t in doc.tables if t.rows[0].cells[0].text == "År" and len(t.columns) == 3)
    share_rows = [[c.text for c in row.cells] for row in shares.rows][1:]
    first, second = (format_sek(amount, decimals=True) for _org, amount in expected[0].shares)
    assert share_rows[0] == ["2021", "Linköpings kommun", first]
    assert share_rows[1] == ["2021", "Åtvidabergs kommun", second]
    assert "Preliminärt" in document_text(data)
    assert draft.snapshot["ekonomi_rader"][0]["ersattning"] == format_sek(expected[0].total)


def test_without_compensation_the_economy_is_the_budget_sentence(seed000):
    data, _ = render_draft(seed000(), "forlangning", DAY, None, None)

    doc = Document(io.BytesIO(data))
    text = document_text(data)
    assert "Ersättning för verksamheten finns inom social- och omsorgsnämndens budget." in text
    assert not any(t.style.name == "Table Grid" for t in doc.tables)


@pytest.mark.parametrize(
    ("overrides", "decision", "as_of", "words"),
    [
        ({"extension_months": None}, "forlangning", DAY, "ingen förlängningsregel"),
        ({"max_extensions": 0}, "uppsagning", date(2010, 1, 1), "redan upphört"),
        ({"max_extensions": 0}, "forlangning", DAY, "redan upphört"),
        ({"max_extensions": 6}, "forlangning", date(2020, 3, 1), "högsta antalet"),
    ],
)
def test_a_decision_that_does_not_fit_is_refused(seed000, overrides, decision, as_of, words):
    agreement = seed000(**overrides)

    with pytest.raises(ValidationError) as exc:
        render_draft(agreement, decision, as_of, None, None)

    assert words in exc.value.message
    assert exc.value.code == "decision_does_not_fit"


def test_a_terminated_agreement_cannot_be_extended_or_terminated_again(seed000, db, add_notice):
    agreement = seed000()
    add_notice(agreement, received=date(2020, 2, 1), end=date(2020, 12, 31))

    for decision in ("forlangning", "uppsagning"):
        with pytest.raises(ValidationError, match="redan uppsagt"):
            render_draft(agreement, decision, DAY, None, None)


def test_missing_data_is_named(seed000, db):
    agreement = seed000(
        stage="procurement",
        diarienummer=None,
        start_date=None,
        end_date=None,
        extension_months=None,
        notice_period_months=None,
    )

    with pytest.raises(ValidationError) as exc:
        render_draft(agreement, "uppsagning", DAY, None, None)

    assert "avtalstid" in exc.value.message
    assert set(exc.value.fields) == {"start_date"}  # a diarienummer is no reason to refuse
    assert db.session.execute(db.select(GeneratedDraft)).first() is None


def test_free_text_with_xml_characters_stays_text(seed000):
    texts = {
        "arendet": "Kostnad < 5 mkr & <b>fet</b> ]]> \x0b\x00\x07slut\n\nNytt stycke",
        "samrad": "A & B",
    }

    data, draft = render_draft(seed000(), "forlangning", DAY, texts, None)

    doc = Document(io.BytesIO(data))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Kostnad < 5 mkr & <b>fet</b> ]]> slut" in paragraphs
    assert "Nytt stycke" in paragraphs
    assert "A & B" in paragraphs
    assert "\x0b" not in draft.snapshot["arendet"]


def test_a_draft_is_kept_and_can_be_reproduced(seed000, db):
    import hashlib

    data, draft = render_draft(seed000(), "uppsagning", DAY, {"mbl": "MBL § 19"}, None)
    db.session.commit()

    kept = db.session.get(GeneratedDraft, draft.id)
    assert kept.template_name == "uppsagning.docx"
    from app.documents.services import shipped_dir

    assert (
        kept.template_sha256
        == hashlib.sha256((shipped_dir() / "uppsagning.docx").read_bytes()).hexdigest()
    )
    assert kept.snapshot["upphor"] == "2020-12-31"
    assert kept.snapshot["mbl"] == "MBL § 19"
    assert draft_bytes(kept) == data

    (drafts_dir() / kept.stored_name).unlink()
    again = draft_bytes(kept)
    assert "sägs upp att upphöra 2020-12-31." in document_text(again)
    assert "MBL § 19" in document_text(again)


def test_earlier_drafts_appear_in_the_background(seed000, db):
    from datetime import UTC, datetime

    agreement = seed000()
    _, earlier = render_draft(agreement, "uppsagning", date(2020, 2, 1), None, None)
    earlier.created_at = datetime(2020, 2, 1, 9, 0, tzinfo=UTC)
    db.session.commit()

    data, _ = render_draft(agreement, "forlangning", DAY, None, None)

    assert "Förslag till beslut om uppsägning upprättades 2020-02-01." in document_text(data)
