"""Bad input on the agreement pages and the API: a clear Swedish message (422 on the form,
400/422 from the API), nothing half-saved, never a 500."""

from __future__ import annotations

import io

import pytest

from tests.foundation.helpers import agreement_form, minimal_pdf, row_counts


@pytest.fixture
def two_orgs(factory):
    return factory.organisation("Linköpings kommun"), factory.organisation("Åtvidabergs kommun")


def _with_parties(data: dict, orgs) -> dict:
    data["parties-0-organisation_id"] = str(orgs[0].id)
    data["parties-0-role"] = "bestallare"
    data["parties-1-organisation_id"] = str(orgs[1].id)
    data["parties-1-role"] = "part"
    return data


PAGE_CASES = {
    "missing_title": ({"title": ""}, "title"),
    "end_before_start": ({"start_date": "2022-01-01", "end_date": "2021-12-31"}, "end_date"),
    "notice_of_over_ten_years": ({"notice_period_months": "121"}, "notice"),
    "end_date_placeholder": ({"end_date": "9999-12-31"}, "end_date"),
    "non_numeric_fte": ({"fte": "sex"}, "fte"),
    "malformed_date": ({"start_date": "2021-13-45"}, "start_date"),
    "unknown_party": ({"parties-1-organisation_id": "999999"}, "parties"),
}


@pytest.mark.parametrize("case", sorted(PAGE_CASES))
def test_agreement_form_rejects_bad_input_with_a_swedish_message(case, client, login, two_orgs, db):
    login("editor")
    overrides, _field = PAGE_CASES[case]
    data = _with_parties(agreement_form(), two_orgs)
    data.update(overrides)
    before = row_counts()
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 422, case
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html or "alert-danger" in html, case
    # Swedish, not WTForms' English defaults.
    assert "This field is required" not in html
    assert "Not a valid" not in html
    assert row_counts() == before


def test_agreement_form_messages_say_what_is_wrong(client, login, two_orgs):
    login("editor")
    data = _with_parties(agreement_form(start_date="2022-01-01", end_date="2021-12-31"), two_orgs)
    html = client.post("/agreements/new", data=data).get_data(as_text=True)
    assert "slutdatum" in html.lower() or "startdatum" in html.lower()
    data = _with_parties(agreement_form(), two_orgs)
    data["parties-1-organisation_id"] = "999999"
    html = client.post("/agreements/new", data=data).get_data(as_text=True)
    assert "999999 finns inte" in html


def test_duplicate_diarienummer_for_the_same_board_is_refused(client, login, two_orgs, db):
    from app.parties.services import create_unit

    board = create_unit(two_orgs[0], "Social- och omsorgsnämnden", "namnd")
    db.session.commit()
    login("editor")
    data = _with_parties(
        agreement_form(diarienummer="SO 2022/0229", board_id=str(board.id)), two_orgs
    )
    assert client.post("/agreements/new", data=data).status_code == 302
    before = row_counts()
    data["title"] = "Ett annat avtal"
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 422
    assert "används redan" in response.get_data(as_text=True)
    assert row_counts() == before


def test_edit_with_bad_input_changes_nothing(client, login, factory, db):
    login("editor")
    agreement = factory.agreement(title="Orört avtal")
    before = row_counts()
    data = agreement_form(agreement, end_date="2020-01-01")
    response = client.post(f"/agreements/{agreement.id}/edit", data=data)
    assert response.status_code == 422
    assert row_counts() == before
    db.session.expire_all()
    assert agreement.end_date.isoformat() == "2022-12-31"
    assert agreement.version == 1


# --------------------------------------------------------------------------- attachments


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Filtypen .exe tas inte emot"),
        ("avtal.pdf", b"MZ\x90\x00 this is no pdf", "ser inte ut att vara en .pdf-fil"),
        ("tom.pdf", b"", "Filen är tom"),
    ],
)
def test_a_wrong_attachment_is_refused_with_a_reason(
    client, login, factory, db, filename, content, message
):
    login("editor")
    agreement = factory.agreement()
    before = row_counts()
    response = client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 422  # the page again, the reason beside the file field
    html = response.get_data(as_text=True)
    assert message in html and 'data-testid="attachment-error"' in html
    assert row_counts() == before


def test_an_oversized_attachment_is_refused(app, client, login, factory):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    login("editor")
    agreement = factory.agreement()
    before = row_counts()
    response = client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\n" + b"x" * 4096), "stor.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Filen är större än" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_request_over_the_upload_limit_gets_413_not_500(app, client, login, factory):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login("editor")
    agreement = factory.agreement()
    response = client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-" + b"x" * 8192), "stor.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "för stor" in response.get_data(as_text=True)


def test_a_good_attachment_is_stored(client, login, factory, db):
    from app.agreements.models import Attachment

    login("editor")
    agreement = factory.agreement()
    response = client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(minimal_pdf("signed")), "avtal.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.query(Attachment).count() == 1


def test_a_file_whose_transaction_is_rolled_back_leaves_nothing_on_disk(factory, db):
    from werkzeug.datastructures import FileStorage

    from app.agreements.attachments import path_of, save_attachment

    agreement = factory.agreement()
    db.session.commit()

    def upload():
        return FileStorage(io.BytesIO(minimal_pdf("signed")), filename="avtal.pdf")

    lost = path_of(save_attachment(agreement, upload(), None))
    assert lost.exists()
    db.session.rollback()  # e.g. someone else saved the agreement first: 409, nothing kept
    assert not lost.exists()

    kept = path_of(save_attachment(agreement, upload(), None))
    db.session.commit()
    db.session.rollback()  # a later rollback does not touch what was committed
    assert kept.exists() and kept.read_bytes() == minimal_pdf("signed")


# --------------------------------------------------------------------------- API


def _api_agreement(orgs, **overrides) -> dict:
    body = {
        "kind": "samverkansavtal",
        "title": "PO Åtvidaberg",
        "start_date": "2021-01-01",
        "end_date": "2022-12-31",
        "notice_period_months": 6,
        "parties": [
            {"organisation_id": orgs[0].id, "role": "bestallare"},
            {"organisation_id": orgs[1].id, "role": "part"},
        ],
    }
    body.update(overrides)
    return body


API_CASES = {
    # malformed: 400
    "title_missing": ({"title": None}, 400, "title"),
    "title_not_a_string": ({"title": 42}, 400, "title"),
    "date_not_a_date": ({"start_date": "1 januari"}, 400, "start_date"),
    "impossible_date": ({"start_date": "2021-02-30"}, 400, "start_date"),
    "notice_not_an_integer": ({"notice_period_months": "sex"}, 400, "notice_period_months"),
    "fte_not_a_number": ({"fte": "sex"}, 400, "fte"),
    "fte_a_float": ({"fte": 6.5}, 400, "fte"),
    "parties_not_a_list": ({"parties": "Linköping"}, 400, "parties"),
    # breaks a rule: 422
    "end_before_start": ({"start_date": "2022-01-01", "end_date": "2021-12-31"}, 422, None),
    "end_date_placeholder": ({"end_date": "9999-12-31"}, 400, "end_date"),
    "notice_beyond_any_integer_column": (
        {"notice_period_months": 10**12},
        400,
        "notice_period_months",
    ),
    "notice_of_over_ten_years": ({"notice_period_months": 121}, 422, "notice_period_months"),
    "extension_of_a_billion_months": ({"extension_months": 10**9}, 422, "extension_months"),
    "negative_fte": ({"fte": "-1"}, 422, "fte"),
    "unknown_kind": ({"kind": "hyresavtal"}, 422, "kind"),
    "unknown_party": (
        {"parties": [{"organisation_id": 999999, "role": "part"}]},
        422,
        "parties.0.organisation_id",
    ),
    "unknown_role": (
        {"parties": [{"organisation_id": None, "role": "chef"}]},
        422,
        "parties.0.role",
    ),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_rejects_bad_agreements(case, api, two_orgs, db):
    overrides, status, field = API_CASES[case]
    body = _api_agreement(two_orgs, **overrides)
    if overrides.get("title", "") is None:
        del body["title"]
    client = api("editor")
    before = row_counts()
    response = client.post("/agreements", body)
    assert response.status_code == status, (case, response.get_json())
    error = response.get_json()["error"]
    assert error["message"]
    assert error["code"] == ("malformed" if status == 400 else "validation_failed")
    if field:
        assert field in error["fields"], error
    after = row_counts()
    after["api_tokens"] = before["api_tokens"]
    assert after == before


def test_api_body_that_is_not_json_is_400(api, db):
    client = api("editor")
    response = client._call("POST", "/agreements", data="title=x", content_type="text/plain")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]


def test_api_duplicate_diarienummer_is_422(api, two_orgs):
    client = api("editor")
    body = _api_agreement(two_orgs, diarienummer="SO 2022/0229")
    assert client.post("/agreements", body).status_code == 201
    response = client.post("/agreements", dict(body, title="Annat"))
    assert response.status_code == 422
    assert "diarienummer" in response.get_json()["error"]["fields"]


def test_api_patch_with_bad_input_changes_nothing(api, two_orgs, db):
    client = api("editor")
    created = client.post("/agreements", _api_agreement(two_orgs)).get_json()
    before = row_counts()
    response = client.patch(
        f"/agreements/{created['id']}",
        {"version": created["version"], "end_date": "2020-01-01", "title": "Nytt"},
    )
    assert response.status_code == 422
    assert row_counts() == before
    got = client.get(f"/agreements/{created['id']}").get_json()
    assert got["title"] == "PO Åtvidaberg"
    assert got["version"] == created["version"]


def test_api_unknown_agreement_is_404_json(api):
    response = api("reader").get("/agreements/999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nonexistent", 404),
        ("GET", "/agreements/99999999999999999999", 404),  # beyond any id: names nothing
        ("GET", "/agreements/1/drafts/forlangning", 404),
        ("DELETE", "/organisations/1", 405),
        ("PUT", "/deadlines", 405),
        ("GET", "/agreements?per_page=0", 400),
        ("GET", "/agreements?page=0", 400),
        ("GET", "/agreements?page=99999999999999999999", 400),
        ("GET", "/agreements?organisation_id=99999999999999999999", 400),
        ("GET", "/agreements?kind=hyresavtal", 400),
        ("GET", "/agreements?status=bogus", 400),
        ("GET", "/agreements?as_of=9999-12-31", 400),
        ("GET", "/deadlines?as_of=0001-01-01", 400),
        ("GET", "/deadlines?within_days=3650", 400),
        ("GET", "/organisations?per_page=0", 400),
    ],
)
def test_api_answers_what_it_cannot_serve_in_json_never_500(api, method, path, status):
    client = api("reader")
    response = client._call(method, path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["message"]


def test_api_refuses_integers_beyond_the_database(api, db):
    client = api("editor")
    before = row_counts()
    r = client.post("/organisations", {"name": "X", "kind": "kommun", "population": 2**63})
    assert r.status_code == 400
    assert "population" in r.get_json()["error"]["fields"]
    r = client.post("/people", {"name": "P", "organisation_id": 2**70})
    assert r.status_code == 400
    after = row_counts()
    after["api_tokens"] = before["api_tokens"]
    assert after == before


def test_api_bad_organisation_is_refused(api, db):
    client = api("editor")
    before = row_counts()
    assert client.post("/organisations", {"name": "X", "kind": "bolag"}).status_code == 422
    assert client.post("/organisations", {"name": 5, "kind": "kommun"}).status_code == 400
    assert client.post("/organisations", {"kind": "kommun"}).status_code == 400
    after = row_counts()
    after["api_tokens"] = before["api_tokens"]
    assert after == before


# --------------------------------------------------------------------------- found by exploring


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("notice_period_months", "99999999999999999999", "mellan 1 och 120"),
        ("notice_period_days", "99999999999999999999", "mellan 1 och 3660"),
        ("extension_months", "99999999999999999999", "mellan 1 och 120"),
        ("max_extensions", "99999999999999999999", "mellan 0 och 1000"),
        ("notice_period_months", "-5", "mellan 1 och 120"),
        ("extension_months", "0", "mellan 1 och 120"),
        ("max_extensions", "-5", "mellan 0 och 1000"),
        ("decided_on", "9999-12-31", "utanför 1900-01-01–2199-12-31"),
        ("decided_on", "0001-01-01", "utanför 1900-01-01–2199-12-31"),
    ],
)
def test_edit_with_numbers_or_dates_out_of_reach_is_a_422_beside_the_field(
    field, value, message, client, login, factory, db
):
    """A huge number was a 500 (the database driver overflowed), a zero or negative one a
    misleading 409 ("krockar med en befintlig post"), a year 9999 was stored."""
    login("editor")
    agreement = factory.agreement(title="Orört avtal")
    before = row_counts()
    data = agreement_form(agreement, **{field: value})
    response = client.post(f"/agreements/{agreement.id}/edit", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert agreement.version == 1


def test_an_amendment_dated_year_9999_is_refused_not_a_500(client, login, factory, db):
    from datetime import date

    login("editor")
    agreement = factory.agreement(
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
        notice_period_months=3,
        extension_months=12,
    )
    before = row_counts()
    response = client.post(
        f"/agreements/{agreement.id}/amendments/new",
        data={
            "version": str(agreement.version),
            "effective_date": "9999-12-31",
            "notice_period_months": "3",
        },
    )
    assert response.status_code == 422
    assert "9999-12-31 ligger utanför" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("button", ["preview", "download", "save"])
def test_a_draft_posted_as_of_year_9999_is_refused_not_a_500(button, client, login, factory):
    login("editor")
    agreement = factory.agreement(extension_months=24, notice_period_months=6)
    before = row_counts()
    response = client.post(
        f"/documents/agreements/{agreement.id}/drafts",
        data={"decision": "uppsagning", "as_of": "9999-12-31", button: "1"},
    )
    assert response.status_code == 422
    assert "Rätta uppgifterna" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("path", ["/agreements", "/organisations"])
def test_a_json_body_nested_beyond_the_parser_is_a_400(api, path):
    """1 000 levels of [[[…]]] exhausted the parser's stack: a 500 on every JSON endpoint."""
    body = "[" * 5000 + "]" * 5000
    r = api("editor").post(path, data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"]["fields"] == {"body": "Begärans JSON är för djupt nästlad."}
