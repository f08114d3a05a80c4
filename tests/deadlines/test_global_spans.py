"""The deadlines of no agreement (a huvudman's 1 March application, a missing index value) are
kept as span rows between daily refreshes: the refresh recomputes them only when what they are
computed from changed, the applications only for the organisations concerned. Whatever was
changed in between (parties moved to another huvudman, an amendment naming a new one, FTE set
to none, an agreement archived, deleted or added, a notice, an index value entered), the stored
rows as of every day of the span are exactly what the producers compute as of that day."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.agreements import lifecycle
from app.agreements import services as agreements
from app.agreements.amendments import add_amendment
from app.deadlines import services
from app.deadlines.models import DeadlineGlobalSpanState, DeadlineSpan
from app.finance import services as finance
from app.grants import services as grants
from app.indexation import services as indexation


@pytest.fixture(autouse=True)
def _no_margin(monkeypatch):
    # Changes in a test follow each other within seconds: count only those after a refresh.
    monkeypatch.setattr(grants, "CHANGE_MARGIN", timedelta(0))


def _stored(day: date) -> set[tuple]:
    return {
        (d.key, d.kind, d.date, d.title, d.only_ended)
        for d in services.stored_global_span_rows(day)
    }


def _computed(day: date) -> set[tuple]:
    return {
        (d.key, d.kind, d.date, d.title, d.only_ended if d.kind == "index_missing" else None)
        for d in services.global_deadlines(day)
    }


def _check_span(rnd: random.Random) -> None:
    first, last = services.stored_span()
    days = {
        first,
        last,
        *(first + timedelta(rnd.randint(0, (last - first).days)) for _ in range(10)),
    }
    days.update(
        date(y, m, d) for y in range(first.year, last.year + 1) for m, d in ((1, 1), (3, 1), (3, 2))
    )
    for day in sorted(x for x in days if first <= x <= last):
        assert _stored(day) == _computed(day), f"as of {day}"


def _register(rnd: random.Random, factory, db, orgs, count: int = 14) -> list:
    indexation.ensure_default_series()
    made = []
    for _ in range(count):
        start = date(2019, 1, 1) + timedelta(days=rnd.randint(0, 6 * 365))
        huvudman = rnd.choice(orgs[:3])
        end = None if rnd.random() < 0.3 else start + timedelta(days=rnd.choice((364, 730)))
        agreement = factory.agreement(
            parties_=[(huvudman, rnd.choice(("huvudman", "bestallare"))), (orgs[3], "utforare")],
            start_date=start,
            end_date=end,
            extension_months=rnd.choice((None, 12)) if end else None,
            notice_period_months=rnd.choice((3, 6)),
            fte=rnd.choice(("1", "0.5", "2")),
        )
        if rnd.random() < 0.6:
            finance.add_item(
                agreement,
                {
                    "label": "Ersättning",
                    "amount": "500000",
                    "price_level_year": rnd.choice((2019, 2022, 2024)),
                    "index_series": "OPI",
                },
                None,
            )
        db.session.commit()
        made.append(agreement)
    return made


def _change(rnd: random.Random, factory, db, orgs, made: list, day: date) -> None:
    """One random change of the kinds that move the deadlines of no agreement."""
    agreement = rnd.choice(made)
    db.session.refresh(agreement)
    what = rnd.choice(("parties", "amend", "fte", "archive", "delete", "add", "notice", "index"))
    try:
        if what == "parties":
            agreements.update_agreement(
                agreement,
                {
                    "parties": [
                        {"organisation_id": rnd.choice(orgs[:3]).id, "role": "huvudman"},
                        {"organisation_id": orgs[3].id, "role": "utforare"},
                    ]
                },
                None,
                agreement.version,
                day,
            )
        elif what == "amend":
            effective = agreement.start_date + timedelta(days=rnd.randint(30, 900))
            add_amendment(
                agreement,
                {
                    "effective_date": effective,
                    "changes": {
                        "parties": [
                            {"organisation_id": orgs[4].id, "role": "huvudman"},
                            {"organisation_id": orgs[3].id, "role": "utforare"},
                        ],
                        "fte": rnd.choice((None, "3")),
                    },
                },
                None,
                effective,
            )
        elif what == "fte":
            agreements.update_agreement(agreement, {"fte": None}, None, agreement.version, day)
        elif what == "archive":
            agreements.archive_agreement(agreement, None, agreement.version, day)
        elif what == "delete":
            made.remove(agreement)
            db.session.delete(agreement)
        elif what == "add":
            made.extend(_register(rnd, factory, db, orgs, count=1))
        elif what == "notice":
            received = agreement.start_date + timedelta(days=rnd.randint(10, 500))
            lifecycle.give_notice(
                agreement,
                {"organisation_id": orgs[3].id, "received_date": received, "written": True},
                None,
                received,
            )
        else:
            year = rnd.choice((2025, 2026, 2027, 2028))
            indexation.set_value(indexation.get_series("OPI"), year, "2.5", "preliminary")
        db.session.commit()
    except Exception:  # noqa: BLE001 - a change that breaks a rule: none then
        db.session.rollback()


@pytest.mark.parametrize("seed", range(1, 4))
def test_the_kept_rows_of_no_agreement_follow_every_change(seed, factory, db):
    rnd = random.Random(seed)
    orgs = [factory.organisation() for _ in range(5)]
    made = _register(rnd, factory, db, orgs)
    day = date(2025, 6, 1) + timedelta(days=rnd.randint(0, 365))
    services.refresh_all(day)
    db.session.commit()
    kinds = set(
        db.session.execute(
            db.select(DeadlineSpan.kind).where(DeadlineSpan.agreement_id.is_(None))
        ).scalars()
    )
    assert kinds == {"grant_application", "index_missing"}
    _check_span(rnd)
    for step in (1, 3, 20, 40, 90):
        for _ in range(rnd.randint(1, 4)):
            _change(rnd, factory, db, orgs, made, day)
        day += timedelta(days=step)
        services.refresh_due(day)
        db.session.commit()
        _check_span(rnd)


def _application_row_ids(db, organisation_id: int) -> set[int]:
    return set(
        db.session.execute(
            db.select(DeadlineSpan.id).where(
                DeadlineSpan.kind == "grant_application",
                DeadlineSpan.organisation_id == organisation_id,
            )
        ).scalars()
    )


def test_a_quiet_day_recomputes_nothing_of_no_agreement(factory, db, monkeypatch):
    rnd = random.Random(7)
    orgs = [factory.organisation() for _ in range(5)]
    made = _register(rnd, factory, db, orgs)
    day = date(2026, 3, 10)
    services.refresh_all(day)
    db.session.commit()
    state = db.session.get(DeadlineGlobalSpanState, "index_missing")
    computed_at = state.computed_at
    # Nothing changed and the span moves one day: the missing index values are kept, and the
    # applications of an organisation whose coverage reaches on are not rewritten.
    spread = services.GLOBAL_SPAN_SLACK_DAYS
    kept = [o for o in orgs[:3] if (o.id % spread) > 1 and _application_row_ids(db, o.id)]
    assert kept, "the test needs an organisation whose coverage reaches past tomorrow"
    before = {o.id: _application_row_ids(db, o.id) for o in kept}
    services.refresh_due(day + timedelta(days=1))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(DeadlineGlobalSpanState, "index_missing").computed_at == computed_at
    assert {o.id: _application_row_ids(db, o.id) for o in kept} == before

    # An edit of what the 1 March does not read (the title, the money) rewrites no huvudman's
    # applications; one of the FTE rewrites its huvudman's, and no one else's.
    def huvudman_of(agreement) -> int:
        db.session.refresh(agreement)
        return next(
            p.organisation_id for p in agreement.parties if p.role in ("huvudman", "bestallare")
        )

    target = next(a for a in made if a.fte and a.stage == "decided" and huvudman_of(a) in before)
    huvudman = huvudman_of(target)
    recomputed: list[set[int]] = []
    real = grants._application_span_rows

    def spy(candidates, first, last, orgs=None):
        recomputed.append(set(orgs or ()))
        return real(candidates, first, last, orgs)

    # An amended one: what a reading caches on it is no part of what the rows are computed from.
    add_amendment(
        target,
        {"effective_date": target.start_date + timedelta(days=40), "changes": {"fte": "3"}},
        None,
        day,
    )
    db.session.commit()
    services.refresh_due(day + timedelta(days=1))
    db.session.commit()
    db.session.refresh(target)
    before = {o.id: _application_row_ids(db, o.id) for o in kept}
    monkeypatch.setattr(grants, "_application_span_rows", spy)
    agreements.update_agreement(
        target, {"title": "Nytt namn"}, None, target.version, day + timedelta(days=1)
    )
    db.session.commit()
    services.refresh_due(day + timedelta(days=1))
    db.session.commit()
    db.session.expire_all()
    assert not any(huvudman in orgs for orgs in recomputed)
    assert {o.id: _application_row_ids(db, o.id) for o in kept} == before
    db.session.refresh(target)
    agreements.update_agreement(target, {"fte": "4"}, None, target.version, day + timedelta(days=1))
    db.session.commit()
    services.refresh_due(day + timedelta(days=2))
    db.session.commit()
    db.session.expire_all()
    assert any(huvudman in orgs for orgs in recomputed)
    others = {o.id for o in kept if o.id != huvudman and (o.id % spread) > 2}
    assert {o: _application_row_ids(db, o) for o in others} == {o: before[o] for o in others}
    assert _application_row_ids(db, huvudman) != before[huvudman]
    # The agreement's money changed too: the missing index values are computed again.
    assert db.session.get(DeadlineGlobalSpanState, "index_missing").computed_at > computed_at
    # Entering an index value recomputes them at once, without waiting for the refresh.
    indexation.set_value(indexation.get_series("OPI"), 2027, "2.0", "preliminary")
    db.session.commit()
    tomorrow = day + timedelta(days=2)
    assert not any(
        d.kind == "index_missing" and d.year == 2027
        for d in services.stored_global_span_rows(tomorrow)
    )
    assert _stored(tomorrow) == _computed(tomorrow)
