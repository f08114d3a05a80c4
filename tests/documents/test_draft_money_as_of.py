"""A draft drafted as of a day reads the money as the agreement stood then (DOMAIN.md,
Amendments): a tilläggsavtal that takes effect later is not in it yet."""

from __future__ import annotations

from tests.api.test_amendments import amended_compensation
from tests.documents.conftest import document_text


def economy(editor, agreement_id: int, day: str) -> str:
    response = editor.get(f"/agreements/{agreement_id}/drafts/uppsagning.docx?as_of={day}")
    assert response.status_code == 200
    return document_text(response.data).split("Ekonomiska konsekvenser")[1].split("Samråd")[0]


def test_the_draft_leaves_out_an_amendment_that_takes_effect_later(api, factory):
    editor = api("editor")
    line = {"label": "Ersättning", "amount": "170000", "price_level_year": 2023}
    a = amended_compensation(editor, factory, line)
    before = economy(editor, a["id"], "2022-12-31")
    assert "100\u00a0000\u00a0kr i 2020 års prisnivå" in before
    assert "170\u00a0000" not in before
    on_the_day = economy(editor, a["id"], "2023-01-01")
    assert "170\u00a0000\u00a0kr i 2023 års prisnivå, fast belopp (ingår från 2023)" in on_the_day
