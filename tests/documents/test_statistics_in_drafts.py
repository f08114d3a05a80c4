"""Board drafts tell the board the recorded statistics (the yearly cycle, app.grants) in their
background, as the seeds do: "Under 2018 fick 197 personer stöd, varav 25 från Åtvidaberg"."""

from __future__ import annotations

from tests.documents.conftest import document_text


def _record_2018(api, agreement):
    by_name = {p.organisation.name: p.organisation_id for p in agreement.parties}
    body = {
        "persons_women": 100,
        "persons_men": 90,
        "persons_other": 7,
        "new_persons": 40,
        "ended_persons": 30,
        "hours_per_week": "2.5",
        "contact_reasons": {"Bostad": 25},
        "end_reasons": {"Målen uppnådda": 30},
        "by_municipality": [
            {"organisation_id": by_name["Linköpings kommun"], "persons": 172},
            {"organisation_id": by_name["Åtvidabergs kommun"], "persons": 25},
        ],
    }
    response = api("editor").put(f"/agreements/{agreement.id}/statistics/2018", body)
    assert response.status_code == 200, response.json


def test_a_draft_after_the_year_tells_its_statistics(seed000, api):
    agreement = seed000()
    _record_2018(api, agreement)

    response = api("reader").get(
        f"/agreements/{agreement.id}/drafts/forlangning.docx?as_of=2020-03-01"
    )

    assert response.status_code == 200
    text = document_text(response.data)
    assert "197 personer" in text
    assert "varav 25 från Åtvidabergs kommun" in text


def test_a_draft_written_during_the_year_does_not_know_its_statistics_yet(seed000, api):
    agreement = seed000()
    _record_2018(api, agreement)

    response = api("reader").get(
        f"/agreements/{agreement.id}/drafts/forlangning.docx?as_of=2018-05-01"
    )

    assert response.status_code == 200
    assert "197 personer" not in document_text(response.data)
