"""Smoke: the foundation pages and API answer."""


def test_login_page_and_dashboard(client, login):
    assert client.get("/").status_code == 302
    assert b"Logga in" in client.get("/login").data
    login("reader")
    assert client.get("/").status_code == 200


def test_api_create_read_patch(api, factory):
    a = api("editor")
    org1 = a.post("/organisations", {"name": "Linköpings kommun", "kind": "kommun"}).get_json()
    org2 = a.post("/organisations", {"name": "Åtvidabergs kommun", "kind": "kommun"}).get_json()
    r = a.post(
        "/agreements",
        {
            "kind": "samverkansavtal",
            "title": "PO Åtvidaberg",
            "diarienummer": "SOC 2020-1",
            "start_date": "2008-01-01",
            "end_date": "2008-12-31",
            "notice_period_months": 6,
            "extension_months": 24,
            "parties": [
                {"organisation_id": org1["id"], "role": "bestallare"},
                {"organisation_id": org2["id"], "role": "part"},
            ],
        },
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    got = a.get(f"/agreements/{body['id']}?as_of=2020-03-01").get_json()
    assert got["dates"]["current_period_end"] == "2020-12-31"
    r = a.patch(f"/agreements/{body['id']}", {"version": body["version"], "title": "Ny titel"})
    assert r.status_code == 200, r.get_json()
    r = a.patch(f"/agreements/{body['id']}", {"version": body["version"], "title": "Stale"})
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "conflict"
