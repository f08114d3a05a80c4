"""ListPage: a page of a list, as the pager macro wants it."""

from app.core.paging import ListPage


def test_pages_cover_the_list_and_clamp_out_of_range_numbers():
    items = list(range(1, 251))
    first = ListPage.of(items, 1, 100)
    assert (first.items[0], first.items[-1], first.pages, first.has_prev, first.has_next) == (
        1,
        100,
        3,
        False,
        True,
    )
    last = ListPage.of(items, 99, 100)
    assert (last.page, last.items, last.prev_num, last.has_next) == (3, items[200:], 2, False)
    assert ListPage.of(items, 0, 100).page == 1
    empty = ListPage.of([], 1, 100)
    assert (empty.items, empty.pages, empty.has_next) == ([], 1, False)
