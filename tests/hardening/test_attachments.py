"""Attachments are checked by their content, not their first bytes: a .docx must open as a
Word document, a PDF must parse; downloads carry nosniff."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from app.agreements.file_checks import content_matches
from tests.foundation.helpers import minimal_pdf, row_counts


def _docx() -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Samverkansavtal")
    document.save(buffer)
    return buffer.getvalue()


def _zip(**parts: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def test_a_real_word_document_and_pdf_pass():
    assert content_matches(".docx", _docx())
    assert content_matches(".pdf", minimal_pdf())


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".docx", b"PK\x03\x04 not a zip at all"),
        (".docx", _zip(hello__txt=b"a zip of something else")),
        (".docx", _docx()[:200]),  # truncated
        (".pdf", b"%PDF-1.4\n" + b"x" * 4096),
        (".pdf", b"%PDF-1.4 signed"),
        (".odt", _zip(mimetype=b"application/zip")),
        (".png", b"\x89PNG\r\n\x1a\n junk"),
        (".txt", b"text\x00with NUL"),
    ],
)
def test_files_that_only_start_right_are_refused(suffix, data):
    assert not content_matches(suffix, data)


def test_upload_of_a_fake_docx_is_refused_beside_the_field(client, login, factory):
    login("editor")
    agreement = factory.agreement()
    before = row_counts()
    fake = _zip(word__evil__exe=b"MZ")
    response = client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(fake), "avtal.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 422)
    assert row_counts() == before


def test_a_real_docx_is_stored_and_served_with_nosniff(client, login, factory, db):
    from app.agreements.models import Attachment

    login("editor")
    agreement = factory.agreement()
    client.post(
        f"/agreements/{agreement.id}/attachments",
        data={"file": (io.BytesIO(_docx()), "avtal.docx")},
        content_type="multipart/form-data",
    )
    attachment = db.session.execute(db.select(Attachment)).scalar_one()
    response = client.get(f"/agreements/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    assert Document(io.BytesIO(response.data)).paragraphs[0].text == "Samverkansavtal"
    response.close()
