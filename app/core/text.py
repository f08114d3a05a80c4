"""Control characters in text: what input may hold, and how text is made safe for a one-line
context (a mail header) that must never break.

Text fields refuse the C0 control characters (U+0000–U+001F) except the tab, and except the
newline where a newline belongs (descriptions, notes, addresses). A carriage return, a NUL or
an escape character in a title is never what a user meant; pasted from another program it
breaks mail headers, calendar lines and PostgreSQL (which cannot store NUL at all). Pages check
this through ``app.core.forms.FlaskForm`` (every text field), the API through
``app.api.helpers`` (every JSON string), and ``app.core.guard`` refuses a NUL anywhere in a
request with a 400.
"""

from __future__ import annotations

import re

# C0 controls but tab (\x09) and newline (\x0a), and lone UTF-16 surrogates (which JSON's
# "\ud800" can carry and no database can store).
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
# The same, without the newline.
_CONTROL_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\ud800-\udfff]")
# What no text may hold anywhere in a request (app.core.guard).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Everything a one-line header must not hold: every C0 control, DEL and the Unicode line and
# paragraph separators (which some mail programs treat as line breaks).
_NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]+")


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """True when ``value`` holds a control character a text field refuses."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE
    return pattern.search(value) is not None


def one_line(value: str | None) -> str:
    """``value`` with every run of control characters and line separators replaced by one
    space: always safe in a mail header or any other one-line context."""
    return _NOT_IN_HEADER.sub(" ", value or "").strip()


def without_controls(value: str | None) -> str:
    """``value`` with control characters other than tab and newline replaced by a space, and
    CRLF made LF: safe in a message body."""
    text = (value or "").replace("\r\n", "\n")
    return _CONTROL_MULTILINE.sub(" ", text)
