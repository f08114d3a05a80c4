"""Every decision that can be drafted for each of the five demo agreements (the seeds), held to
what a board can file: no template tags, no internal series codes, no demo notes, no year
outside the term, the per-line economics, the shares and the recipients; and the seed 000
draft's decision text as the seed's own."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document

from app.documents.context import DECISIONS, decision_facts
from app.documents.services import render_draft
from tests.documents.conftest import document_text

SEED_DAYS = {
    "000": date(2020, 3, 2),
    "001": date(2020, 9, 1),
    "002": date(2018, 1, 8),
    "003": date(2026, 11, 23),
    "004": date(2022, 12, 6),
}


@pytest.fixture
def demo(db):
    from app.demo.loader import load_demo, load_extras

    agreements = load_demo(date(2026, 11, 23))
    load_extras(agreements, date(2026, 11, 23), lambda _m: None)
    db.session.commit()
    return agreements


def _economy_table(data: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(data))
    for table in doc.tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows and rows[0] == ["År", "Post", "Belopp"]:
            return rows[1:]
    return []


def _draftable(agreement, as_of):
    for decision in DECISIONS:
        try:
            decision_facts(agreement, decision, as_of)
        except Exception:  # noqa: BLE001 - not draftable that day
            continue
        yield decision


@pytest.mark.parametrize("seed", sorted(SEED_DAYS))
@pytest.mark.parametrize("as_of", ["seed_day", date(2026, 11, 23)])
def test_every_draftable_decision_of_each_demo_agreement_can_be_filed(demo, seed, as_of):
    from app.agreements.services import last_day

    agreement = demo[seed]
    day = SEED_DAYS[seed] if as_of == "seed_day" else as_of
    decisions = list(_draftable(agreement, day))
    assert decisions, f"seed {seed}: nothing can be drafted on {day}"
    codes = ["OPI", "LUND-PK", "OSTRA-SODERTORN-LON"]
    for decision in decisions:
        data = render_draft(agreement, decision, day)
        text = document_text(data)
        assert "{{" not in text and "{%" not in text and "}}" not in text, (seed, decision)
        assert "Antagande" not in text and "demodata" not in text.lower(), (seed, decision)
        for code in codes:
            assert not re.search(rf"(?<![\w(]){re.escape(code)}(?![\w)])", text), (code, decision)
        assert "Indexvärde saknas" not in text
        rows = _economy_table(data)
        if agreement.start_date is not None and rows:
            facts = decision_facts(agreement, decision, day)
            years = {int(r[0]) for r in rows}
            if decision == "nytt_avtal":  # the new agreement's term
                first, end = facts["new_start"], facts["new_end"]
            else:
                first, end = agreement.start_date, last_day(agreement, day)
            assert min(years) >= first.year, (seed, decision, years)
            if end is not None:
                assert max(years) <= end.year, (seed, decision, years)
        own = agreement.board.organisation.name if agreement.board else None
        heading = "Expedieras" if decision == "upphandling" else "Beslutet skickas till"
        recipients = text.split(heading)[-1] if own else ""
        if own:
            assert own not in recipients, (seed, decision)


def test_seed_000_decision_text_is_the_seeds_own(demo):
    data = render_draft(demo["000"], "forlangning", SEED_DAYS["000"])
    text = document_text(data)
    assert (
        "Samverkansavtalet med Åtvidabergs kommun avseende personligt ombud sägs inte upp "
        "varvid det förlängs i två år till och med 2022-12-31." in text
    )
    assert (
        "Social- och omsorgsnämnden har sedan 2008-01-01 samverkansavtal med Åtvidabergs "
        "kommun avseende personligt ombud." in text
    )
    assert "Verksamheten utförs av Leanlink Råd och Stöd." in text
    assert "Information enligt lagen om medbestämmande är ej påkallat." in text
    assert (
        "Samråd har skett med Åtvidabergs kommun som samtycker till förslaget om förlängning"
        in text
    )
    recipients = text.split("Beslutet skickas till")[-1]
    assert "Åtvidabergs kommun" in recipients and "Linköpings kommun" not in recipients


def test_seed_003_economics_show_each_line_with_price_level_and_index_name(demo):
    data = render_draft(demo["003"], "uppsagning", date(2026, 11, 23))
    text = document_text(data)
    assert (
        "Personligt ombud, 6 årsarbetare: 4\xa0107\xa0597\xa0kr i 2019 års prisnivå, räknas om "
        "årligen med Omsorgsprisindex (OPI) från 2021." in text
    )
    assert "Lokaler: 263\xa0426\xa0kr i 2019 års prisnivå" in text
    posts = {r[1] for r in _economy_table(data)}
    assert {
        "Personligt ombud, 6 årsarbetare",
        "Lokaler",
        "Summa ersättning",
        "Statsbidrag",
        "Nettokostnad",
    } <= posts


def test_seed_004_as_of_its_day_says_the_2024_price_compensation_is_not_yet_set(demo):
    data = render_draft(demo["004"], "nytt_avtal", SEED_DAYS["004"])
    text = document_text(data)
    assert "för åren 2023–2024" in text
    assert (
        "Lunds kommun, priskompensation för 2024 är ännu inte fastställt; beloppet räknas "
        "fram när det är känt." in text
    )
    rows = _economy_table(data)
    assert ["2023", "Bidrag till PO Skåne (IOP)", "3\xa0000\xa0000\xa0kr"] in rows
    assert ["2024", "Bidrag till PO Skåne (IOP)", "ej fastställt"] in rows
    after = text.split("Beslutet skickas till")[-1]
    assert "För verkställighet:\nPersonligt Ombud Skåne" in after
    assert "Lunds kommun" not in after


def test_seed_001_shares_are_shown_per_party(demo, db):
    from app.indexation import services as indexation

    series = indexation.get_series("OSTRA-SODERTORN-LON")
    indexation.set_value(series, 2020, "2.5", "final", known_from=date(2019, 12, 1))
    db.session.commit()
    data = render_draft(demo["001"], "uppsagning", date(2020, 3, 2))
    text = document_text(data)
    for name in (
        "Haninge kommun",
        "Tyresö kommun",
        "Nynäshamns kommun",
        "Samordningsförbundet Östra Södertörn",
    ):
        assert name in text.split("Fördelning av nettokostnaden")[-1]
    assert "……" in text  # no board recorded: a placeholder, not a refusal
