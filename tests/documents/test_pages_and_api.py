"""The draft form with its preview, downloads, the agreement page's list of drafts, the
template page with uploads, and the API endpoint."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from app.documents.context import VARIABLES
from app.documents.models import CustomTemplate, GeneratedDraft
from tests.documents.conftest import document_text


def _docx(*paragraphs: str) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_form_prefills_the_facts_and_previews_the_decision(seed000, client, login):
    login("editor")
    agreement = seed000()

    response = client.get(
        f"/documents/agreements/{agreement.id}/drafts/new?decision=forlangning&as_of=2020-03-01"
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "sägs inte upp varvid det förlängs i två år till och med 2022-12-31" in page
    assert "Samråd har skett med Åtvidabergs kommun" in page  # an editable default
    assert 'name="samrad"' in page


def test_preview_shows_edited_text_escaped(seed000, client, login, db):
    login("editor")
    agreement = seed000()

    response = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={
            "decision": "forlangning",
            "as_of": "2020-03-01",
            "arendet": "<script>x</script> & co",
            "preview": "1",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in page
    assert db.session.execute(db.select(GeneratedDraft)).first() is None


def test_download_keeps_nothing_and_spara_utkast_keeps_the_draft(seed000, client, login, db):
    user = login("editor")
    agreement = seed000()

    response = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={
            "decision": "uppsagning",
            "as_of": "2020-03-01",
            "arendet": "Eget ärende",
            "download": "1",
        },
    )
    assert response.status_code == 200
    assert "Eget ärende" in document_text(response.data)
    assert db.session.execute(db.select(GeneratedDraft)).first() is None

    response = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={
            "decision": "uppsagning",
            "as_of": "2020-03-01",
            "arendet": "Eget ärende",
            "save": "1",
        },
    )

    assert response.status_code == 302
    draft = db.session.execute(db.select(GeneratedDraft)).scalar_one()
    assert draft.created_by_id == user.id
    download = client.get(f"/documents/drafts/{draft.id}.docx")
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    text = document_text(download.data)
    assert "Eget ärende" in text and "sägs upp att upphöra 2020-12-31." in text

    detail = client.get(f"/agreements/{agreement.id}?as_of=2020-03-01").get_data(as_text=True)
    assert f"/documents/drafts/{draft.id}.docx" in detail
    assert "drafts/new?decision=forlangning" in detail


def test_a_decision_that_does_not_fit_shows_why_on_the_form(seed000, client, login):
    login("editor")
    agreement = seed000(extension_months=None)

    response = client.get(
        f"/documents/agreements/{agreement.id}/drafts/new?decision=forlangning&as_of=2020-03-01"
    )

    assert response.status_code == 422
    assert "ingen förlängningsregel" in response.get_data(as_text=True)


def test_readers_may_look_and_download_but_not_keep(seed000, client, login, db):
    login("reader")
    agreement = seed000()

    look = client.get(
        f"/documents/agreements/{agreement.id}/drafts/new?decision=uppsagning&as_of=2020-03-01"
    )
    post = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={"decision": "uppsagning", "as_of": "2020-03-01", "save": "1"},
    )
    download = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={"decision": "uppsagning", "as_of": "2020-03-01", "download": "1"},
    )

    assert look.status_code == 200
    assert post.status_code == 403
    assert download.status_code == 200
    assert db.session.execute(db.select(GeneratedDraft)).first() is None


def test_template_page_documents_every_variable(client, login):
    login("reader")

    page = client.get("/documents/templates").get_data(as_text=True)

    for name in VARIABLES:
        assert "{{ " + name + " }}" in page


def test_admin_uploads_a_template_that_is_then_used(seed000, client, login, db):
    login("admin")
    agreement = seed000()
    upload = _docx(
        "EGEN MALL {{ namnd }}",
        "{%p for punkt in beslutspunkter %}",
        "{{ punkt }}",
        "{%p endfor %}",
    )

    response = client.post(
        "/documents/templates/forlangning",
        data={"file": (io.BytesIO(upload), "egen.docx")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    custom = db.session.execute(db.select(CustomTemplate)).scalar_one()
    assert custom.active
    from app.documents.services import keep_draft

    data, draft = keep_draft(agreement, "forlangning", date(2020, 3, 1), None, None)
    assert "EGEN MALL Social- och omsorgsnämnden" in document_text(data)
    assert draft.custom_template_id == custom.id

    client.post("/documents/templates/forlangning/reset")
    data, draft = keep_draft(agreement, "forlangning", date(2020, 3, 1), None, None)
    assert "EGEN MALL" not in document_text(data)
    assert draft.template_name == "forlangning.docx"


def test_a_template_with_unknown_variables_is_refused_with_the_list(client, login, db):
    login("admin")
    upload = _docx("{{ namnd }} {{ okand_sak }} {{ annan }}")

    response = client.post(
        "/documents/templates/uppsagning",
        data={"file": (io.BytesIO(upload), "fel.docx")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "okand_sak" in page and "annan" in page
    assert db.session.execute(db.select(CustomTemplate)).first() is None


def test_a_template_whose_tags_do_not_parse_or_is_no_docx_is_refused(client, login, db):
    login("admin")
    for content, words in (
        (_docx("{{ namnd "), "Mallen har en tagg som inte kan tolkas i stycke"),
        (_docx("{% if namnd %} utan slut"), "ett block som aldrig tar slut"),
        (b"inte ett zip", "Word-dokument"),
    ):
        response = client.post(
            "/documents/templates/nytt_avtal",
            data={"file": (io.BytesIO(content), "mall.docx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    assert db.session.execute(db.select(CustomTemplate)).first() is None


def test_a_template_that_fails_without_economics_rows_is_refused_at_upload(client, login, db):
    login("admin")
    upload = _docx("{{ namnd }}", "{{ ekonomi_rader[0].ar }}")

    response = client.post(
        "/documents/templates/forlangning",
        data={"file": (io.BytesIO(upload), "mall.docx")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "utan ersättningsrader" in page and "stycke 2" in page
    assert db.session.execute(db.select(CustomTemplate)).first() is None


def test_editors_cannot_upload_templates(client, login):
    login("editor")

    response = client.post(
        "/documents/templates/nytt_avtal",
        data={"file": (io.BytesIO(_docx("{{ namnd }}")), "mall.docx")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 403


def test_api_renders_the_draft_without_keeping_it(seed000, api, db):
    client = api("reader")
    agreement = seed000()

    response = client.get(f"/agreements/{agreement.id}/drafts/forlangning.docx?as_of=2020-03-01")

    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "till och med 2022-12-31" in document_text(response.data)
    assert db.session.execute(db.select(GeneratedDraft)).first() is None


def test_api_uppsagning_counts_notice_from_the_decision_date(seed000, api):
    agreement = seed000()
    client = api("reader")

    in_time = client.get(
        f"/agreements/{agreement.id}/drafts/uppsagning.docx?as_of=2020-03-01"
        "&decision_date=2020-06-30"
    )
    late = client.get(
        f"/agreements/{agreement.id}/drafts/uppsagning.docx?as_of=2020-03-01"
        "&decision_date=2020-07-01"
    )

    assert "sägs upp att upphöra 2020-12-31." in document_text(in_time.data)
    assert "sägs upp att upphöra 2022-12-31." in document_text(late.data)


def test_api_keeps_a_draft_on_post_with_its_choices_and_lists_it(seed000, api, db):
    agreement = seed000()
    editor = api("editor")
    kommun = agreement.parties[1].organisation_id

    created = editor.post(
        f"/agreements/{agreement.id}/drafts",
        json={
            "decision": "uppsagning",
            "as_of": "2020-03-01",
            "mbl": "information",
            "recipients": [{"organisation_id": kommun, "as": "verkstallighet"}],
            "extra_recipients": "Ekonomiavdelningen",
        },
    )

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["decision"] == "uppsagning"
    listed = api("reader").get(f"/agreements/{agreement.id}/drafts").get_json()
    assert [d["id"] for d in listed["items"]] == [body["id"]] and listed["total"] == 1
    download = api("reader").get(body["download_url"].removeprefix("/api/v1"))
    text = document_text(download.data)
    assert "19 § lagen (1976:580)" in text
    after = text.split("Beslutet skickas till")[-1]
    assert "För verkställighet:\nÅtvidabergs kommun" in after
    assert "För kännedom:\nEkonomiavdelningen" in after
    refused = api("reader").post(
        f"/agreements/{agreement.id}/drafts", json={"decision": "uppsagning"}
    )
    assert refused.status_code == 403
    bad = editor.post(f"/agreements/{agreement.id}/drafts", json={"decision": "x", "mbl": 3})
    assert bad.status_code == 400


def test_api_unknown_agreement_is_404(api):
    response = api("editor").get("/agreements/999999/drafts/forlangning.docx")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_refuses_a_decision_that_does_not_fit_or_lacks_data(seed000, api, db):
    client = api("editor")
    ended = seed000(max_extensions=0)

    unfit = client.get(f"/agreements/{ended.id}/drafts/uppsagning.docx?as_of=2012-01-01")
    unknown = client.get(f"/agreements/{ended.id}/drafts/avveckling.docx")

    assert unfit.status_code == 422
    assert unfit.get_json()["error"]["code"] == "decision_does_not_fit"
    assert "redan upphört" in unfit.get_json()["error"]["message"]
    assert unknown.status_code == 422
    assert "decision" in unknown.get_json()["error"]["fields"]


def test_api_draft_without_board_gets_placeholders(db, factory, api):
    agreement = factory.agreement()

    response = api("editor").get(
        f"/agreements/{agreement.id}/drafts/uppsagning.docx?as_of=2021-06-01"
    )

    assert response.status_code == 200
    assert "……" in document_text(response.data)


def test_api_readers_may_download_drafts_as_on_the_pages(seed000, api):
    import io

    from docx import Document

    response = api("reader").get(f"/agreements/{seed000().id}/drafts/forlangning.docx")

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Document(io.BytesIO(response.data)).paragraphs


def test_api_index_value_known_from_decides_which_drafts_see_it(seed000, with_money, api, db):
    agreement = with_money(seed000(max_extensions=None))
    finance = api("finance")

    put = finance.put(
        "/index-series/OPI-TEST/years/2023",
        {"percent": "3.5", "status": "preliminary", "known_from": "2022-12-01"},
    )
    bad = finance.put(
        "/index-series/OPI-TEST/years/2024",
        {"percent": "3.0", "status": "preliminary", "known_from": "1 dec"},
    )
    reader = api("reader")
    url = f"/agreements/{agreement.id}/drafts/uppsagning.docx"
    before = document_text(reader.get(f"{url}?as_of=2022-11-30").data)
    after = document_text(reader.get(f"{url}?as_of=2022-12-01").data)

    assert put.status_code == 200, put.get_json()
    assert bad.status_code == 400 and "known_from" in bad.get_json()["error"]["fields"]
    assert "OPI (test) för 2023 och 2024 är ännu inte fastställt" in before
    assert "OPI (test) för 2023 är preliminärt (3,5 %)" in after
