"""Amendments and successors over the API (API.md "Added in version 1.1"; DOMAIN.md,
"Amendments (tilläggsavtal)" and "Successors")."""

from __future__ import annotations

from app.agreements.models import Amendment, AuditEntry, Termination
from app.core import clock
from app.deadlines.models import Deadline
from tests.api.test_lifecycle import post_agreement


def fixed_2020_2022(api_client, factory, **fields):
    terms = {
        "kind": "overenskommelse",
        "title": "PO 2020–2022",
        "start_date": "2020-01-01",
        "end_date": "2022-12-31",
        "notice_period_months": 6,
        "fte": "2.0",
        **fields,
    }
    return post_agreement(
        api_client,
        factory.organisation(),
        factory.organisation(),
        roles=("bestallare", "utforare"),
        **terms,
    )


def prolong(api_client, agreement_id, **extra):
    body = {
        "effective_date": "2022-05-01",
        "signed_date": "2022-04-20",
        "diarienummer": "SN 2022/17",
        "description": "Avtalstiden förlängs till 2024-12-31.",
        "changes": {"end_date": "2024-12-31"},
        **extra,
    }
    return api_client.post(f"/agreements/{agreement_id}/amendments", body)


def test_an_amendment_changes_the_dates_from_its_day_and_not_before(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    created = prolong(editor, a["id"])
    assert created.status_code == 201, created.json
    assert created.json["changes"] == {"end_date": "2024-12-31"}

    before = editor.get(f"/agreements/{a['id']}?as_of=2022-04-30").json
    assert before["end_date"] == "2022-12-31"
    assert before["dates"]["last_notice_date"] == "2022-06-30"
    assert before["amendments"] == []

    after = editor.get(f"/agreements/{a['id']}?as_of=2022-05-01").json
    assert after["end_date"] == "2024-12-31"
    assert after["dates"]["current_period_end"] == "2024-12-31"
    assert after["dates"]["last_notice_date"] == "2024-06-30"
    assert after["amendments"] == [{"id": created.json["id"], "effective_date": "2022-05-01"}]


def test_fte_and_parties_read_as_of_the_day(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    third = factory.organisation("Tredje kommunen")
    parties = [{"organisation_id": p["organisation_id"], "role": p["role"]} for p in a["parties"]]
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2021-01-01",
            "changes": {
                "fte": "3.5",
                "parties": [*parties, {"organisation_id": third.id, "role": "part"}],
            },
        },
    )
    assert response.status_code == 201, response.json
    assert editor.get(f"/agreements/{a['id']}?as_of=2020-12-31").json["fte"] == "2.0"
    later = editor.get(f"/agreements/{a['id']}?as_of=2021-01-01").json
    assert later["fte"] == "3.5"
    assert {"organisation_id": third.id, "name": "Tredje kommunen", "role": "part"} in (
        later["parties"]
    )


def test_amendments_are_listed_oldest_first_and_withdrawing_undoes_one(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    later = editor.post(
        f"/agreements/{a['id']}/amendments",
        {"effective_date": "2022-06-01", "changes": {"notice_period_months": 3}},
    ).json
    earlier = prolong(editor, a["id"]).json
    listed = editor.get(f"/agreements/{a['id']}/amendments").json["items"]
    assert [i["id"] for i in listed] == [earlier["id"], later["id"]]
    second = editor.get(f"/agreements/{a['id']}/amendments?page=2&per_page=1").json
    assert [i["id"] for i in second["items"]] == [later["id"]]
    assert (second["total"], second["page"], second["per_page"]) == (2, 2, 1)
    assert editor.get(f"/agreements/{a['id']}/amendments?per_page=0").status_code == 400

    gone = editor._call("DELETE", f"/agreements/{a['id']}/amendments/{earlier['id']}")
    assert gone.status_code == 204
    body = editor.get(f"/agreements/{a['id']}?as_of=2022-07-01").json
    assert body["end_date"] == "2022-12-31"
    assert body["notice_period_months"] == 3
    assert db.session.get(Amendment, earlier["id"]).withdrawn_at is not None
    actions = {e.action for e in db.session.query(AuditEntry).filter_by(agreement_id=a["id"])}
    assert {"amendment_added", "amendment_withdrawn"} <= actions


def test_stored_deadlines_follow_the_amended_terms(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    prolong(editor, a["id"])
    days = {
        d.kind: d.date for d in db.session.query(Deadline).filter_by(agreement_id=a["id"]).all()
    }
    # The refresh runs as of today, long after the amendment took effect.
    assert str(days.get("term_end", "")) != "2022-12-31"


def test_an_amendment_before_the_start_is_refused_naming_the_field(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {"effective_date": "2019-12-31", "changes": {"notice_period_months": 3}},
    )
    assert response.status_code == 422
    assert "effective_date" in response.json["error"]["fields"]
    assert db.session.query(Amendment).count() == 0


def test_an_end_before_the_amendment_day_is_refused(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {"effective_date": "2022-05-01", "changes": {"end_date": "2022-04-30"}},
    )
    assert response.status_code == 422
    assert "end_date" in response.json["error"]["fields"]


def test_a_notice_longer_than_allowed_is_refused(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {"effective_date": "2022-05-01", "changes": {"notice_period_months": 500}},
    )
    assert response.status_code == 422
    assert "notice_period_months" in response.json["error"]["fields"]


def test_an_amendment_after_a_recorded_notice_is_refused_until_it_is_withdrawn(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    notice = editor.post(
        f"/agreements/{a['id']}/terminations",
        {
            "organisation_id": a["parties"][0]["organisation_id"],
            "received_date": "2022-03-01",
            "written": True,
        },
    )
    assert notice.status_code == 201, notice.json
    response = prolong(editor, a["id"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "notice_received"
    assert "effective_date" in response.json["error"]["fields"]
    assert db.session.query(Amendment).count() == 0
    assert db.session.query(Termination).count() == 1


def test_a_recorded_notice_keeps_the_end_it_fixed_when_an_amendment_is_added(api, factory):
    """DOMAIN: "A recorded notice keeps the end it fixed." An amendment from the day of the
    receipt (allowed) that prolongs the term used to move the notice's end to 2024-12-31."""
    editor = api("editor")
    a = fixed_2020_2022(editor, factory, extension_months=12)
    notice = editor.post(
        f"/agreements/{a['id']}/terminations",
        {
            "organisation_id": a["parties"][0]["organisation_id"],
            "received_date": "2022-03-01",
            "written": True,
        },
    )
    assert notice.json["effective_end_date"] == "2022-12-31"
    amended = prolong(editor, a["id"], effective_date="2022-03-01")
    assert amended.status_code == 201, amended.json
    body = editor.get(f"/agreements/{a['id']}?as_of=2022-06-01").json
    assert body["termination"]["effective_end_date"] == "2022-12-31"
    after = editor.get(f"/agreements/{a['id']}?as_of=2023-01-01").json
    assert after["status"] == "ended"


def test_a_notice_received_before_a_recorded_amendment_is_refused(api, factory, db):
    """The same pair the other way round: the amendment first, then a notice received before
    its day (it was accepted, and the agreement read "ended" beside an end in 2024)."""
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    assert prolong(editor, a["id"]).status_code == 201  # from 2022-05-01
    notice = {
        "organisation_id": a["parties"][0]["organisation_id"],
        "received_date": "2022-03-01",
        "written": True,
    }
    response = editor.post(f"/agreements/{a['id']}/terminations", notice)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "amendment_after_notice"
    assert "received_date" in response.json["error"]["fields"]
    assert db.session.query(Termination).count() == 0
    # A notice before the start is refused for that, as on an agreement without amendments.
    early = editor.post(
        f"/agreements/{a['id']}/terminations", {**notice, "received_date": "2019-12-31"}
    )
    assert early.json["error"]["code"] == "notice_before_start", early.json
    # Received on or after the amendment's day, the notice is taken.
    later = editor.post(
        f"/agreements/{a['id']}/terminations", {**notice, "received_date": "2022-05-02"}
    )
    assert later.status_code == 201, later.json


def test_unknown_fields_and_empty_changes_are_refused(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    unknown = editor.post(
        f"/agreements/{a['id']}/amendments",
        {"effective_date": "2021-05-01", "changes": {"start_date": "2021-01-01"}},
    )
    assert unknown.status_code == 422 and "start_date" in unknown.json["error"]["fields"]
    empty = editor.post(
        f"/agreements/{a['id']}/amendments", {"effective_date": "2021-05-01", "changes": {}}
    )
    assert empty.status_code == 422 and "changes" in empty.json["error"]["fields"]


def test_a_second_amendment_on_a_stale_version_is_a_conflict(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    first = prolong(editor, a["id"], version=a["version"])
    assert first.status_code == 201
    second = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2022-06-01",
            "changes": {"notice_period_months": 3},
            "version": a["version"],
        },
    )
    assert second.status_code == 409
    assert db.session.query(Amendment).count() == 1


def test_readers_may_list_but_not_amend(api, factory):
    a = fixed_2020_2022(api("editor"), factory)
    reader = api("reader")
    assert reader.get(f"/agreements/{a['id']}/amendments").status_code == 200
    assert prolong(reader, a["id"]).status_code == 403


def test_a_successor_names_its_predecessor_and_both_read_the_chain(api, factory):
    editor = api("editor")
    old = fixed_2020_2022(editor, factory)
    new = fixed_2020_2022(editor, factory, predecessor_id=old["id"])
    assert new["predecessor_id"] == old["id"]
    assert editor.get(f"/agreements/{old['id']}").json["successor_ids"] == [new["id"]]


def test_an_agreement_cannot_precede_itself(api, factory):
    editor = api("editor")
    old = fixed_2020_2022(editor, factory)
    new = fixed_2020_2022(editor, factory, predecessor_id=old["id"])
    response = editor.patch(
        f"/agreements/{old['id']}", {"version": old["version"], "predecessor_id": new["id"]}
    )
    assert response.status_code == 422
    assert "predecessor_id" in response.json["error"]["fields"]
    missing = editor.patch(
        f"/agreements/{old['id']}", {"version": old["version"], "predecessor_id": 999999}
    )
    assert missing.status_code == 422


def test_an_edit_that_would_break_an_amendment_is_refused(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    prolong(editor, a["id"])
    current = editor.get(f"/agreements/{a['id']}").json
    response = editor.patch(
        f"/agreements/{a['id']}", {"version": current["version"], "start_date": "2022-06-01"}
    )
    assert response.status_code == 422


def amended_compensation(editor, factory, *items):
    """100 000 kr a year (price level 2020, no index) and 2.0 FTE, 2020–2025; from 2023-01-01
    a tilläggsavtal sets 3.0 FTE and the compensation ``items``."""
    a = fixed_2020_2022(editor, factory, end_date="2025-12-31")
    item = {"label": "Ersättning", "amount": "100000", "price_level_year": 2020}
    assert editor.post(f"/agreements/{a['id']}/compensation-items", item).status_code == 201
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2023-01-01",
            "changes": {"fte": "3.0", "compensation": {"from_year": 2023, "items": list(items)}},
        },
    )
    assert response.status_code == 201, response.json
    return a


def test_an_amendments_compensation_replaces_the_earlier_lines_from_its_year(api, factory):
    editor = api("editor")
    a = amended_compensation(
        editor,
        factory,
        {"label": "Ersättning", "amount": "150000", "price_level_year": 2023},
        {"label": "Lokal", "amount": "20000", "price_level_year": 2023},
    )
    years = editor.get(f"/agreements/{a['id']}/compensation?from_year=2022&to_year=2024").json
    totals = {y["year"]: y["total"] for y in years["years"]}
    assert totals == {2022: "100000.00", 2023: "170000.00", 2024: "170000.00"}
    overview = editor.get("/finance/compensation?year=2022").json
    assert "100000.00" in str(overview)
    # As of a day before the amendment, the money reads as if it did not exist (DOMAIN).
    before = editor.get(
        f"/agreements/{a['id']}/compensation?from_year=2022&to_year=2024&as_of=2022-12-31"
    ).json
    assert {y["year"]: y["total"] for y in before["years"]} == {
        2022: "100000.00",
        2023: "100000.00",
        2024: "100000.00",
    }
    on_the_day = editor.get(
        f"/agreements/{a['id']}/compensation?from_year=2023&to_year=2023&as_of=2023-01-01"
    ).json
    assert on_the_day["years"][0]["total"] == "170000.00"
    plan = editor.get(f"/agreements/{a['id']}/instalments?year=2023&as_of=2022-12-31").json
    assert plan["annual"] == "100000.00"

    assert editor.get(f"/agreements/{a['id']}/instalments?year=2023").json["annual"] == "170000.00"


def test_without_as_of_the_money_is_read_as_of_today(api, factory):
    """API.md: every computed field takes ?as_of= (default: today). A signed amendment that
    takes effect later does not count yet, with or without the parameter."""
    editor = api("editor")
    a = fixed_2020_2022(editor, factory, end_date="2099-12-31")
    item = {"label": "Ersättning", "amount": "100000", "price_level_year": 2020}
    assert editor.post(f"/agreements/{a['id']}/compensation-items", item).status_code == 201
    future = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2098-01-01",
            "changes": {
                "compensation": {
                    "from_year": 2098,
                    "items": [{"label": "Ny", "amount": "1", "price_level_year": 2098}],
                }
            },
        },
    )
    assert future.status_code == 201, future.json
    path = f"/agreements/{a['id']}/compensation?from_year=2098&to_year=2098"
    today = clock.today().isoformat()
    plain, dated = editor.get(path).json, editor.get(f"{path}&as_of={today}").json
    assert plain == dated
    assert plain["years"][0]["total"] == "100000.00"
    on_the_day = editor.get(f"{path}&as_of=2098-01-01").json
    assert on_the_day["years"][0]["total"] == "1.00"


def test_a_bad_compensation_line_is_refused_naming_it(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2022-01-01",
            "changes": {"compensation": {"from_year": 2022, "items": [{"label": "X"}]}},
        },
    )
    assert response.status_code == 422
    assert any(k.startswith("compensation.items.0.") for k in response.json["error"]["fields"])
    assert db.session.query(Amendment).count() == 0


def test_withdrawing_an_amendment_a_later_notice_relies_on_is_refused(api, factory, db):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    amendment = prolong(editor, a["id"]).json
    notice = editor.post(
        f"/agreements/{a['id']}/terminations",
        {
            "organisation_id": a["parties"][0]["organisation_id"],
            "received_date": "2023-03-01",
            "written": True,
        },
    )
    assert notice.status_code == 201, notice.json
    assert notice.json["effective_end_date"] == "2024-12-31"  # by the amended term
    gone = editor._call("DELETE", f"/agreements/{a['id']}/amendments/{amendment['id']}")
    assert gone.status_code == 422
    assert gone.json["error"]["code"] == "notice_received"
    assert db.session.get(Amendment, amendment["id"]).withdrawn_at is None


def test_the_money_table_has_the_columns_of_the_lines_that_count_that_day(
    api, factory, client, login
):
    """A later tilläggsavtal's line is neither a figure nor a column as of an earlier day (the
    columns shifted: Summa under the new line's heading)."""
    editor = api("editor")
    a = fixed_2020_2022(editor, factory, end_date="2099-12-31")
    item = {"label": "Ersättning", "amount": "100000", "price_level_year": 2020}
    assert editor.post(f"/agreements/{a['id']}/compensation-items", item).status_code == 201
    new_line = {"label": "Ny ersättning", "amount": "150000", "price_level_year": 2098}
    response = editor.post(
        f"/agreements/{a['id']}/amendments",
        {
            "effective_date": "2098-01-01",
            "changes": {"compensation": {"from_year": 2098, "items": [new_line]}},
        },
    )
    assert response.status_code == 201, response.json
    login("reader")
    before = client.get(
        f"/finance/agreements/{a['id']}?as_of=2097-06-01&from_year=2097&to_year=2098"
    ).get_data(as_text=True)
    after = client.get(
        f"/finance/agreements/{a['id']}?as_of=2098-06-01&from_year=2097&to_year=2098"
    ).get_data(as_text=True)
    assert ">Ny ersättning<" not in before.split("finance-years")[1].split("</thead>")[0]
    assert "Ny ersättning" in after.split("finance-years")[1].split("</thead>")[0]
