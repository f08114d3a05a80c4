"""The shipped templates (built in code, real Word styles, only documented variables) and the
generated documents opening in LibreOffice (converted to PDF headless)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from app.documents.context import DECISIONS, VARIABLES

TEMPLATES = Path(__file__).resolve().parents[2] / "contracts_templates"


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """LibreOffice with a private profile for this test session (no lock clashes)."""
    path = shutil.which("soffice") or (
        "/usr/bin/soffice" if Path("/usr/bin/soffice").exists() else None
    )
    if path is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed: apt-get install -y --no-install-recommends "
            "libreoffice-writer. The drafts must be proven to open; this test does not skip."
        )
    profile = tmp_path_factory.mktemp("lo-profile")
    return [path, f"-env:UserInstallation=file://{profile}"]


@pytest.mark.parametrize("decision", DECISIONS)
def test_shipped_template_uses_only_documented_variables_and_word_styles(decision):
    path = TEMPLATES / f"{decision}.docx"

    used = DocxTemplate(str(path)).get_undeclared_template_variables()
    styles = {p.style.name for p in Document(str(path)).paragraphs}

    assert used <= set(VARIABLES)
    assert {"beslutspunkter", "diarienummer", "mottagare_kannedom", "ekonomi_tabell"} <= used
    assert {"Heading 1", "Heading 2"} <= styles and styles & {"List Number", "List Bullet"}
    assert any(
        t.style is not None and t.style.name == "Table Grid" for t in Document(str(path)).tables
    )


def test_build_script_regenerates_the_templates(tmp_path):
    import sys

    subprocess.run(
        [sys.executable, str(TEMPLATES / "build_templates.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )

    for decision in DECISIONS:
        built = [p.text for p in Document(str(tmp_path / f"{decision}.docx")).paragraphs]
        shipped = [p.text for p in Document(str(TEMPLATES / f"{decision}.docx")).paragraphs]
        assert built == shipped


def test_every_generated_draft_converts_to_pdf_with_libreoffice(
    seed000, with_money, soffice, tmp_path
):
    from app.documents.context import Choices
    from app.documents.services import render_draft

    running = with_money(seed000())
    cases = [(running, decision, date(2020, 3, 1)) for decision in DECISIONS]
    files = []
    for agreement, decision, as_of in cases:
        data = render_draft(
            agreement,
            decision,
            as_of,
            Choices(texts={"arendet": "Text med < & > och \x0b styrtecken"}),
        )
        path = tmp_path / f"{decision}-{uuid.uuid4().hex[:6]}.docx"
        path.write_bytes(data)
        files.append(path)

    out = tmp_path / "pdf"
    result = subprocess.run(
        [*soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    for path in files:
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists(), f"{pdf.name} missing: {result.stdout} {result.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF")
