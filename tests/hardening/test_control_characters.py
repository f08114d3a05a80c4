"""Control characters at the input edge: a carriage return, an escape or a NUL in a title is
refused beside its field (pages 422, API 400 naming the field); a NUL anywhere in a request
(form, query, path, JSON) is a 400 on SQLite and PostgreSQL alike, never a 500 or a stored
NUL. Text areas keep their line breaks (a browser's CRLF is stored as LF)."""

from __future__ import annotations

import inspect
import pkgutil

import flask_wtf
import pytest

import app as app_package
from app.agreements.models import Agreement
from app.core.forms import FlaskForm
from tests.foundation.helpers import agreement_form, row_counts


@pytest.fixture
def two_orgs(factory):
    return factory.organisation("Linköpings kommun"), factory.organisation("Åtvidabergs kommun")


def _form(orgs, **overrides) -> dict:
    data = agreement_form()
    data["parties-0-organisation_id"] = str(orgs[0].id)
    data["parties-1-organisation_id"] = str(orgs[1].id)
    data["parties-1-role"] = "part"
    data.update(overrides)
    return data


def _body(orgs, **overrides) -> dict:
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


@pytest.mark.parametrize("title", ["PO\rÅtvidaberg", "PO\nÅtvidaberg", "PO\x1b[31m", "PO\x07"])
def test_agreement_page_refuses_a_title_with_control_characters_beside_the_field(
    title, client, login, two_orgs
):
    login("editor")
    before = row_counts()
    response = client.post("/agreements/new", data=_form(two_orgs, title=title))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "styrtecken" in html
    assert 'id="title"' in html and "is-invalid" in html
    assert row_counts() == before


def test_a_description_keeps_its_line_breaks_and_tabs(client, login, two_orgs, db):
    login("editor")
    data = _form(two_orgs, description="Rad ett\r\nRad två\tmed tabb")
    assert client.post("/agreements/new", data=data).status_code == 302
    agreement = db.session.execute(db.select(Agreement)).scalar_one()
    assert agreement.description == "Rad ett\nRad två\tmed tabb"


def test_a_description_with_a_lone_carriage_return_is_refused(client, login, two_orgs):
    login("editor")
    response = client.post("/agreements/new", data=_form(two_orgs, description="a\rb"))
    assert response.status_code == 422
    assert "styrtecken" in response.get_data(as_text=True)


def test_person_page_refuses_an_escape_in_the_name(client, login):
    login("editor")
    before = row_counts()
    response = client.post("/people/new", data={"name": "Anna\x1bAndersson", "email": ""})
    assert response.status_code == 422
    assert "styrtecken" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("field", ["title", "diarienummer", "kind"])
def test_api_refuses_a_one_line_field_with_a_carriage_return_naming_it(field, api, two_orgs):
    client = api("editor")
    before = row_counts()
    response = client.post("/agreements", _body(two_orgs, **{field: "PO\rÅtvidaberg"}))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "malformed"
    assert field in error["fields"]
    after = row_counts()
    after["api_tokens"] = before["api_tokens"]
    assert after == before


def test_api_description_takes_newlines_but_no_carriage_return(api, two_orgs, db):
    client = api("editor")
    ok = client.post("/agreements", _body(two_orgs, description="Rad ett\nRad två"))
    assert ok.status_code == 201, ok.get_json()
    bad = client.post("/agreements", _body(two_orgs, title="Annat", description="a\r\nb"))
    assert bad.status_code == 400
    assert "description" in bad.get_json()["error"]["fields"]


def test_api_names_a_control_character_deep_in_the_body(api, two_orgs):
    body = _body(two_orgs)
    body["parties"][1]["role"] = "part\x0b"
    response = api("editor").post("/agreements", body)
    assert response.status_code == 400
    assert "parties.1.role" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("text", ["PO\x00Åtvidaberg", "PO\ud800"])
def test_api_refuses_nul_and_lone_surrogates_in_json_with_400(text, api, two_orgs):
    client = api("editor")
    before = row_counts()
    response = client.post("/agreements", _body(two_orgs, title=text))
    assert response.status_code == 400
    assert "title" in response.get_json()["error"]["fields"]
    after = row_counts()
    after["api_tokens"] = before["api_tokens"]
    assert after == before


def test_nul_in_a_form_field_is_400(client, login, two_orgs):
    login("editor")
    before = row_counts()
    response = client.post("/agreements/new", data=_form(two_orgs, title="PO\x00Ale"))
    assert response.status_code == 400
    assert row_counts() == before


def test_nul_on_the_login_page_is_400(client, make_user):
    make_user("editor", username="anna")
    response = client.post("/login", data={"username": "anna\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["/agreements/?q=%00", "/people?q=a%00b", "/index/series/OP%00I", "/agreements/?%00=1"]
)
def test_nul_in_a_query_or_path_of_a_page_is_400(path, client, login):
    login("reader")
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/index-series/OP%00I",
        "/agreements?q=%00",
        "/people?q=%00",
        "/index-series/OP%00I/years/2024",
    ],
)
def test_nul_in_an_api_path_or_query_is_400_json(path, api):
    client = api("finance")
    response = client.get(path) if not path.endswith("2024") else client.put(path, {"value": "1"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed"


def _form_classes():
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(("forms", "_forms")):
            mod = __import__(module.name, fromlist=["_"])
            for _name, cls in inspect.getmembers(mod, inspect.isclass):
                if issubclass(cls, flask_wtf.FlaskForm) and cls.__module__ == module.name:
                    yield cls


def test_every_form_of_the_app_checks_control_characters():
    classes = list(_form_classes())
    assert len(classes) > 10
    strays = [f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, FlaskForm)]
    assert strays == [], "derive these from app.core.forms.FlaskForm: " + ", ".join(strays)


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "POST"])
def test_an_out_of_range_id_is_404_on_every_method(method, api):
    client = api("admin")
    for path in ("/agreements/99999999999999", "/agreements/99999999999999/terminations"):
        response = client._call(method, path, json={})
        assert response.status_code in (404,), (method, path, response.status_code)
