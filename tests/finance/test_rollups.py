"""The year sums kept as of one day (app.finance.rollups): the overview, its chart, the
settlement and the API's list read them as of that day instead of summing every agreement's
stored row. After every kind of change — a new line, shares, an amendment, a notice, index
values preliminary then final, a grant rate, an agreement archived or deleted outright, a
full rebuild, a new day — they give exactly what summing the stored figures gives."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.agreements.models import Agreement
from app.core import clock
from app.extensions import db as _db
from app.finance import figures, rollups, services
from app.finance.models import RollupState, YearRollup
from tests.finance.test_stored_figures import (
    YEARS,
    _gap_facts,
    _overview_facts,
    _post,
    noticed_agreement,
    random_register,
)


def _facts(as_of: date) -> dict:
    out = {}
    for year in YEARS:
        for filters in ({}, {"kind": "iop"}, {"kind": "samverkansavtal"}):
            o = services.overview(year, as_of=as_of, **filters)
            out[(year, tuple(filters.values()))] = (_overview_facts(o), _gap_facts(o))
        s = services.settlement_overview(year, as_of)
        out[(year, "settlement")] = (list(s.rows), s.net_difference, s.incomplete)
        listing = services.year_listing(year, 1, 200, as_of=as_of)  # the API's list
        out[(year, "listing")] = (listing.count, listing.total, listing.complete)
    out["chart"] = services.totals_per_year(YEARS[0], YEARS[-1], as_of)
    return out


def assert_kept_equals_summed(monkeypatch, as_of: date) -> None:
    assert rollups.answers_for(as_of), "the kept sums describe this day"
    kept = _facts(as_of)
    with monkeypatch.context() as m:
        m.setattr(rollups, "answers_for", lambda *a, **k: False)
        summed = _facts(as_of)
    assert kept == summed


@pytest.mark.parametrize("seed", [4, 5])
def test_the_kept_sums_equal_summing_the_figures_after_every_change(
    api, factory, monkeypatch, seed
):
    rnd = random.Random(seed)
    editor = api("admin")
    made = random_register(editor, factory, rnd, n=10)
    today = clock.today()
    services.overview(today.year, as_of=today)  # the first reading builds the figures
    _db.session.commit()
    assert _db.session.execute(_db.select(RollupState.day)).scalar() == today
    assert _db.session.execute(_db.select(YearRollup)).first() is not None
    assert_kept_equals_summed(monkeypatch, today)

    a = rnd.choice(made)
    line = {"label": "Lokal", "amount": "123456.78", "price_level_year": 2023}
    _post(editor, f"/agreements/{a['id']}/compensation-items", line)
    assert_kept_equals_summed(monkeypatch, today)

    b = rnd.choice(made)
    org = editor.get(f"/agreements/{b['id']}").json["parties"][0]["organisation_id"]
    shares = [{"organisation_id": org, "share": "1"}]
    assert editor.put(f"/agreements/{b['id']}/cost-shares", shares).status_code == 200
    noticed_agreement(editor, org, "2026-01-15")
    assert_kept_equals_summed(monkeypatch, today)

    for status, percent in (("preliminary", "2.2"), ("final", "2.9")):
        body = {"percent": percent, "status": status}
        assert editor.put("/index-series/OPI/years/2026", body).status_code in (200, 201)
        assert_kept_equals_summed(monkeypatch, today)
    assert editor.put("/grant-rates/2026", {"amount_per_fte": "420000"}).status_code in (200, 201)
    assert_kept_equals_summed(monkeypatch, today)

    # Archived: its rows go through the figures' writer; deleted outright: by the cascade.
    c, d = rnd.sample([m for m in made if m["id"] not in (a["id"], b["id"])], 2)
    agreement = _db.session.get(Agreement, c["id"])
    from app.agreements.services import archive_agreement

    archive_agreement(agreement, None, agreement.version, today)
    _db.session.commit()
    _db.session.delete(_db.session.get(Agreement, d["id"]))
    _db.session.commit()
    assert_kept_equals_summed(monkeypatch, today)

    # A new day: the scheduler's next run sums everything as of it.
    tomorrow = today + timedelta(days=1)
    assert not rollups.answers_for(tomorrow)
    assert figures.roll_up(tomorrow) is True
    _db.session.commit()
    assert figures.roll_up(tomorrow) is False
    assert not rollups.answers_for(today)
    assert_kept_equals_summed(monkeypatch, tomorrow)

    figures.refresh_all()  # `flask finance refresh --full`: rebuilt, and the sums with them
    _db.session.commit()
    assert_kept_equals_summed(monkeypatch, today)


def test_a_day_other_than_the_kept_one_sums_the_figures(api, factory, monkeypatch):
    editor = api("admin")
    random_register(editor, factory, random.Random(9), n=4)
    today = clock.today()
    services.overview(today.year, as_of=today)
    _db.session.commit()
    # Break the kept sums on purpose: only the kept day reads them.
    _db.session.execute(_db.update(YearRollup).values(total=YearRollup.total + 1000))
    other = services.overview(2024, as_of=today - timedelta(days=3)).total
    kept = services.overview(2024, as_of=today).total
    with monkeypatch.context() as m:
        m.setattr(rollups, "answers_for", lambda *a, **k: False)
        summed = services.overview(2024, as_of=today).total
    assert kept != summed  # the page as of the kept day did read the kept sums
    assert other == services.overview(2024, as_of=today - timedelta(days=3)).total
    _db.session.rollback()


def test_after_the_upgrade_the_refresh_command_sums_them(api, factory, runner, monkeypatch):
    """The upgrade that adds the tables leaves them empty: pages sum the figures meanwhile,
    and `flask finance refresh` (or the scheduler's next run) keeps the sums as of today."""
    random_register(api("admin"), factory, random.Random(2), n=3)
    today = clock.today()
    services.overview(today.year, as_of=today)
    for model in (*rollups.MODELS, RollupState):
        _db.session.execute(_db.delete(model))
    _db.session.commit()
    assert not rollups.answers_for(today)
    result = runner.invoke(args=["finance", "refresh"])
    assert result.exit_code == 0, result.output
    assert rollups.answers_for(today)
    assert_kept_equals_summed(monkeypatch, today)
