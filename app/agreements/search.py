"""The agreement list at national scale: free-text search and the count of a filtered list, the
same for the page and the API (``app.agreements.services.list_query`` calls these).

**Free text (``?q=``).** On PostgreSQL, a word-prefix search in Swedish: every word of ``q``
must begin a word of the title or diarienummer (Swedish stemming: "ombudet" finds
"ombud"), answered from the GIN index ``ix_agreements_search_sv`` over the same expression;
or ``q`` is exactly the diarienummer (its btree index); or a party's name contains ``q``
(the organisations table is small beside the agreements, and each organisation's agreements
are found through ``agreement_parties.organisation_id``). The three are a UNION of ids, so
each arm uses its own index and nothing scans the agreements.

On SQLite (the embedded, one-municipality installation) every word of ``q`` must occur
somewhere in the title or diarienummer (``LIKE '%word%'``), or ``q`` in the diarienummer or a
party's name: SQLite has no index for it short of
an FTS5 shadow table, and at one municipality's size (hundreds to a few thousand agreements)
the scan costs a few milliseconds.

**Counts.** ``total`` stays exact (API.md). The lists whose size grows with the register (all
agreements, by kind, by today's status, with or without the archived) are counted on
PostgreSQL from ``agreement_list_counts``, a few rows kept by triggers in the same transaction
as each change (``AgreementListCount``): ``list_query`` marks such a list with
:class:`BroadFilters`. Any other list is counted by a plain ``SELECT count(*)`` over the same
filters without the eager loads and sort, answered from the indexes (``board_id``,
``responsible_person_id``, ``agreement_parties.organisation_id``, the search index). See
README, "Production", for what this costs at 100 000 agreements.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, false, func, literal_column, text, union

from app.agreements.models import (
    SEARCH_VECTOR_SQL,
    Agreement,
    AgreementListCount,
    AgreementParty,
)
from app.extensions import db
from app.parties.models import Organisation

_WORD = re.compile(r"\w+", re.UNICODE)


def prefix_tsquery(q: str) -> str | None:
    """``"personligt omb"`` → ``"personligt:* & omb:*"``: every word a prefix, all required.
    Only word characters reach the query, so no input can break its syntax. None when ``q``
    has no word at all."""
    words = _WORD.findall(q)[:16]
    if not words:
        return None
    return " & ".join(f"{w}:*" for w in words)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def search_condition(q: str):
    """The WHERE clause for ``q`` on ``Agreement`` (see the module docstring)."""
    q = q.strip()
    like = f"%{q}%"
    by_party = (
        db.select(AgreementParty.agreement_id)
        .join(Organisation, Organisation.id == AgreementParty.organisation_id)
        .where(Organisation.name.ilike(like))
    )
    if not _is_postgresql():
        words = _WORD.findall(q)[:16]
        each_word = (
            and_(
                *(
                    Agreement.title.ilike(f"%{w}%") | Agreement.diarienummer.ilike(f"%{w}%")
                    for w in words
                )
            )
            if words
            else false()
        )
        return each_word | Agreement.diarienummer.ilike(like) | Agreement.id.in_(by_party)
    arms = [db.select(Agreement.id).where(Agreement.diarienummer == q), by_party]
    query = prefix_tsquery(q)
    if query is not None:
        vector = literal_column(SEARCH_VECTOR_SQL)
        arms.insert(
            0,
            db.select(Agreement.id).where(
                vector.op("@@")(func.to_tsquery(literal_column("'swedish'::regconfig"), query))
            ),
        )
    return Agreement.id.in_(union(*arms).scalar_subquery())


#: The execution option by which ``list_query`` marks a list that a kept count answers for.
KEPT_COUNT = "avtalskollen_kept_count"


@dataclass(frozen=True)
class BroadFilters:
    """The filters of a list the kept counts answer for: a kind or none, today's status or
    none, and whether archived agreements are in it (when no status is asked)."""

    kind: str | None
    status: str | None
    include_archived: bool


def kept_count(filters: BroadFilters) -> int:
    """The number of agreements of a list with only ``filters``, summed from the kept counts
    (at most one row per kind, status and archived after :func:`compact_counts`). PostgreSQL."""
    c = AgreementListCount
    stmt = db.select(func.coalesce(func.sum(c.n), 0))
    if filters.kind:
        stmt = stmt.where(c.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(c.status == filters.status)
    elif not filters.include_archived:
        stmt = stmt.where(c.archived == false())
    return int(db.session.execute(stmt).scalar_one())


def compact_counts() -> None:
    """Fold the kept counts into one row per kind, status and archived (the nightly job): one
    statement, so rows added meanwhile by other transactions are kept as they are. PostgreSQL;
    nothing elsewhere. The caller commits."""
    if not _is_postgresql():
        return
    db.session.execute(
        text(
            "WITH gone AS (DELETE FROM agreement_list_counts RETURNING kind, status, archived, n) "
            "INSERT INTO agreement_list_counts (kind, status, archived, n) "
            "SELECT kind, status, archived, sum(n) FROM gone GROUP BY kind, status, archived "
            "HAVING sum(n) <> 0"
        )
    )


def count_of(stmt) -> int:
    """The exact number of rows of the list ``stmt`` (a SELECT of Agreement): from the kept
    counts where ``list_query`` marked it (PostgreSQL), else a COUNT over the same filters,
    without its eager loads and its ORDER BY."""
    broad = stmt.get_execution_options().get(KEPT_COUNT)
    if broad is not None and _is_postgresql():
        return kept_count(broad)
    ids = stmt.with_only_columns(Agreement.id).order_by(None).options().subquery()
    return db.session.execute(db.select(func.count()).select_from(ids)).scalar_one()


def page_of(stmt, page: int, per_page: int, loads: Sequence = (), searched: bool = False):
    """One page of the agreement list ``stmt`` and its exact total, in a fixed number of
    queries whatever the number of agreements: the page's ids in the list's order from the
    agreements alone (index order, ``ix_agreements_*_title_id``), then those rows by id with
    what the list shows (``list_rows``, and ``loads``). Asked in one query, PostgreSQL joined
    every match (a quarter of a national register for a common word) to its board and
    official before the sort, and evaluated the search again for the page's rows.

    The total is a COUNT over the filters' indexes; for a search (``searched``) it comes with
    the ids (``count(*) OVER ()``): every match is read for the sort anyway, so once instead
    of twice. A page past the end is empty."""
    from app.agreements.services import list_rows
    from app.core.paging import ListPage

    page = max(page, 1)
    columns = (Agreement.id, func.count().over()) if searched else (Agreement.id,)
    rows = db.session.execute(
        stmt.with_only_columns(*columns).options().limit(per_page).offset((page - 1) * per_page)
    ).all()
    ids = [row[0] for row in rows]
    if searched and rows:
        total = int(rows[0][1])
    elif searched and page == 1:
        total = 0
    else:
        total = count_of(stmt)
    return ListPage(list_rows(ids, loads), total, page, per_page)
