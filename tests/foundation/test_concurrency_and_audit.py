"""Two people editing the same agreement: the second gets 409 and the first's change stays.
Every change to an agreement, its parties and terms shows on its page: who, field, old, new."""

from __future__ import annotations

import html as html_lib
import re

from tests.foundation.helpers import agreement_form


def _second_client(app, make_user):
    user = make_user("editor")
    other = app.test_client()
    response = other.post(
        "/login", data={"username": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    return other


def _version_in(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def test_second_save_of_the_same_version_gets_409_and_keeps_the_first(
    app, client, login, make_user, factory, db
):
    login("editor")
    other = _second_client(app, make_user)
    agreement = factory.agreement(title="Ursprunglig rubrik")
    first_form = client.get(f"/agreements/{agreement.id}/edit").get_data(as_text=True)
    second_form = other.get(f"/agreements/{agreement.id}/edit").get_data(as_text=True)
    assert _version_in(first_form) == _version_in(second_form) == "1"

    # Both forms were filled from version 1.
    first_data = agreement_form(agreement, title="Förstas rubrik")
    second_data = agreement_form(agreement, title="Andras rubrik")
    assert first_data["version"] == second_data["version"] == "1"
    first = client.post(f"/agreements/{agreement.id}/edit", data=first_data)
    assert first.status_code == 302
    second = other.post(f"/agreements/{agreement.id}/edit", data=second_data)
    assert second.status_code == 409
    text = html_lib.unescape(second.get_data(as_text=True))
    assert "har ändrats av någon annan" in text

    db.session.expire_all()
    assert agreement.title == "Förstas rubrik"
    assert agreement.version == 2


def test_patch_with_a_stale_version_is_409(api, factory):
    client = api("editor")
    agreement = factory.agreement(title="Före")
    ok = client.patch(f"/agreements/{agreement.id}", {"version": 1, "title": "Först"})
    assert ok.status_code == 200
    assert ok.get_json()["version"] == 2
    stale = client.patch(f"/agreements/{agreement.id}", {"version": 1, "title": "Sen"})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict"
    assert "version" in error["message"]
    assert client.get(f"/agreements/{agreement.id}").get_json()["title"] == "Först"


def test_patch_without_a_version_is_400(api, factory):
    agreement = factory.agreement()
    response = api("editor").patch(f"/agreements/{agreement.id}", {"title": "X"})
    assert response.status_code == 400
    assert "version" in response.get_json()["error"]["fields"]


def _audit_rows(html: str) -> list[list[str]]:
    section = html.split('id="audit"', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    return [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
        if "<td" in r
    ]


def test_every_change_shows_in_the_audit_log_with_who_field_old_and_new(client, login, factory, db):
    user = login("editor")
    linkoping = factory.organisation("Linköpings kommun")
    atvidaberg = factory.organisation("Åtvidabergs kommun")
    leanlink = factory.organisation("Leanlink Råd och Stöd", kind="foretag")
    agreement = factory.agreement(
        title="Samverkansavtal", parties_=[(linkoping, "huvudman"), (atvidaberg, "part")]
    )
    data = agreement_form(
        agreement,
        title="Samverkansavtal Åtvidaberg",
        end_date="2010-12-31",
        start_date="2008-01-01",
        extension_months="24",
        fte="6",
    )
    data["parties-2-organisation_id"] = str(leanlink.id)
    data["parties-2-role"] = "utforare"
    assert client.post(f"/agreements/{agreement.id}/edit", data=data).status_code == 302

    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    rows = _audit_rows(page)
    by_field = {row[2]: row for row in rows}
    # The "Vad" column names the field in words (the agreement form's labels).
    expected = {
        "Rubrik": ("Samverkansavtal", "Samverkansavtal Åtvidaberg"),
        "Startdatum": ("2021-01-01", "2008-01-01"),
        "Slutdatum (tomt = tills vidare)": ("2022-12-31", "2010-12-31"),
        "Automatisk förlängning, månader": ("", "24"),
        "Årsarbetare": ("", "6"),
    }
    for field, (old, new) in expected.items():
        assert field in by_field, (field, rows)
        _when, who, _field, old_value, new_value = by_field[field]
        assert who == user.display_name
        assert old_value == old
        assert new_value.startswith(new), (field, new_value)
    parties = by_field["Parter"]
    assert "Leanlink Råd och Stöd" not in parties[3]
    assert "Leanlink Råd och Stöd (utforare)" in parties[4]
    assert any(row[2] == "Avtalet registrerat" for row in rows)
