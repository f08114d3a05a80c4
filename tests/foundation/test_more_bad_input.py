"""Input found in the page audit that used to give a 500 or be taken as it came."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.errors import ValidationError
from tests.foundation.helpers import row_counts


def test_a_population_beyond_any_municipality_is_refused(client, login, factory, db):
    login("editor")
    org = factory.organisation("Ale kommun")
    before = row_counts()
    r = client.post(
        f"/organisations/{org.id}/edit",
        data={"name": "Ale kommun", "kind": "kommun", "population": "99999999999999999999"},
    )
    assert r.status_code == 422
    assert "Invånarantalet" in r.get_data(as_text=True)
    db.session.refresh(org)
    assert org.population is None and row_counts() == before


def test_a_draft_for_a_day_no_agreement_is_about_is_refused(factory, db):
    from app.documents.services import render_draft

    agreement = factory.agreement()
    with pytest.raises(ValidationError) as exc:
        render_draft(agreement, "forlangning", date(9999, 12, 31))
    assert "as_of" in exc.value.fields


def test_a_one_off_obligation_in_year_9999_is_refused(api, factory, db):
    agreement = factory.agreement()
    r = api("editor").post(
        f"/agreements/{agreement.id}/obligations",
        {"title": "Slutrapport", "recurrence": "once", "due_date": "9999-12-31"},
    )
    assert r.status_code in (400, 422)
    assert "due_date" in r.json["error"]["fields"]


def test_a_user_needs_a_real_e_mail_address_and_a_plain_user_name():
    from app.auth.services import create_user

    with pytest.raises(ValidationError) as exc:
        create_user("a b/<script>", "reader", "a long password 1", email="nope")
    assert {"username", "email"} <= exc.value.fields.keys()
