"""The English catalogue: complete, consistent with the Swedish msgids, compiled, up to date
with the source, and actually used by the pages when English is chosen."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"

# Python %-placeholders (%(name)s, %s, %%), str.format fields ({0}, {name}), Jinja tags kept
# verbatim in a msgid ({{ namnd }}) and HTML tags: each must survive translation unchanged.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[diouxXeEfFgGcrsa%]"
    r"|\{\{.*?\}\}|\{[^{}]*\}|</?[a-zA-Z][^>]*>"
)


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def _as_tuple(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def catalogue():
    return _read(EN_PO)


def _entries(catalogue):
    return [m for m in catalogue if m.id]


# --------------------------------------------------------------------------- (a) the catalogue


def test_every_entry_has_an_english_translation(catalogue):
    assert not catalogue.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for m in _entries(catalogue):
        if "fuzzy" in m.flags:
            problems.append(f"fuzzy: {m.id!r}")
        if not all(s.strip() for s in _as_tuple(m.string)):
            problems.append(f"untranslated: {m.id!r}")
    assert len(_entries(catalogue)) > 500
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders(catalogue):
    problems = []
    for m in _entries(catalogue):
        ids = _as_tuple(m.id)
        # Plural forms may follow either the singular or the plural msgid.
        allowed = [_placeholders(ids[0]), _placeholders(ids[-1])]
        for text in _as_tuple(m.string):
            if text and _placeholders(text) not in allowed:
                problems.append(f"{m.id!r} -> {text!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_no_stray_percent_signs(catalogue):
    """Jinja's newstyle gettext %-formats every template string, so a lone % in a translation
    whose msgid has none would raise at render time."""
    problems = []
    for m in _entries(catalogue):
        bare_id = PLACEHOLDER.sub("", _as_tuple(m.id)[0])
        for text in _as_tuple(m.string):
            if "%" in PLACEHOLDER.sub("", text) and "%" not in bare_id:
                problems.append(f"{m.id!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    with EN_MO.open("rb") as f:
        compiled = read_mo(f)

    def plain(string):  # a plural's forms: a tuple from the .po file, a list from the .mo
        return tuple(string) if isinstance(string, list | tuple) else string

    stale = [
        m.id
        for m in _entries(catalogue)
        if compiled.get(m.id) is None or plain(compiled.get(m.id).string) != plain(m.string)
    ]
    assert not stale, (
        "messages.mo is out of date; run `pybabel compile -d app/translations`. "
        f"Differing entries: {stale[:20]!r}"
    )


# --------------------------------------------------------------------------- (c) up to date


def test_the_catalogue_covers_every_message_in_the_source(catalogue, tmp_path):
    """A Swedish string added to the code or a template without an English translation fails
    here, with the list of msgids to translate."""
    fresh_pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(fresh_pot),
            str(ROOT),
        ]
    )
    fresh = {m.id for m in _read(fresh_pot) if m.id}
    assert len(fresh) > 500, "the extraction found suspiciously few messages; check babel.cfg"
    translated = {m.id for m in _entries(catalogue) if all(_as_tuple(m.string))}
    missing = sorted(fresh - translated, key=str)
    assert not missing, (
        f"{len(missing)} msgid(s) have no English translation. Run\n"
        "  pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .\n"
        "  pybabel update -i app/translations/messages.pot -d app/translations\n"
        "translate them in app/translations/en/LC_MESSAGES/messages.po and run\n"
        "  pybabel compile -d app/translations\n"
        "Missing:\n" + "\n".join(f"  {m!r}" for m in missing)
    )


# --------------------------------------------------------------------------- (b) the pages


class _Visible(HTMLParser):
    """Text nodes and the attributes a user reads or hears (placeholder, aria-label, title)."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _untranslated(page: str, catalogue) -> list[str]:
    """Swedish msgids (whose English differs) shown verbatim as a whole text on the page."""
    swedish = {
        m.id
        for m in _entries(catalogue)
        if isinstance(m.id, str) and m.string != m.id and not _placeholders(m.id)
    }
    parser = _Visible()
    parser.feed(page)
    return sorted({t for t in parser.texts if t in swedish})


def _get_en(client, path: str) -> str:
    # The ``app`` fixture keeps one app context for the whole test, and Flask-Babel caches the
    # chosen locale in ``g``: drop it so that this request selects its language afresh.
    refresh()
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang=en")
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert '<html lang="en"' in page
    return page


def test_the_login_page_in_english(client, catalogue):
    page = _get_en(client, "/login")
    assert "Log in to Avtalskollen" in page
    assert "Username" in page and "Password" in page and "Remember me" in page
    assert "Logga in" not in page and "Användarnamn" not in page
    assert _untranslated(page, catalogue) == []


def test_the_agreements_list_in_english(client, login, factory, catalogue):
    login("editor")
    factory.agreement()
    page = _get_en(client, "/agreements/")
    assert '<h1 class="mb-0">Agreements</h1>' in page
    for english in (
        "New agreement",
        "Title",
        "Registry number (diarienummer)",
        "Filter",
        "Cooperation agreement",
        "To watch",
        "Organisations",
        "Log out",
    ):
        assert english in page, english
    for swedish in (
        "Nytt avtal",
        "Rubrik",
        "Filtrera",
        "Samverkansavtal",
        "Att bevaka",
        "Logga ut",
    ):
        assert swedish not in page, swedish
    assert _untranslated(page, catalogue) == []


def test_the_dashboard_in_english(client, login, factory, catalogue):
    login("editor")
    factory.agreement()
    page = _get_en(client, "/")
    for english in ("To watch", "Timeline", "As of", "Within", "Kind", "Last banking day"):
        assert english in page, english
    for swedish in ("Att bevaka", "Tidslinje", "Per dag", "Inom", "Senaste bankdag"):
        assert swedish not in page, swedish
    assert _untranslated(page, catalogue) == []


def test_swedish_stays_the_default(client, login):
    login("editor")
    refresh()
    page = client.get("/agreements/").get_data(as_text=True)
    assert '<html lang="sv"' in page
    assert "Nytt avtal" in page and "New agreement" not in page
