"""The lifecycle API: terminations, obligations, deadlines and the dates block."""

from __future__ import annotations

from app.agreements.models import Obligation, Termination
from app.core import clock


def post_agreement(api_client, org_a, org_b, roles=("part", "part"), **fields):
    """POST an agreement between two organisations; the created agreement's JSON."""
    parties = [
        {"organisation_id": org.id, "role": role}
        for org, role in zip((org_a, org_b), roles, strict=True)
    ]
    response = api_client.post("/agreements", {**fields, "parties": parties})
    assert response.status_code == 201, response.json
    return response.json


def make_seed_000(api_client, org_a, org_b):
    return post_agreement(
        api_client,
        org_a,
        org_b,
        roles=("bestallare", "utforare"),
        kind="overenskommelse",
        title="PO seed 000",
        start_date="2008-01-01",
        end_date="2010-12-31",
        extension_months=24,
        notice_period_months=6,
    )


def test_dates_block_follows_as_of_across_an_extension(api, factory):
    editor = api("editor")
    a = make_seed_000(editor, factory.organisation(), factory.organisation())
    body = editor.get(f"/agreements/{a['id']}?as_of=2022-01-15").json
    assert body["dates"] == {
        "current_period_start": "2021-01-01",
        "current_period_end": "2022-12-31",
        "last_notice_date": "2022-06-30",
        "last_notice_business_day": "2022-06-30",
        "next_end_if_notice_today": "2022-12-31",
    }
    body = editor.get(f"/agreements/{a['id']}?as_of=2022-07-01").json
    assert body["dates"]["last_notice_date"] == "2024-06-30"
    assert body["dates"]["last_notice_business_day"] == "2024-06-28"
    assert body["dates"]["next_end_if_notice_today"] == "2024-12-31"


def test_post_termination_gives_effective_end_and_late_flag(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = editor.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_a.id, "received_date": "2022-07-01", "written": True},
    )
    assert response.status_code == 201, response.json
    assert response.json["effective_end_date"] == "2024-12-31"
    assert response.json["late"] is True
    assert response.json["warning"]
    body = editor.get(f"/agreements/{a['id']}?as_of=2023-01-15").json
    assert body["status"] == "notice_given"
    assert body["dates"]["next_end_if_notice_today"] == "2024-12-31"


def test_termination_breaking_a_rule_is_422_with_code_and_nothing_saved(api, factory, db):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = editor.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_a.id, "received_date": "2007-12-31", "written": True},
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "notice_before_start"
    assert "received_date" in response.json["error"]["fields"]
    assert db.session.execute(db.select(Termination)).first() is None


def test_termination_with_unparseable_date_is_400(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = editor.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_a.id, "received_date": "2022-02-30", "written": True},
    )
    assert response.status_code == 400
    assert editor.get("/deadlines?as_of=igår").status_code == 400


def test_withdraw_by_delete_and_by_post(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    t = editor.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_a.id, "received_date": "2022-05-01", "written": True},
    ).json
    response = editor._call("DELETE", f"/agreements/{a['id']}/terminations/{t['id']}")
    assert response.status_code == 200 and response.json["withdrawn"] is True
    again = editor.post(f"/agreements/{a['id']}/terminations/{t['id']}/withdraw", {})
    assert again.status_code == 409
    t2 = editor.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_b.id, "received_date": "2022-05-02", "written": False},
    ).json
    response = editor.post(
        f"/agreements/{a['id']}/terminations/{t2['id']}/withdraw", {"reason": "misstag"}
    )
    assert response.json["withdrawal_reason"] == "misstag"
    listed = editor.get(f"/agreements/{a['id']}/terminations").json
    assert [t["withdrawn"] for t in listed["items"]] == [True, True]


def test_reader_cannot_give_notice(api, factory):
    editor, reader = api("editor"), api("reader")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = reader.post(
        f"/agreements/{a['id']}/terminations",
        {"organisation_id": org_a.id, "received_date": "2022-05-01", "written": True},
    )
    assert response.status_code == 403


def test_obligations_create_list_and_fulfil(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = editor.post(
        f"/agreements/{a['id']}/obligations",
        {
            "title": "Verksamhetsberättelse",
            "recurrence": "yearly",
            "due_month": 3,
            "due_day": 31,
            "responsible_organisation_id": org_b.id,
        },
    )
    assert response.status_code == 201, response.json
    oid = response.json["id"]
    listed = editor.get(f"/agreements/{a['id']}/obligations?as_of=2022-05-01").json
    assert listed["items"][0]["overdue"] == ["2022-03-31"]
    assert listed["items"][0]["next_due"] == "2023-03-31"
    response = editor.post(
        f"/agreements/{a['id']}/obligations/{oid}/fulfilments",
        {"due_date": "2022-03-31", "met_on": "2022-03-28", "note": "Inkom i tid"},
    )
    assert response.status_code == 201, response.json
    listed = editor.get(f"/agreements/{a['id']}/obligations?as_of=2022-05-01").json
    assert listed["items"][0]["overdue"] == []


def test_impossible_recurrence_is_422(api, factory, db):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    response = editor.post(
        f"/agreements/{a['id']}/obligations",
        {"title": "Rapport", "recurrence": "yearly", "due_month": 2, "due_day": 30},
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_recurrence"
    assert "due_day" in response.json["error"]["fields"]
    assert db.session.execute(db.select(Obligation)).first() is None


def test_bad_terms_are_422_through_the_agreement_api(api, factory):
    editor = api("editor")
    org = factory.organisation()
    for bad in (
        {"notice_period_months": 0},
        {"notice_period_days": -5},
        {"end_date": None, "extension_months": 12},
    ):
        body = {
            "kind": "iop",
            "title": "Dåligt",
            "start_date": "2021-01-01",
            "end_date": "2022-12-31",
            "notice_period_months": 3,
            "parties": [{"organisation_id": org.id, "role": "part"}],
            **bad,
        }
        if "notice_period_days" in bad:
            body.pop("notice_period_months")
        response = editor.post("/agreements", body)
        assert response.status_code == 422, (bad, response.json)


def test_deadlines_list_soonest_first_with_kind_filter_and_as_of(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = make_seed_000(editor, org_a, org_b)
    editor.post(
        f"/agreements/{a['id']}/obligations",
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
    )
    body = editor.get("/deadlines?as_of=2022-05-01&within_days=365").json
    assert body["total"] == len(body["items"])
    assert [(d["kind"], d["date"], d["overdue"]) for d in body["items"]] == [
        ("obligation_due", "2022-03-31", True),
        ("last_notice", "2022-06-30", False),
        ("extension", "2023-01-01", False),
        ("obligation_due", "2023-03-31", False),
    ]
    first = body["items"][0]
    assert first["agreement_id"] == a["id"] and first["obligation_id"] is not None
    assert first["business_day"] == "2022-03-31"
    body = editor.get("/deadlines?as_of=2022-05-01&within_days=365&kind=last_notice").json
    assert [d["date"] for d in body["items"]] == ["2022-06-30"]
    assert editor.get("/deadlines?kind=nonsense").status_code == 400


def test_deadlines_today_reads_the_stored_rows(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    today = clock.today()
    response = post_agreement(
        editor,
        org_a,
        org_b,
        kind="iop",
        title="Går ut snart",
        start_date=f"{today.year - 1}-01-01",
        end_date=f"{today.year + 1}-03-31",
        notice_period_months=3,
    )
    body = editor.get("/deadlines?within_days=731").json
    assert {(d["kind"], d["date"]) for d in body["items"]} >= {
        ("term_end", f"{today.year + 1}-03-31"),
    }
    assert all(d["agreement_id"] == response["id"] for d in body["items"])


def _yearly(api_client, org_a, org_b):
    """2024-01-01 – 2024-12-31, extends 12 months at a time, 3 months' notice."""
    return post_agreement(
        api_client,
        org_a,
        org_b,
        kind="samverkansavtal",
        title="Årsvis",
        start_date="2024-01-01",
        end_date="2024-12-31",
        extension_months=12,
        notice_period_months=3,
    )


def test_a_notice_counts_from_the_day_it_was_received(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = _yearly(editor, org_a, org_b)
    r = editor.post(
        f"/agreements/{a['id']}/terminations?as_of=2024-10-01",
        {"organisation_id": org_a.id, "received_date": "2024-10-01", "written": True},
    )
    # 2024-10-01 is after 2024-09-30 (2024-12-31 − 3 months): the period after ends it.
    assert (r.status_code, r.json["effective_end_date"], r.json["late"]) == (
        201,
        "2025-12-31",
        True,
    )
    before = editor.get(f"/agreements/{a['id']}?as_of=2024-06-01").json
    assert before["status"] == "in_force"
    assert before["termination"] is None
    assert before["dates"] == {
        "current_period_start": "2024-01-01",
        "current_period_end": "2024-12-31",
        "last_notice_date": "2024-09-30",
        "last_notice_business_day": "2024-09-30",
        "next_end_if_notice_today": "2024-12-31",
    }
    after = editor.get(f"/agreements/{a['id']}?as_of=2024-10-02").json
    assert after["status"] == "notice_given"
    assert after["termination"]["effective_end_date"] == "2025-12-31"
    assert after["dates"]["next_end_if_notice_today"] == "2025-12-31"


def test_changed_terms_move_the_end_a_recorded_notice_fixed(api, factory, db):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = _yearly(editor, org_a, org_b)
    editor.post(
        f"/agreements/{a['id']}/terminations?as_of=2024-10-01",
        {"organisation_id": org_a.id, "received_date": "2024-10-01", "written": True},
    )
    version = editor.get(f"/agreements/{a['id']}").json["version"]
    # A fixed term to 2025-06-30 without extensions: notice on 2024-10-01 is in time for it
    # (2025-06-30 − 3 months = 2025-03-30), so the agreement ends 2025-06-30.
    r = editor.patch(
        f"/agreements/{a['id']}",
        {"version": version, "end_date": "2025-06-30", "extension_months": None},
    )
    assert r.status_code == 200, r.json
    assert r.json["termination"]["effective_end_date"] == "2025-06-30"
    assert r.json["termination"]["late"] is False
    later = editor.get(f"/agreements/{a['id']}?as_of=2025-03-01").json
    assert later["dates"]["next_end_if_notice_today"] == "2025-06-30"
    # A start after the notice was received contradicts it: refused, nothing changed.
    r = editor.patch(
        f"/agreements/{a['id']}", {"version": r.json["version"], "start_date": "2024-11-01"}
    )
    assert r.status_code == 422
    assert "2024-10-01" in r.json["error"]["message"]
    assert editor.get(f"/agreements/{a['id']}").json["start_date"] == "2024-01-01"


def test_the_status_filter_asks_about_the_as_of_day(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = _yearly(editor, org_a, org_b)

    def ids(query):
        r = editor.get(f"/agreements?organisation_id={org_a.id}&{query}")
        assert r.status_code == 200, r.json
        return [item["id"] for item in r.json["items"]], [i["status"] for i in r.json["items"]]

    assert ids("status=in_force&as_of=2024-06-01") == ([a["id"]], ["in_force"])
    assert ids("status=extended&as_of=2024-06-01") == ([], [])
    assert ids("status=extended&as_of=2025-06-01") == ([a["id"]], ["extended"])
    assert ids("status=decided&as_of=2023-06-01") == ([a["id"]], ["decided"])


def test_obligations_stop_with_the_agreement(api, factory):
    editor = api("editor")
    org_a, org_b = factory.organisation(), factory.organisation()
    a = post_agreement(
        editor,
        org_a,
        org_b,
        kind="overenskommelse",
        title="2019–2020",
        start_date="2019-01-01",
        end_date="2020-12-31",
        notice_period_months=3,
    )
    editor.post(
        f"/agreements/{a['id']}/obligations",
        {"title": "Rapport", "recurrence": "semiannual", "due_month": 6, "due_day": 30},
    )
    during = editor.get(f"/agreements/{a['id']}/obligations?as_of=2020-08-01").json["items"][0]
    # Twice a year from 30 June: 30 December is the other (months keep the day).
    assert (during["overdue"], during["next_due"]) == (["2019-12-30", "2020-06-30"], "2020-12-30")
    # Ended 2020-12-31: nothing falls due afterwards, as on the dashboard.
    later = editor.get(f"/agreements/{a['id']}/obligations?as_of=2026-11-23").json["items"][0]
    assert (later["overdue"], later["next_due"]) == ([], None)
