"""A page of a longer list, with the interface of Flask-SQLAlchemy's ``Pagination`` that the
``pager`` macro (templates/_pagination.html) uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class ListPage:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @classmethod
    def of(cls, everything: Sequence[Any], page: int, per_page: int) -> ListPage:
        """The ``page``-th page (from 1) of ``everything``; a page number out of range gives
        the nearest page that exists."""
        pages = max(1, -(-len(everything) // per_page))
        page = min(max(page, 1), pages)
        start = (page - 1) * per_page
        return cls(list(everything[start : start + per_page]), len(everything), page, per_page)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
