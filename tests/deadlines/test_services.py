"""Computing and storing deadlines: the producers, refresh of one agreement and of all, keys."""

from __future__ import annotations

from datetime import date

import pytest

from app.agreements import lifecycle
from app.agreements.models import Agreement
from app.core import clock
from app.deadlines import services
from app.deadlines.models import Deadline


def seed_000(factory, **kw):
    return factory.agreement(
        title="Personligt ombud, seed 000",
        start_date=date(2008, 1, 1),
        end_date=date(2010, 12, 31),
        extension_months=24,
        notice_period_months=6,
        **kw,
    )


def kinds_and_dates(items, kind=None):
    return [(d.kind, d.date) for d in items if kind is None or d.kind == kind]


def test_extending_agreement_has_last_notice_and_extension(factory):
    agreement = seed_000(factory)
    items = services.deadlines_for(agreement, date(2022, 1, 15))
    assert ("last_notice", date(2022, 6, 30)) in kinds_and_dates(items)
    assert ("extension", date(2023, 1, 1)) in kinds_and_dates(items)
    assert not [d for d in items if d.kind == "term_end"]


def test_after_an_extension_the_next_last_notice_comes_from_the_new_period(factory):
    agreement = seed_000(factory)
    items = services.deadlines_for(agreement, date(2022, 7, 1))
    notices = [d for d in items if d.kind == "last_notice" and d.date >= date(2022, 7, 1)]
    assert notices[0].date == date(2024, 6, 30)


def test_last_notice_on_a_sunday_keeps_the_date_and_gives_the_friday_before(factory):
    agreement = seed_000(factory)
    items = services.deadlines_for(agreement, date(2023, 1, 1))
    notice = next(d for d in items if d.kind == "last_notice")
    assert notice.date == date(2024, 6, 30)  # a Sunday
    assert notice.business_day == date(2024, 6, 28)


def test_last_notice_on_new_years_eve_moves_business_day_before_the_holidays(factory):
    agreement = factory.agreement(
        start_date=date(2022, 1, 1),
        end_date=date(2024, 1, 31),
        notice_period_months=1,
    )
    notice = next(
        d for d in services.deadlines_for(agreement, date(2023, 6, 1)) if d.kind == "last_notice"
    )
    assert notice.date == date(2023, 12, 31)
    assert notice.business_day == date(2023, 12, 29)


def test_fixed_term_ends_with_term_end(factory):
    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    items = services.deadlines_for(agreement, date(2020, 1, 1))
    assert kinds_and_dates(items) == [
        ("last_notice", date(2020, 6, 30)),
        ("term_end", date(2020, 12, 31)),
    ]


def test_extension_cap_reached_gives_a_term_end_and_no_more_extensions(factory):
    agreement = factory.agreement(
        start_date=date(2020, 1, 1),
        end_date=date(2020, 12, 31),
        extension_months=12,
        max_extensions=1,
        notice_period_months=3,
    )
    items = services.deadlines_for(agreement, date(2020, 6, 1))
    assert kinds_and_dates(items) == [
        ("last_notice", date(2020, 9, 30)),
        ("extension", date(2021, 1, 1)),
        ("last_notice", date(2021, 9, 30)),
        ("term_end", date(2021, 12, 31)),
    ]


def test_month_end_term_keeps_month_ends_in_leap_years(factory):
    agreement = factory.agreement(
        start_date=date(2023, 3, 1),
        end_date=date(2024, 2, 29),
        extension_months=12,
        notice_period_months=2,
    )
    items = services.deadlines_for(agreement, date(2023, 6, 1))
    # 31 December + 2 months is 29 February in a leap year, 28 February otherwise.
    assert kinds_and_dates(items) == [
        ("last_notice", date(2023, 12, 31)),
        ("extension", date(2024, 3, 1)),
        ("last_notice", date(2024, 12, 31)),
        ("extension", date(2025, 3, 1)),
    ]
    assert items[0].business_day == date(2023, 12, 29)


def test_open_ended_agreement_has_no_lifecycle_deadlines_until_notice(factory, db):
    agreement = factory.agreement(
        start_date=date(2021, 1, 1),
        end_date=None,
        notice_period_months=12,
        notice_must_be_written=True,
    )
    assert services.deadlines_for(agreement, date(2022, 1, 1)) == []
    lifecycle.give_notice(
        agreement,
        {
            "organisation_id": agreement.parties[0].organisation_id,
            "received_date": date(2022, 3, 15),
            "written": True,
        },
        None,
        date(2022, 4, 1),
    )
    items = services.deadlines_for(agreement, date(2022, 4, 1))
    assert kinds_and_dates(items) == [("term_end", date(2023, 3, 15))]


def test_late_notice_gives_extension_then_term_end(factory):
    agreement = seed_000(factory)
    org = agreement.parties[0].organisation_id
    lifecycle.give_notice(
        agreement,
        {"organisation_id": org, "received_date": date(2022, 7, 1), "written": True},
        None,
        date(2022, 7, 1),
    )
    assert agreement.active_termination.effective_end_date == date(2024, 12, 31)
    items = services.deadlines_for(agreement, date(2022, 7, 1))
    # No more last days for notice; the extension still happens; the end is past the horizon.
    assert kinds_and_dates(items) == [("extension", date(2023, 1, 1))]
    items = services.deadlines_for(agreement, date(2023, 1, 10))
    assert kinds_and_dates(items) == [
        ("extension", date(2023, 1, 1)),
        ("term_end", date(2024, 12, 31)),
    ]


def test_obligations_fall_due_and_overdue_ones_are_marked(factory):
    agreement = factory.agreement(
        start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
    )
    report = lifecycle.create_obligation(
        agreement,
        {"title": "Verksamhetsberättelse", "recurrence": "yearly", "due_month": 3, "due_day": 31},
        None,
        date(2022, 1, 1),
    )
    items = [
        d for d in services.deadlines_for(agreement, date(2022, 5, 1)) if d.kind == "obligation_due"
    ]
    assert [(d.date, d.overdue) for d in items] == [
        (date(2022, 3, 31), True),
        (date(2023, 3, 31), False),
        (date(2024, 3, 31), False),
    ]
    assert items[0].key == f"agreement:{agreement.id}:obligation_due:{report.id}:2022-03-31"
    assert items[0].obligation_id == report.id


def test_insurance_certificate_one_week_before_expiry(factory):
    agreement = factory.agreement(
        start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
    )
    lifecycle.create_obligation(
        agreement,
        {
            "title": "Försäkringsbevis",
            "recurrence": "yearly",
            "due_month": 1,
            "due_day": 1,
            "days_before": 7,
            "relative_to_label": "försäkringen löper ut",
        },
        None,
        date(2022, 1, 1),
    )
    items = [
        d for d in services.deadlines_for(agreement, date(2022, 6, 1)) if d.kind == "obligation_due"
    ]
    assert [(d.date, d.overdue) for d in items][:2] == [
        (date(2021, 12, 25), True),
        (date(2022, 12, 25), False),
    ]


def test_fulfilled_occurrence_is_no_longer_a_deadline(factory):
    agreement = factory.agreement(
        start_date=date(2021, 1, 1), end_date=None, notice_period_months=12
    )
    ob = lifecycle.create_obligation(
        agreement,
        {"title": "Rapport", "recurrence": "semiannual", "due_month": 1, "due_day": 31},
        None,
        date(2022, 1, 1),
    )
    lifecycle.record_fulfilment(
        ob, {"due_date": date(2022, 1, 31), "met_on": date(2022, 1, 20)}, None, date(2022, 2, 1)
    )
    dues = [
        d.date
        for d in services.deadlines_for(agreement, date(2022, 2, 1))
        if d.kind == "obligation_due"
    ]
    assert date(2022, 1, 31) not in dues
    assert dues[:2] == [date(2021, 7, 31), date(2022, 7, 31)]  # the first one is overdue


def test_keys_are_stable_across_refreshes(factory, db):
    agreement = seed_000(factory)
    services.refresh_all(date(2022, 1, 15))
    first = set(db.session.execute(db.select(Deadline.key)).scalars())
    services.refresh_all(date(2022, 1, 15))
    second = set(db.session.execute(db.select(Deadline.key)).scalars())
    assert first == second
    assert f"agreement:{agreement.id}:last_notice:2022-06-30" in first


def test_refresh_all_writes_rows_with_business_days_and_updates_status(factory, db):
    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    db.session.execute(
        db.update(Agreement).where(Agreement.id == agreement.id).values(status="draft")
    )
    seen = []
    written = services.refresh_all(date(2020, 1, 1), progress=seen.append)
    db.session.commit()
    rows = db.session.execute(db.select(Deadline).order_by(Deadline.date)).scalars().all()
    assert written == len(rows) == 2
    assert rows[0].business_day == date(2020, 6, 30)
    assert rows[1].business_day == date(2020, 12, 30)  # nyårsafton is no business day
    assert sum(seen) == 1
    assert db.session.get(Agreement, agreement.id).status == "in_force"
    services.refresh_all(date(2021, 1, 1))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).status == "ended"


def test_refresh_all_does_not_bump_versions(factory, db):
    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    version = agreement.version
    services.refresh_all(date(2021, 6, 1))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Agreement, agreement.id).version == version


def test_changing_an_agreement_refreshes_its_stored_deadlines(factory, db, make_user):
    from app.agreements.services import update_agreement

    agreement = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2099, 12, 31))
    keys = set(db.session.execute(db.select(Deadline.key)).scalars())
    assert f"agreement:{agreement.id}:term_end:2099-12-31" not in keys  # beyond the horizon
    update_agreement(
        agreement,
        {"end_date": clock.today().replace(day=1) + (date(2001, 3, 1) - date(2001, 1, 1))},
        make_user(),
        agreement.version,
        clock.today(),
    )
    db.session.commit()
    kinds = set(
        db.session.execute(
            db.select(Deadline.kind).where(Deadline.agreement_id == agreement.id)
        ).scalars()
    )
    assert "term_end" in kinds


def test_draft_and_archived_agreements_have_no_deadlines(factory):
    draft = factory.agreement(stage="draft")
    assert services.deadlines_for(draft, date(2021, 6, 1)) == []


def test_registered_producer_adds_deadlines_and_can_be_removed(factory):
    agreement = factory.agreement()

    def producer(agreements, as_of):
        for a in agreements:
            yield services.DeadlineData(
                f"agreement:{a.id}:index_missing:OPI:2022",
                "index_missing",
                date(2022, 1, 31),
                "OPI 2022 saknas",
                a.id,
                series_code="OPI",
                year=2022,
            )

    services.register_producer(producer)
    try:
        items = services.deadlines_for(agreement, date(2022, 1, 1))
        assert any(d.kind == "index_missing" and d.series_code == "OPI" for d in items)
    finally:
        services._producers.remove(producer)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        services.DeadlineData("x", "nonsense", date(2022, 1, 1), "x")


def test_list_reads_stored_rows_on_refresh_day_and_computes_other_days(factory, db):
    agreement = seed_000(factory)
    services.refresh_all(date(2022, 1, 15))
    db.session.commit()
    stored = services.list_deadlines(date(2022, 1, 15), within_days=365)
    assert [(d.kind, d.date) for d in stored.items] == [
        ("last_notice", date(2022, 6, 30)),
        ("extension", date(2023, 1, 1)),
    ]
    assert isinstance(stored.items[0], Deadline)
    computed = services.list_deadlines(date(2022, 7, 1), within_days=730)
    assert [(d.kind, d.date) for d in computed.items][:2] == [
        ("extension", date(2023, 1, 1)),
        ("last_notice", date(2024, 6, 30)),
    ]
    assert computed.items[0].agreement.id == agreement.id
