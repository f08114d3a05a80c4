"""Deadlines as of a day the stored refresh does not describe: computed in batches (the same
answer whatever the batch size), and refused with a clear answer once the time budget is spent
(API 503 ``as_of_too_costly``, the page a sentence) instead of tying up a worker."""

from __future__ import annotations

from datetime import date

import pytest

from app.deadlines import services


@pytest.fixture
def agreements(factory):
    shared = [(factory.organisation(), "bestallare"), (factory.organisation(), "utforare")]
    return [
        factory.agreement(
            shared,
            title=f"Avtal {i}",
            start_date=date(2021, 1, 1),
            end_date=date(2022, 12, 31 - i),
            notice_period_months=3,
        )
        for i in range(7)
    ]


def _keys(result) -> list[str]:
    return [d.key for d in result.items]


def test_the_answer_is_the_same_whatever_the_batch_size(app, db, agreements, monkeypatch):
    whole = services.list_deadlines(date(2022, 8, 1), within_days=365, per_page=500)
    assert len(whole.items) >= 7
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    db.session.expunge_all()
    batched = services.list_deadlines(date(2022, 8, 1), within_days=365, per_page=500)
    assert _keys(batched) == _keys(whole)
    assert batched.total == whole.total
    page_two = services.list_deadlines(date(2022, 8, 1), within_days=365, page=2, per_page=3)
    assert _keys(page_two) == _keys(whole)[3:6]
    assert all(d.agreement is not None for d in page_two.items)


def test_the_api_answers_503_when_the_as_of_computation_would_exceed_its_budget(
    app, api, agreements
):
    app.config["AS_OF_TIME_BUDGET_SECONDS"] = 0
    response = api("reader").get("/deadlines?as_of=2022-08-01")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "as_of_too_costly"
    assert "2022-08-01" in error["message"]


def test_the_page_says_the_as_of_answer_is_too_costly_instead_of_hanging(
    app, client, login, agreements
):
    login("reader")
    app.config["AS_OF_TIME_BUDGET_SECONDS"] = 0
    response = client.get("/?as_of=2022-08-01")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="as-of-too-costly"' in text
    assert "skulle ta längre tid än 0 sekunder" in text
    app.config["AS_OF_TIME_BUDGET_SECONDS"] = 10
    assert 'id="as-of-too-costly"' not in client.get("/?as_of=2022-08-01").get_data(as_text=True)


class _Clock:
    """``time.monotonic`` as the test sets it."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_the_start_pages_list_and_sections_share_one_budget(
    app, client, login, agreements, monkeypatch
):
    """The start page computes its list, then its sections: together they get one budget, so a
    request cannot take the budget twice (or more) over."""
    from app.deadlines import startpage

    login("reader")
    clock = _Clock()
    monkeypatch.setattr(services, "time", clock)
    sections = startpage.start_page

    def later_sections(*args, **kwargs):
        clock.now += 11  # the list took 11 s of the 10 s budget
        return sections(*args, **kwargs)

    monkeypatch.setattr(startpage, "start_page", later_sections)
    text = client.get("/?as_of=2022-08-01").get_data(as_text=True)
    assert 'id="as-of-too-costly"' in text
    assert "skulle ta längre tid än 10 sekunder" in text

    # Each request has its own budget: the next one starts afresh.
    monkeypatch.setattr(startpage, "start_page", sections)
    assert 'id="as-of-too-costly"' not in client.get("/?as_of=2022-08-01").get_data(as_text=True)
