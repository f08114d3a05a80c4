"""Board decision drafts: the decision text, dates, parties and economics in the generated
Word document, the record kept of each draft, and bad input refused or made safe."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from app.core.errors import ValidationError
from app.core.money import format_sek
from app.documents.context import Choices
from app.documents.models import GeneratedDraft
from app.documents.services import draft_bytes, drafts_dir, keep_draft
from tests.documents.conftest import document_text

DAY = date(2020, 3, 1)


def test_forlangning_says_it_is_not_terminated_and_extends_two_years(seed000):
    agreement = seed000()

    data, draft = keep_draft(agreement, "forlangning", DAY, None, None)

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
    after = recipients[recipients.index("Beslutet skickas till") + 1 :]
    assert after[:2] == ["För kännedom:", "Åtvidabergs kommun"]
    assert "Linköpings kommun" not in after
    assert draft.decision == "forlangning"


def test_forlangning_after_the_last_notice_day_looks_at_the_next_period(seed000):
    agreement = seed000()

    data, _ = keep_draft(agreement, "forlangning", date(2020, 9, 1), None, None)

    assert "förlängs i två år till och med 2024-12-31" in document_text(data)


def test_uppsagning_ends_at_the_period_end_when_in_time(seed000):
    data, _ = keep_draft(seed000(), "uppsagning", DAY, None, None)

    text = document_text(data)
    assert "avseende personligt ombud sägs upp att upphöra 2020-12-31." in text
    assert "skriftligen säga upp samverkansavtalet hos Åtvidabergs kommun senast 2020-06-30" in text


def test_uppsagning_after_the_last_notice_day_ends_a_period_later(seed000):
    data, _ = keep_draft(seed000(), "uppsagning", date(2020, 8, 1), None, None)

    assert "sägs upp att upphöra 2022-12-31." in document_text(data)


def test_nytt_avtal_follows_the_iop_wording(seed000):
    agreement = seed000(
        kind="iop",
        start_date=date(2023, 1, 1),
        end_date=date(2024, 12, 31),
        extension_months=None,
    )

    data, _ = keep_draft(agreement, "nytt_avtal", date(2022, 12, 6), None, None)

    text = document_text(data)
    assert "Social- och omsorgsnämnden beslutar" in text
    assert (
        "att ge social- och omsorgsförvaltningens chef i uppdrag att teckna överenskommelse om "
        "idéburet offentligt partnerskap med Åtvidabergs kommun avseende personligt ombud för "
        "åren 2023–2024," in text
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

    data, _ = keep_draft(
        agreement,
        "upphandling",
        DAY,
        Choices(texts={"verksamhet": "funktionen personligt ombud"}),
        None,
    )

    text = document_text(data)
    assert "Social- och omsorgsnämnden beslutar att upphandla funktionen personligt ombud." in text
    assert "Expedieras" in text


def test_economics_table_shows_each_line_each_year_and_the_finance_computation(seed000, with_money):
    from app.finance.services import compensation_years

    agreement = with_money(seed000())

    data, draft = keep_draft(agreement, "forlangning", DAY, None, None)

    expected = compensation_years(agreement, 2021, 2022)
    doc = Document(io.BytesIO(data))
    economy = next(t for t in doc.tables if t.rows[0].cells[0].text == "År")
    rows = [[c.text for c in row.cells] for row in economy.rows]
    assert rows[0] == ["År", "Post", "Belopp"]
    want = []
    for r in expected:
        want += [[str(r.year), item.label, format_sek(item.amount)] for item in r.items]
        want.append([str(r.year), "Summa ersättning", format_sek(r.total)])
        want.append([str(r.year), "Statsbidrag", format_sek(r.statsbidrag)])
        want.append([str(r.year), "Nettokostnad", format_sek(r.net)])
    assert rows[1:] == want
    assert economy.style.name == "Table Grid"
    text = document_text(data)
    assert (
        "Personligt ombud, 4,5 årsarbetare: 3\xa0600\xa0000\xa0kr i 2019 års prisnivå, räknas om "
        "årligen med OPI (test) från 2020." in text
    )
    assert "Lokal: 263\xa0426\xa0kr i 2019 års prisnivå, fast belopp." in text
    assert "OPI (test) för 2022 är preliminärt (1,9 %)" in text
    shares = next(t for t in doc.tables if t.rows[0].cells[1].text == "Part")
    share_rows = [[c.text for c in row.cells] for row in shares.rows][1:]
    first, second = (format_sek(amount, decimals=True) for _org, amount in expected[0].shares)
    assert share_rows[0] == ["2021", "Linköpings kommun", first]
    assert share_rows[1] == ["2021", "Åtvidabergs kommun", second]
    assert draft.snapshot["ekonomi_rader"][0]["ersattning"] == format_sek(expected[0].total)


def test_a_draft_uses_the_index_values_known_on_its_day(seed000, with_money, db):
    from app.indexation import services as indexation

    agreement = with_money(seed000())
    series = indexation.get_series("OPI-TEST")
    indexation.set_value(series, 2022, "2.4", "final", known_from=date(2021, 4, 1))
    indexation.set_value(series, 2023, "3.5", "final", known_from=date(2022, 12, 1))
    db.session.commit()

    before = document_text(keep_draft(agreement, "forlangning", DAY, None, None)[0])
    later = document_text(keep_draft(agreement, "uppsagning", date(2021, 6, 1), None, None)[0])

    assert "OPI (test) för 2022 är preliminärt (1,9 %)" in before
    assert "preliminärt" not in later  # by then 2.4 % final was known
    again = document_text(keep_draft(agreement, "forlangning", DAY, None, None)[0])
    assert again.split("Ekonomiska konsekvenser")[1] == before.split("Ekonomiska konsekvenser")[1]


def test_a_missing_index_value_is_a_plain_sentence_not_a_code(seed000, with_money):
    agreement = with_money(seed000(max_extensions=None))

    data, _ = keep_draft(agreement, "uppsagning", date(2022, 10, 1), None, None)
    text = document_text(data)

    assert (
        "OPI (test) för 2023 och 2024 är ännu inte fastställt; beloppen räknas fram när "
        "värdena är kända." in text
    )
    assert "OPI-TEST" not in text
    assert ["2023", "Personligt ombud, 4,5 årsarbetare", "ej fastställt"] in [
        [c.text for c in row.cells] for row in Document(io.BytesIO(data)).tables[1].rows
    ]


def test_without_compensation_the_economy_is_the_budget_sentence(seed000):
    data, _ = keep_draft(seed000(), "forlangning", DAY, None, None)

    doc = Document(io.BytesIO(data))
    text = document_text(data)
    assert "Ersättning för verksamheten finns inom social- och omsorgsnämndens budget." in text
    assert not any(t.style.name == "Table Grid" for t in doc.tables)
    assert "Statsbidrag" not in text.split("Ekonomiska konsekvenser")[1].split("Samråd")[0]


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
        keep_draft(agreement, decision, as_of, None, None)

    assert words in exc.value.message
    assert exc.value.code == "decision_does_not_fit"


def test_a_terminated_agreement_cannot_be_extended_or_terminated_again(seed000, db, add_notice):
    agreement = seed000()
    add_notice(agreement, received=date(2020, 2, 1), end=date(2020, 12, 31))

    for decision in ("forlangning", "uppsagning"):
        with pytest.raises(ValidationError, match="redan uppsagt"):
            keep_draft(agreement, decision, DAY, None, None)


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
        keep_draft(agreement, "uppsagning", DAY, None, None)

    assert "avtalstid" in exc.value.message
    assert set(exc.value.fields) == {"start_date"}  # a diarienummer is no reason to refuse
    assert db.session.execute(db.select(GeneratedDraft)).first() is None


def test_free_text_with_xml_characters_stays_text(seed000):
    texts = {
        "arendet": "Kostnad < 5 mkr & <b>fet</b> ]]> \x0b\x00\x07slut\n\nNytt stycke",
        "bakgrund": "A & B",
    }

    data, draft = keep_draft(seed000(), "forlangning", DAY, Choices(texts=texts), None)

    doc = Document(io.BytesIO(data))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Kostnad < 5 mkr & <b>fet</b> ]]> slut" in paragraphs
    assert "Nytt stycke" in paragraphs
    assert "A & B" in paragraphs
    assert "\x0b" not in draft.snapshot["arendet"]


def test_a_draft_is_kept_and_can_be_reproduced(seed000, db):
    import hashlib

    data, draft = keep_draft(
        seed000(), "uppsagning", DAY, Choices(texts={"uppfoljning": "MBL § 19"}), None
    )
    db.session.commit()

    kept = db.session.get(GeneratedDraft, draft.id)
    assert kept.template_name == "uppsagning.docx"
    from app.documents.services import shipped_dir

    assert (
        kept.template_sha256
        == hashlib.sha256((shipped_dir() / "uppsagning.docx").read_bytes()).hexdigest()
    )
    assert kept.snapshot["upphor"] == "2020-12-31"
    assert kept.snapshot["uppfoljning"] == "MBL § 19"
    assert draft_bytes(kept) == data

    (drafts_dir() / kept.stored_name).unlink()
    again = draft_bytes(kept)
    assert "sägs upp att upphöra 2020-12-31." in document_text(again)
    assert "MBL § 19" in document_text(again)


def test_the_background_is_written_from_facts_not_earlier_drafts_or_the_description(seed000, db):
    agreement = seed000(description="Antaganden i demodata: något internt.")
    keep_draft(agreement, "uppsagning", date(2020, 2, 1), None, None)
    db.session.commit()

    data, _ = keep_draft(agreement, "forlangning", DAY, None, None)
    text = document_text(data)

    assert "upprättades" not in text
    assert "Antaganden i demodata" not in text
    assert "Social- och omsorgsnämnden har sedan 2008-01-01 samverkansavtal med" in text
    with_description = keep_draft(
        agreement, "forlangning", DAY, Choices(include_description=True), None
    )[0]
    assert "Antaganden i demodata: något internt." in document_text(with_description)


def test_the_documents_properties_carry_title_official_and_real_creation_time(seed000):
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    data, draft = keep_draft(seed000(), "forlangning", DAY, None, None)

    props = Document(io.BytesIO(data)).core_properties
    assert props.title == "Personligt ombud, samverkansavtal med Åtvidabergs kommun"
    assert props.author == "Linda Ljungqvist"
    assert props.created.replace(tzinfo=UTC) >= before
    assert props.identifier == "SOCN 2020-123"


def test_an_uppsagning_counts_its_notice_from_the_boards_decision_day(seed000):
    agreement = seed000()

    in_time = keep_draft(
        agreement, "uppsagning", DAY, Choices(decision_date=date(2020, 6, 30)), None
    )[0]
    late = keep_draft(agreement, "uppsagning", DAY, Choices(decision_date=date(2020, 7, 1)), None)[
        0
    ]
    agreement.extension_months = None  # a fixed term ending 2020-12-31, no extension
    agreement.end_date = date(2020, 12, 31)
    fixed = keep_draft(agreement, "uppsagning", DAY, None, None)[0]

    assert "sägs upp att upphöra 2020-12-31." in document_text(in_time)
    assert "Sista dag för uppsägning är 2020-06-30." in document_text(in_time)
    assert "sägs upp att upphöra 2022-12-31." in document_text(late)
    assert "förlängs inte efter 2020-12-31 och upphör då även utan uppsägning" in document_text(
        fixed
    )


def test_choices_change_samrad_mbl_barn_and_a_second_signatory_signs(seed000, factory, db):
    agreement = seed000()
    director = factory.person(
        "Eva Direktör",
        "eva@example.se",
        title="Socialdirektör",
        organisation_id=agreement.board.organisation_id,
    )
    db.session.commit()

    data = keep_draft(
        agreement,
        "forlangning",
        DAY,
        Choices(
            samrad="informeras", mbl="forhandling", barn="fyll_i", second_signatory_id=director.id
        ),
        None,
    )[0]
    text = document_text(data)

    assert "Åtvidabergs kommun informeras om förslaget innan nämnden beslutar." in text
    assert "Förhandling enligt 11 § lagen (1976:580)" in text
    assert "…… (beskriv hur beslutet påverkar barn och unga)." in text
    assert "Eva Direktör\nSocialdirektör" in text
    with pytest.raises(ValidationError) as exc:
        keep_draft(agreement, "forlangning", DAY, Choices(mbl="kanske"), None)
    assert "mbl" in exc.value.fields
