"""Whether an uploaded file's content is what its name says (pure functions, bytes in).

The first bytes are not enough: a ZIP of anything starts like a Word document, and "%PDF-"
followed by junk is no PDF. So a .docx/.xlsx/.odt must open as a ZIP archive holding the
parts of that kind of document (and not unpack to something absurd: a ZIP bomb), a PDF must
have a header, a cross-reference and an end marker, a picture its format's signature and
structure, and a text file must be text (no NUL bytes, UTF-8 or Windows-1252).
"""

from __future__ import annotations

import io
import re
import zipfile

# A document that unpacks to more than this, or holds more parts, is refused.
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_PARTS = 20_000

_OOXML_PARTS = {
    ".docx": ("[Content_Types].xml", "word/document.xml"),
    ".xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
}
_ODF_MIMETYPES = {".odt": b"application/vnd.oasis.opendocument.text"}


def content_matches(suffix: str, data: bytes) -> bool:
    """True when ``data`` is a well-formed file of the type ``suffix`` (".pdf", ".docx" …)."""
    check = _CHECKS.get(suffix)
    return bool(data) and (check is None or check(suffix, data))


def _zip(suffix: str, data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                return False
            names = {i.filename for i in infos}
            if suffix in _OOXML_PARTS:
                required = _OOXML_PARTS[suffix]
                if not all(name in names for name in required):
                    return False
                # The main part must unpack (a damaged archive fails here).
                return archive.read(required[1]).lstrip().startswith(b"<")
            if "mimetype" not in names:
                return False
            return archive.read("mimetype").strip() == _ODF_MIMETYPES[suffix]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError):
        return False
    except NotImplementedError:  # a compression method zipfile cannot read
        return False


_PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")


def _pdf(_suffix: str, data: bytes) -> bool:
    """Header, an object, a cross-reference (table or stream) and the end-of-file marker."""
    if not _PDF_HEADER.match(data[:16]):
        return False
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        return False
    return re.search(rb"\d+\s+\d+\s+obj\b", data) is not None


def _png(_suffix: str, data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data


def _jpeg(_suffix: str, data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-1024:]


def _text(_suffix: str, data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


_CHECKS = {
    ".pdf": _pdf,
    ".docx": _zip,
    ".xlsx": _zip,
    ".odt": _zip,
    ".png": _png,
    ".jpg": _jpeg,
    ".jpeg": _jpeg,
    ".txt": _text,
}
