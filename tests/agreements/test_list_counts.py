"""The agreement list's totals for the lists that grow with the register (all, by kind, by
today's status, with the archived): exact after every kind of change, and on PostgreSQL kept
by triggers in a few rows instead of counting every agreement (``app.agreements.search``)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select, text

from app.agreements import search, services
from app.agreements.models import Agreement, AgreementListCount

END = date(2028, 12, 31)
LISTS = [
    "",
    "?kind=samverkansavtal",
    "?kind=iop",
    "?status=in_force",
    "?status=ended",
    "?status=archived",
    "?include_archived=true",
    "?kind=iop&include_archived=true",
]


def _actual(db, query: str) -> int:
    """The number of agreements the list ``query`` shows, counted by hand."""
    args = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    stmt = select(func.count(Agreement.id))
    if "kind" in args:
        stmt = stmt.where(Agreement.kind == args["kind"])
    if "status" in args:
        stmt = stmt.where(Agreement.status == args["status"])
    elif args.get("include_archived") != "true":
        stmt = stmt.where(Agreement.stage != "archived")
    return db.session.scalar(stmt)


def _totals(db, reader) -> dict[str, tuple[int, int]]:
    """Each list's total as the API gives it, beside the hand count."""
    db.session.expire_all()
    found = {}
    for query in LISTS:
        response = reader.get(f"/agreements{query}")
        assert response.status_code == 200, response.data
        found[query] = (response.get_json()["total"], _actual(db, query))
    return found


def _assert_exact(db, reader) -> dict[str, tuple[int, int]]:
    found = _totals(db, reader)
    assert all(given == actual for given, actual in found.values()), found
    return found


def test_list_totals_stay_exact_through_creation_edits_archiving_refresh_and_deletion(
    db, api, factory, make_user
):
    reader, admin = api("reader"), make_user("admin")
    # In force today, ended by the end of 2028.
    made = [factory.agreement(kind="samverkansavtal", end_date=END) for _ in range(3)]
    made += [factory.agreement(kind="iop", end_date=END) for _ in range(2)]
    found = _assert_exact(db, reader)
    assert found[""] == (5, 5) and found["?status=in_force"] == (5, 5)

    # An edit that changes the kind moves the agreement between the lists.
    iop = made[3]
    services.update_agreement(
        iop, {"kind": "samverkansavtal"}, admin, iop.version, date(2021, 6, 1)
    )
    db.session.commit()
    assert _assert_exact(db, reader)["?kind=iop"] == (1, 1)

    # An edit that changes nothing counted leaves every total as it was.
    first = made[0]
    services.update_agreement(first, {"title": "Nytt namn"}, admin, first.version, date(2021, 6, 1))
    db.session.commit()
    assert _assert_exact(db, reader) == found | {
        "?kind=iop": (1, 1),
        "?kind=iop&include_archived=true": (1, 1),
        "?kind=samverkansavtal": (4, 4),
    }

    # Archiving leaves the default list and joins the one with the archived.
    services.archive_agreement(made[1], admin, made[1].version, date(2021, 6, 1))
    db.session.commit()
    found = _assert_exact(db, reader)
    assert found[""] == (4, 4) and found["?include_archived=true"] == (5, 5)
    assert found["?status=archived"] == (1, 1)

    # A refresh changes statuses in bulk: as of 2029 they have ended.
    from app.deadlines.services import refresh_all

    refresh_all(date(2029, 3, 1))
    db.session.commit()
    found = _assert_exact(db, reader)
    assert found["?status=in_force"] == (0, 0) and found["?status=ended"] == (4, 4)

    # A deletion (an operator's, a test's cleanup) is counted too.
    db.session.delete(made[4])
    db.session.commit()
    assert _assert_exact(db, reader)["?status=ended"] == (3, 3)


def test_the_page_shows_the_same_total_as_the_api(db, client, login, api, factory):
    for _ in range(3):
        factory.agreement(kind="iop")
    factory.agreement(kind="samverkansavtal")
    login("reader")
    page = client.get("/agreements/?kind=iop")
    assert page.status_code == 200
    assert api("reader").get("/agreements?kind=iop").get_json()["total"] == 3
    assert "3" in page.get_data(as_text=True)


def _postgresql(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the kept counts are PostgreSQL's; SQLite counts the agreements")


def _statements(db, call) -> list[str]:
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def test_postgresql_counts_the_broad_lists_without_reading_the_agreements(db, api, factory):
    _postgresql(db)
    for _ in range(2):
        factory.agreement()
    reader = api("reader")
    reader.get("/agreements")  # first use: the token's one-off writes

    broad = _statements(db, lambda: reader.get("/agreements?kind=samverkansavtal"))
    assert any("agreement_list_counts" in s for s in broad), broad
    assert not any("count(" in s.lower() for s in broad), broad
    # A narrow list (one board) is still counted over its index, and exactly.
    narrow = _statements(db, lambda: reader.get("/agreements?board_id=1"))
    assert any("count(" in s.lower() for s in narrow), narrow
    assert not any("agreement_list_counts" in s for s in narrow), narrow


def test_postgresql_keeps_counts_through_plain_sql_and_folds_them(db, api, factory):
    _postgresql(db)
    for kind in ("iop", "iop", "samverkansavtal"):
        factory.agreement(kind=kind)
    reader = api("reader")
    # SQL that bypasses the application (an operator's fix, a bulk load) is counted too.
    db.session.execute(text("UPDATE agreements SET kind = 'iop' WHERE kind = 'samverkansavtal'"))
    db.session.execute(
        text(
            "INSERT INTO agreements (kind, title, stage, status, invoicing, version, "
            "notice_must_be_written, notice_ends_at_month_end, continues_open_ended, "
            "created_at, updated_at) "
            "SELECT kind, title || ' (kopia)', stage, status, invoicing, 1, false, false, "
            "false, now(), now() FROM agreements"
        )
    )
    db.session.commit()
    found = _assert_exact(db, reader)
    assert found["?kind=iop"] == (6, 6)
    rows_before = db.session.scalar(select(func.count(AgreementListCount.id)))

    search.compact_counts()
    db.session.commit()
    rows_after = db.session.scalar(select(func.count(AgreementListCount.id)))
    groups = db.session.execute(
        select(Agreement.kind, Agreement.status, Agreement.stage).distinct()
    ).all()
    assert rows_after == len(groups) < rows_before
    assert _totals(db, reader) == found

    db.session.execute(text("TRUNCATE agreements CASCADE"))
    db.session.commit()
    assert all(total == 0 for total, _ in _assert_exact(db, reader).values())
