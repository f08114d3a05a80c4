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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


def _by_party(q: str):
    """The SELECT of the ids of the agreements with a party whose name contains ``q``."""
    return (
        db.select(AgreementParty.agreement_id)
        .join(Organisation, Organisation.id == AgreementParty.organisation_id)
        .where(Organisation.name.ilike(f"%{q}%"))
    )


def _arms(q: str):
    """The PostgreSQL search for ``q``: the Swedish word-prefix condition on the agreement
    (None when ``q`` has no word), and the SELECTs of the ids the other ways find (the exact
    diarienummer, a party's name)."""
    others = [db.select(Agreement.id).where(Agreement.diarienummer == q), _by_party(q)]
    query = prefix_tsquery(q)
    if query is None:
        return None, others
    vector = literal_column(SEARCH_VECTOR_SQL)
    words = vector.op("@@")(func.to_tsquery(literal_column("'swedish'::regconfig"), query))
    return words, others


def search_condition(q: str):
    """The WHERE clause for ``q`` on ``Agreement`` (see the module docstring)."""
    q = q.strip()
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
        return each_word | Agreement.diarienummer.ilike(f"%{q}%") | Agreement.id.in_(_by_party(q))
    words, others = _arms(q)
    arms = [db.select(Agreement.id).where(words), *others] if words is not None else others
    return Agreement.id.in_(union(*arms).scalar_subquery())


#: The execution option by which ``list_query`` marks a searched list (:class:`Search`).
SEARCH = "avtalskollen_search"

#: A page of a search sorted by title walks the title index when it expects to read fewer than
#: one in WALK_SHARE of the matches (see :func:`_searched_ids`).
WALK_SHARE = 8


@dataclass(frozen=True, eq=False)
class Search:
    """A searched list without its free text (``base``: every other filter, unsorted), whether
    it is sorted by title (and which way), and the free text's conditions, for
    :func:`page_of`'s plans on PostgreSQL."""

    base: Any
    by_title: bool
    descending: bool
    #: The word-prefix condition (None: ``q`` has no word) and "found another way" (the exact
    #: diarienummer, a party's name), as conditions on the agreement (see :func:`_arms`).
    words: Any
    other_ids: Any


def with_search(stmt, q: str, sort: Callable[[Any], Any], by_title: bool, descending: bool):
    """``stmt`` (a SELECT of Agreement with the list's other filters) searched for ``q`` and
    put in order by ``sort``; on PostgreSQL marked with its :class:`Search`."""
    q = q.strip()
    listed = sort(stmt.where(search_condition(q)))
    if not _is_postgresql():
        return listed
    words, others = _arms(q)
    other_ids = Agreement.id.in_(union(*others).scalar_subquery())
    search = Search(stmt, by_title, descending, words, other_ids)
    return listed.execution_options(**{SEARCH: search})


def _directed(columns: Sequence[Any], descending: bool) -> list[Any]:
    return [c.desc() if descending else c for c in columns]


def _searched_ids(stmt, search: Search, total: int, everyone: int, offset: int, limit: int):
    """The ids of a page of the searched list ``stmt`` (PostgreSQL, see :func:`page_of`).

    Sorted by title, from one of two plans, chosen by the exact ``total`` of matches among
    ``everyone``: reading the title index in order with the search as a condition on each row,
    when that expects to read fewer than one in :data:`WALK_SHARE` of the matches (a page of a
    common word: about 200 rows for 25 000 matches in 100 000); else every match, found by
    each way's own index (the words, the diarienummer, the parties) with the other filters,
    sorted (a rare word: PostgreSQL cannot know how few they are and would join the whole
    table to them). Sorted otherwise, ``stmt`` as it is."""
    words, other_ids = search.words, search.other_ids
    expected_read = (offset + limit) * max(everyone, total) / max(total, 1)
    if not search.by_title:
        source = stmt.with_only_columns(Agreement.id)
    elif words is not None and WALK_SHARE * expected_read <= total:
        walk = search.base.where(words | other_ids).with_only_columns(Agreement.id)
        source = walk.order_by(*_directed((Agreement.title, Agreement.id), search.descending))
    else:
        arms = [search.base.where(other_ids)]
        if words is not None:
            arms.insert(0, search.base.where(words))
        matches = union(
            *(arm.with_only_columns(Agreement.id, Agreement.title) for arm in arms)
        ).subquery()
        source = db.select(matches.c.id).order_by(
            *_directed((matches.c.title, matches.c.id), search.descending)
        )
    return list(db.session.execute(source.options().limit(limit).offset(offset)).scalars())


def _count(stmt):
    """``SELECT count(*)`` of the list ``stmt``, without its eager loads and order."""
    ids = stmt.with_only_columns(Agreement.id).order_by(None).options().subquery()
    return db.select(func.count()).select_from(ids)


def _search_total(search: Search):
    """The exact number of matches of ``search`` and of agreements in all, as one SELECT: the
    word matches counted over the search index, and the others' matches (diarienummer, party)
    that are not word matches, so that no match is counted twice and no list of every
    match's id is built."""
    words, other_ids = search.words, search.other_ids
    if words is None:
        matches = _count(search.base.where(other_ids)).scalar_subquery()
    else:
        matches = (
            _count(search.base.where(words)).scalar_subquery()
            + _count(search.base.where(other_ids, ~words)).scalar_subquery()
        )
    everyone = db.select(func.coalesce(func.sum(AgreementListCount.n), 0)).scalar_subquery()
    return db.select(matches, everyone)


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
    return db.session.execute(_count(stmt)).scalar_one()


def page_of(stmt, page: int, per_page: int, loads: Sequence = (), searched: bool = False):
    """One page of the agreement list ``stmt`` and its exact total, in a fixed number of
    queries whatever the number of agreements: the page's ids in the list's order from the
    agreements alone (index order, ``ix_agreements_*_title_id``), then those rows by id with
    what the list shows (``list_rows``, and ``loads``). Asked in one query, PostgreSQL joined
    every match (a quarter of a national register for a common word) to its board and
    official before the sort, and evaluated the search again for the page's rows.

    The total is a COUNT over the filters' indexes. A search on PostgreSQL (marked
    :data:`SEARCH`) is counted first (:func:`_search_total`), then its page is read by the
    plan that total makes cheapest (:func:`_searched_ids`). Elsewhere a
    search (``searched``) is counted with its ids (``count(*) OVER ()``). A page past the end
    is empty."""
    from app.agreements.services import list_rows
    from app.core.paging import ListPage

    page = max(page, 1)
    offset = (page - 1) * per_page
    search = stmt.get_execution_options().get(SEARCH)
    if search is not None:
        total, everyone = db.session.execute(_search_total(search)).one()
        ids = (
            _searched_ids(stmt, search, total, everyone, offset, per_page) if offset < total else []
        )
        return ListPage(list_rows(ids, loads), int(total), page, per_page)
    columns = (Agreement.id, func.count().over()) if searched else (Agreement.id,)
    rows = db.session.execute(
        stmt.with_only_columns(*columns).options().limit(per_page).offset(offset)
    ).all()
    ids = [row[0] for row in rows]
    if searched and rows:
        total = int(rows[0][1])
    elif searched and page == 1:
        total = 0
    else:
        total = count_of(stmt)
    return ListPage(list_rows(ids, loads), total, page, per_page)
