"""The agreement list's free-text search and counting, shared by the page and the API: words
found in titles, the diarienummer, a party's name; an exact total; the same number of queries
per page however many agreements there are; the search index in use on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.agreements import search


@pytest.fixture
def register(factory):
    region = factory.organisation("Region Norrbotten", kind="region")
    luleå = factory.organisation("Luleå kommun")
    rfhl = factory.organisation("RFHL Norrbotten", kind="forening")
    made = {
        "ombud": factory.agreement(
            [(luleå, "bestallare"), (rfhl, "utforare")],
            title="Personligt ombud i Luleå",
            diarienummer="SN 2021/0042",
        ),
        "boende": factory.agreement(
            [(region, "bestallare"), (luleå, "utforare")],
            title="Stödboende för unga vuxna",
            diarienummer="SN 2022/0101",
        ),
        "iop": factory.agreement(
            [(region, "bestallare"), (rfhl, "utforare")],
            title="IOP Kvinnojour",
            diarienummer="RS 2020/7",
        ),
    }
    return made


def _titles(api, query: str) -> set[str]:
    response = api("reader").get(f"/agreements?q={query}")
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return {item["title"] for item in body["items"]}


def test_search_finds_words_of_the_title_in_any_order_and_by_their_beginning(api, register):
    assert _titles(api, "ombud") == {"Personligt ombud i Luleå"}
    assert _titles(api, "ombud personligt") == {"Personligt ombud i Luleå"}
    assert _titles(api, "Stödbo") == {"Stödboende för unga vuxna"}
    assert _titles(api, "ombud kvinnojour") == set()


def test_search_finds_the_exact_diarienummer_and_a_partys_name(api, register):
    assert _titles(api, "SN 2022/0101") == {"Stödboende för unga vuxna"}
    assert _titles(api, "RFHL") == {"Personligt ombud i Luleå", "IOP Kvinnojour"}
    assert _titles(api, "Norrbotten") == set(t.title for t in register.values())


def test_search_ignores_characters_that_would_break_a_query(api, register):
    for query in ["%27%20%26%20%21", "%3A%2A", "()|!&", "ombud%27%3A%2A"]:
        response = api("reader").get(f"/agreements?q={query}")
        assert response.status_code == 200
    assert _titles(api, "ombud%27%3A%2A") == {"Personligt ombud i Luleå"}


def test_prefix_query_is_built_from_words_only():
    assert search.prefix_tsquery("personligt omb") == "personligt:* & omb:*"
    assert search.prefix_tsquery("x' | !y:*") == "x:* & y:*"
    assert search.prefix_tsquery("  ()!&  ") is None


def test_the_page_and_the_api_show_the_same_matches_and_exact_total(
    client, login, api, register, factory
):
    for i in range(3):
        factory.agreement(title=f"Personligt ombud {i}")
    login("reader")
    page = client.get("/agreements/?q=personligt%20ombud&per_page=2")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "4 avtal" in text
    assert "Sida 1 av 2" in text
    body = api("reader").get("/agreements?q=personligt%20ombud&per_page=2&page=2").get_json()
    assert body["total"] == 4
    assert len(body["items"]) == 2


def test_a_searched_page_orders_counts_and_pages_as_the_plain_list(api, factory):
    """The search's total comes with the page's ids (one pass over the matches): it equals the
    plain count on every page, the last page is short, a page past the end is empty with the
    same total, and a search matching nothing says 0."""
    for i in (5, 1, 4, 2, 3, 0, 6):
        factory.agreement(title=f"Personligt ombud {i}", diarienummer=f"SN {i}")
    factory.agreement(title="Annat avtal")
    reader = api("reader")
    seen = []
    for page in (1, 2, 3, 4):
        body = reader.get(f"/agreements?q=ombud&per_page=3&page={page}").get_json()
        assert body["total"] == 7, page
        seen.extend(item["title"] for item in body["items"])
    assert seen == [f"Personligt ombud {i}" for i in range(7)]
    body = reader.get("/agreements?q=ombud&per_page=3&page=3").get_json()
    assert len(body["items"]) == 1
    assert reader.get("/agreements?q=finnsinte&page=1").get_json()["total"] == 0
    assert reader.get("/agreements?q=finnsinte&page=2").get_json()["total"] == 0
    # Sorted by the end of the period (a join to the stored deadlines) it counts the same.
    body = reader.get("/agreements?q=ombud&per_page=2&sort=period_end").get_json()
    assert body["total"] == 7 and len(body["items"]) == 2


def _queries(db, call) -> int:
    seen = []

    def tick(*args):
        seen.append(1)

    db.session.expire_all()  # as in a fresh request: nothing remembered from the last one
    event.listen(db.engine, "before_cursor_execute", tick)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", tick)
    return len(seen)


def test_a_list_page_takes_the_same_queries_with_few_or_many_agreements(
    db, client, login, api, factory
):
    reader = api("reader")
    login("reader")
    shared = [
        (factory.organisation("Kommunen"), "bestallare"),
        (factory.organisation(), "utforare"),
    ]
    for i in range(3):
        factory.agreement(shared, title=f"Ombud {i}")

    def run():
        assert client.get("/agreements/?q=ombud").status_code == 200
        assert reader.get("/agreements?q=ombud").status_code == 200
        assert reader.get("/agreements?kind=samverkansavtal").status_code == 200

    run()  # first use: the token's last-used stamp and other one-off writes
    few = _queries(db, run)
    for i in range(12):
        factory.agreement(shared, title=f"Ombud {i + 3}")
    assert _queries(db, run) == few


def test_postgresql_answers_the_search_from_the_swedish_text_index(db, register):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the full-text index is PostgreSQL's; SQLite matches substrings")
    from app.agreements.services import list_query

    stmt = list_query(q="ombud")
    sql = str(stmt.compile(db.engine))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # a 3-row table: force the choice
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, stmt.compile(db.engine).params)
        )
    assert "ix_agreements_search_sv" in plan, plan


@pytest.mark.parametrize("walk_share", [0, 10**9], ids=["title-index-walk", "sorted-matches"])
def test_a_search_pages_the_same_whether_it_walks_the_title_index_or_sorts_the_matches(
    db, factory, monkeypatch, walk_share
):
    """On PostgreSQL a page of a search sorted by title is read either by walking the title
    index (a common word) or by sorting every match (a rare one), and its total counts the
    word matches and the other matches apart: both ways give the same pages, and an agreement
    found by its words and by its party's name is counted once. (SQLite has one way; the
    expected pages are the same.)"""
    from datetime import date

    from app.agreements.services import archive_agreement, list_query

    monkeypatch.setattr(search, "WALK_SHARE", walk_share)
    norrlands = factory.organisation("Norrlands förening", kind="forening")
    other = factory.organisation("Kommunen")
    with_norrlands = [(other, "bestallare"), (norrlands, "utforare")]
    for i in (3, 1, 5, 2, 4):
        factory.agreement(title=f"Ombud norr {i}", kind="iop" if i % 2 else "samverkansavtal")
    factory.agreement(with_norrlands, title="Boende Söder")  # the party's name only
    factory.agreement(with_norrlands, title="Norrskenet stöd")  # its words and its party
    factory.agreement(title="Stöd X", diarienummer="norr")  # the exact diarienummer
    factory.agreement(title="Annat avtal")
    gone = factory.agreement(title="Ombud norr arkiv")
    archive_agreement(gone, None, gone.version, date(2021, 6, 1))
    db.session.commit()

    def pages(per_page: int = 3, **filters) -> tuple[list[str], set[int]]:
        titles, totals = [], set()
        for page in range(1, 6):
            result = search.page_of(list_query(q="norr", **filters), page, per_page)
            titles.extend(a.title for a in result.items)
            totals.add(result.total)
        return titles, totals

    ombud = [f"Ombud norr {i}" for i in range(1, 6)]
    everything = ["Boende Söder", "Norrskenet stöd", *ombud, "Stöd X"]
    assert pages() == (everything, {8})
    assert pages(descending=True) == (everything[::-1], {8})
    assert pages(include_archived=True) == (
        ["Boende Söder", "Norrskenet stöd", *ombud[:5], "Ombud norr arkiv", "Stöd X"],
        {9},
    )
    assert pages(kind="iop") == (["Ombud norr 1", "Ombud norr 3", "Ombud norr 5"], {3})
    assert pages(per_page=50, sort="status")[1] == {8}
    assert pages(organisation_id=norrlands.id) == (["Boende Söder", "Norrskenet stöd"], {2})
    result = search.page_of(list_query(q="finnsinte"), 1, 3)
    assert (result.items, result.total) == ([], 0)
