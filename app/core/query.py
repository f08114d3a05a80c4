"""Reading a page's query string leniently: a filter that cannot be read is no filter."""

from __future__ import annotations

import re

from flask import request

#: The largest id a URL or a query may name: the databases' 32-bit INTEGER. A larger number
#: names nothing, instead of overflowing the database driver.
MAX_ID = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,10}")


def int_param(name: str) -> int | None:
    """``?name=`` as a whole number from 0 to :data:`MAX_ID`, else None (ignored)."""
    raw = request.args.get(name, "")
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
