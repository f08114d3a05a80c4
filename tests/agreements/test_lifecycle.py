"""Terminations and obligations through the services and the pages."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.agreements import lifecycle
from app.agreements.models import AuditEntry, Obligation, Termination
from app.agreements.services import dates_of, status_of
from app.core.errors import ConflictError, ValidationError
from tests.foundation.helpers import minimal_pdf


def seed_000(factory, **kw):
    return factory.agreement(
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
        **kw,
    )


def notice(agreement, received, written=True, as_of=None, **kw):
    data = {
        "organisation_id": agreement.parties[0].organisation_id,
        "received_date": received,
        "written": written,
        **kw,
    }
    return lifecycle.give_notice(agreement, data, None, as_of or received)


def test_notice_on_last_day_ends_the_current_period(factory):
    agreement = seed_000(factory)
    t = notice(agreement, date(2022, 6, 30))
    assert (t.effective_end_date, t.late) == (date(2022, 12, 31), False)
    assert status_of(agreement, date(2022, 7, 1)) == "notice_given"
    assert status_of(agreement, date(2023, 1, 1)) == "ended"
    dates = dates_of(agreement, date(2022, 7, 1))
    assert dates.next_end_if_notice_today == date(2022, 12, 31)
    assert dates.last_notice_date is None


def test_notice_after_deadline_rolls_to_next_period(factory):
    agreement = seed_000(factory)
    t = notice(agreement, date(2022, 7, 1))
    assert (t.effective_end_date, t.late) == (date(2024, 12, 31), True)
    assert "2024-12-31" in lifecycle.late_warning(t)


def test_unwritten_notice_is_refused_when_writing_is_required(factory, db):
    agreement = factory.agreement(
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        notice_must_be_written=True,
    )
    with pytest.raises(ValidationError) as exc:
        notice(agreement, date(2022, 3, 1), written=False)
    assert exc.value.code == "notice_not_written"
    assert "skriftlig" in exc.value.message
    db.session.rollback()
    assert db.session.execute(db.select(Termination)).first() is None


@pytest.mark.parametrize(
    ("received", "code"),
    [(date(2018, 12, 31), "notice_before_start"), (date(2021, 1, 1), "notice_after_end")],
)
def test_notice_outside_the_agreement_is_refused(factory, received, code):
    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    with pytest.raises(ValidationError) as exc:
        notice(agreement, received)
    assert exc.value.code == code
    assert "received_date" in exc.value.fields


def test_notice_from_a_non_party_is_refused(factory):
    agreement = seed_000(factory)
    stranger = factory.organisation()
    with pytest.raises(ValidationError) as exc:
        lifecycle.give_notice(
            agreement,
            {"organisation_id": stranger.id, "received_date": date(2022, 1, 1), "written": True},
            None,
            date(2022, 1, 1),
        )
    assert exc.value.code == "not_a_party"


def test_notice_in_the_future_and_second_notice_are_refused(factory):
    agreement = seed_000(factory)
    with pytest.raises(ValidationError) as exc:
        notice(agreement, date(2022, 5, 1), as_of=date(2022, 4, 1))
    assert exc.value.code == "notice_in_future"
    notice(agreement, date(2022, 5, 1))
    with pytest.raises(ValidationError) as exc:
        notice(agreement, date(2022, 5, 2))
    assert exc.value.code == "already_terminated"


def test_withdrawn_notice_restores_the_dates_and_both_are_audited(factory, db, make_user):
    editor = make_user("editor")
    agreement = seed_000(factory)
    t = lifecycle.give_notice(
        agreement,
        {
            "organisation_id": agreement.parties[0].organisation_id,
            "received_date": date(2022, 5, 1),
            "written": True,
        },
        editor,
        date(2022, 5, 2),
    )
    db.session.commit()
    lifecycle.withdraw_termination(t, editor, "Nämnden ändrade sig", date(2022, 5, 3))
    db.session.commit()
    assert agreement.active_termination is None
    assert dates_of(agreement, date(2022, 5, 3)).last_notice_date == date(2022, 6, 30)
    assert status_of(agreement, date(2022, 5, 3)) == "extended"
    actions = [
        e.action
        for e in db.session.execute(
            db.select(AuditEntry)
            .where(AuditEntry.agreement_id == agreement.id)
            .order_by(AuditEntry.id)
        ).scalars()
    ]
    assert actions[-2:] == ["termination_recorded", "termination_withdrawn"]
    with pytest.raises(ConflictError):
        lifecycle.withdraw_termination(t, editor, None, date(2022, 5, 4))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "X", "recurrence": "yearly", "due_month": 2, "due_day": 30}, "due_day"),
        ({"title": "X", "recurrence": "yearly", "due_month": 2, "due_day": 29}, "due_day"),
        ({"title": "X", "recurrence": "yearly", "due_month": 13, "due_day": 1}, "due_month"),
        ({"title": "X", "recurrence": "once"}, "due_date"),
        ({"title": "", "recurrence": "yearly", "due_month": 3, "due_day": 31}, "title"),
        ({"title": "X", "recurrence": "weekly", "due_day": 1}, "recurrence"),
        (
            {
                "title": "X",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 31,
                "days_before": -1,
            },
            "days_before",
        ),
    ],
)
def test_impossible_obligations_are_refused_and_nothing_saved(factory, db, data, field):
    agreement = seed_000(factory)
    with pytest.raises(ValidationError) as exc:
        lifecycle.create_obligation(agreement, data, None, date(2022, 1, 1))
    assert field in exc.value.fields
    db.session.rollback()
    assert db.session.execute(db.select(Obligation)).first() is None


def test_fulfilment_of_an_occurrence_that_does_not_exist_is_refused(factory):
    agreement = seed_000(factory)
    ob = lifecycle.create_obligation(
        agreement,
        {"title": "VB", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        lifecycle.record_fulfilment(
            ob, {"due_date": date(2022, 3, 30), "met_on": date(2022, 3, 1)}, None, date(2022, 4, 1)
        )
    assert exc.value.code == "not_an_occurrence"
    f = lifecycle.record_fulfilment(ob, {"met_on": date(2022, 3, 20)}, None, date(2022, 4, 1))
    assert f.due_date == date(2022, 3, 31)  # the earliest open one (overdue)
    with pytest.raises(ValidationError) as exc:
        lifecycle.record_fulfilment(
            ob, {"due_date": date(2022, 3, 31), "met_on": date(2022, 3, 20)}, None, date(2022, 4, 1)
        )
    assert exc.value.code == "already_met"


# --- Pages -------------------------------------------------------------------------------------


def test_termination_page_records_notice_and_warns_when_late(client, login, factory, db):
    login("editor")
    agreement = seed_000(factory)
    org = agreement.parties[0].organisation_id
    response = client.post(
        f"/agreements/{agreement.id}/terminations/new",
        data={
            "organisation_id": org,
            "addressed_to_id": agreement.parties[1].organisation_id,
            "received_date": "2022-07-01",
            "written": "y",
            "letter": (io.BytesIO(minimal_pdf("brev")), "brev.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "2024-12-31" in text
    assert "alert-warning" in text
    t = db.session.execute(db.select(Termination)).scalar_one()
    assert t.late and t.attachment is not None and t.attachment.filename == "brev.pdf"


def test_termination_page_shows_the_reason_for_refusal(client, login, factory, db):
    login("editor")
    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    response = client.post(
        f"/agreements/{agreement.id}/terminations/new",
        data={
            "organisation_id": agreement.parties[0].organisation_id,
            "received_date": "2018-01-01",
            "written": "y",
        },
    )
    assert response.status_code == 422
    assert "före avtalets startdatum" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Termination)).first() is None


def test_reader_cannot_record_notice(client, login, factory):
    login("reader")
    agreement = seed_000(factory)
    response = client.post(
        f"/agreements/{agreement.id}/terminations/new",
        data={
            "organisation_id": agreement.parties[0].organisation_id,
            "received_date": "2022-01-01",
        },
    )
    assert response.status_code == 403


def test_withdraw_page_and_detail_shows_both(client, login, factory, db):
    login("editor")
    agreement = seed_000(factory)
    t = notice(agreement, date(2022, 5, 1))
    db.session.commit()
    response = client.post(
        f"/agreements/{agreement.id}/terminations/{t.id}/withdraw",
        data={"reason": "fel"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "termination_withdrawn" in text or "Återkallad" in text
    assert db.session.get(Termination, t.id).withdrawn_at is not None


def test_obligation_pages_add_and_mark_met_and_overdue_stands_out(client, login, factory, db):
    login("editor")
    agreement = factory.agreement(
        start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
    )
    response = client.post(
        f"/agreements/{agreement.id}/obligations/new",
        data={
            "title": "Verksamhetsberättelse",
            "recurrence": "yearly",
            "due_month": "3",
            "due_day": "31",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/agreements/{agreement.id}?as_of=2022-05-01").get_data(as_text=True)
    assert 'data-testid="overdue"' in page
    ob = db.session.execute(db.select(Obligation)).scalar_one()
    response = client.post(
        f"/agreements/{agreement.id}/obligations/{ob.id}/fulfilments",
        data={"due_date": "2022-03-31", "met_on": "2022-03-30", "note": "Inlämnad"},
    )
    assert response.status_code == 302
    assert ob.fulfilments[0].note == "Inlämnad"


def test_obligation_page_refuses_30_february(client, login, factory, db):
    login("editor")
    agreement = seed_000(factory)
    response = client.post(
        f"/agreements/{agreement.id}/obligations/new",
        data={"title": "X", "recurrence": "yearly", "due_month": "2", "due_day": "30"},
    )
    assert response.status_code == 422
    assert "30 februari finns inte" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Obligation)).first() is None
