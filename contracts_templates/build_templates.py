"""Build the shipped board decision templates (one .docx per decision) with python-docx.

Run ``.venv/bin/python contracts_templates/build_templates.py`` after changing this file and
commit the generated .docx files with it. Every ``{{ tag }}`` is written into one run, so
docxtpl finds it whole; the text uses real Word styles (Heading 1/2, List Number, Table Grid)
so that staff can restyle a template in Word (letterhead, fonts) without touching code.

The variables the templates may use are documented in ``app/documents/context.py``
(``VARIABLES``). The structure follows the seeds: 000 (förlängning), 002 (upphandling) and
004 (nytt avtal / IOP).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

# Sections per decision: (heading, body) in order; a body is a variable name, or a callable
# that writes the section itself.
COMMON_TAIL = ("mbl", "signatur", "skickas_till")


def _para(doc, text: str = "", style: str | None = None, bold: bool = False):
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold
    return p


def _tag(doc, tag: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it disappears on render."""
    doc.add_paragraph().add_run("{%p " + tag + " %}")


def _right(cell, text: str) -> None:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run(text)


def _header(doc) -> None:
    section = doc.sections[0]
    hp = section.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    hp.add_run("{{ datum }}   {{ diarienummer }}")

    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    lp = left.paragraphs[0]
    lp.add_run("{{ namnd }}").bold = True
    left.add_paragraph().add_run("{{ forvaltning }}")
    rp = right.paragraphs[0]
    rp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    rp.add_run("Datum: ")
    rp.add_run("{{ datum }}")
    rp2 = right.add_paragraph()
    rp2.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    rp2.add_run("Diarienummer: ")
    rp2.add_run("{{ diarienummer }}")
    _para(doc)
    _para(doc, "{{ rubrik }}", style="Heading 1")


def _decision(doc, heading: str = "Förslag till beslut", lead: bool = False, style="List Number"):
    _para(doc, heading, style="Heading 2")
    if lead:
        _para(doc, "{{ beslut_inledning }}")
    _tag(doc, "for punkt in beslutspunkter")
    _para(doc, "{{ punkt }}", style=style)
    _tag(doc, "endfor")


def _text(doc, heading: str, variable: str) -> None:
    _para(doc, heading, style="Heading 2")
    _para(doc, "{{ " + variable + " }}")


def _list(doc, heading: str, variable: str, style: str = "List Bullet") -> None:
    _tag(doc, f"if {variable}")
    _para(doc, heading, style="Heading 2")
    _tag(doc, f"for item in {variable}")
    _para(doc, "{{ item }}", style=style)
    _tag(doc, "endfor")
    _tag(doc, "endif")


def _economy(doc, heading: str = "Ekonomiska konsekvenser") -> None:
    _para(doc, heading, style="Heading 2")
    _tag(doc, "for post in ekonomi_poster")
    _para(doc, "{{ post }}", style="List Bullet")
    _tag(doc, "endfor")
    _tag(doc, "if ekonomi_tabell")
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, ("År", "Post", "Belopp"), strict=True):
        p = cell.paragraphs[0]
        if label == "Belopp":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(label).bold = True
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for rad in ekonomi_tabell %}")
    row = table.rows[2].cells
    row[0].paragraphs[0].add_run("{{ rad.ar }}")
    row[1].paragraphs[0].add_run("{{ rad.post }}")
    _right(row[2], "{{ rad.belopp }}")
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _tag(doc, "endif")
    _tag(doc, "if andelar_rader")
    _para(doc, "Fördelning av nettokostnaden mellan parterna:")
    shares = doc.add_table(rows=4, cols=3)
    shares.style = "Table Grid"
    shares.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(shares.rows[0].cells, ("År", "Part", "Andel"), strict=True):
        p = cell.paragraphs[0]
        if label == "Andel":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(label).bold = True
    shares.rows[1].cells[0].paragraphs[0].add_run("{%tr for andel in andelar_rader %}")
    srow = shares.rows[2].cells
    srow[0].paragraphs[0].add_run("{{ andel.ar }}")
    srow[1].paragraphs[0].add_run("{{ andel.part }}")
    _right(srow[2], "{{ andel.belopp }}")
    shares.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _tag(doc, "endif")
    _tag(doc, "for mening in ekonomi_meningar")
    _para(doc, "{{ mening }}")
    _tag(doc, "endfor")
    _para(doc, "{{ ekonomi_text }}")


def _signature(doc) -> None:
    _para(doc)
    _para(doc, "{{ handlaggare }}", bold=True)
    _tag(doc, "if handlaggare_titel")
    _para(doc, "{{ handlaggare_titel }}")
    _tag(doc, "endif")
    _para(doc, "{{ forvaltning }}")
    _tag(doc, "if medundertecknare")
    _para(doc)
    _para(doc, "{{ medundertecknare }}", bold=True)
    _para(doc, "{{ medundertecknare_titel }}")
    _tag(doc, "endif")


def _recipients(doc, heading: str = "Beslutet skickas till") -> None:
    _para(doc, heading, style="Heading 2")
    _tag(doc, "if mottagare_verkstallighet")
    _para(doc, "För verkställighet:")
    _tag(doc, "for mottagare in mottagare_verkstallighet")
    _para(doc, "{{ mottagare }}")
    _tag(doc, "endfor")
    _tag(doc, "endif")
    _tag(doc, "if mottagare_kannedom")
    _para(doc, "För kännedom:")
    _tag(doc, "for mottagare in mottagare_kannedom")
    _para(doc, "{{ mottagare }}")
    _tag(doc, "endfor")
    _tag(doc, "endif")


def _mbl(doc) -> None:
    _text(
        doc,
        "Information eller förhandling enligt lag (1976:580) om medbestämmande i arbetslivet",
        "mbl",
    )


def build_forlangning(doc) -> None:
    """Seed 000: the decision not to terminate, so that the agreement extends."""
    _header(doc)
    _decision(doc)
    _text(doc, "Ärende", "arendet")
    _list(doc, "Beslutsunderlag", "beslutsunderlag")
    _text(doc, "Bakgrund", "bakgrund")
    _economy(doc)
    _text(doc, "Samråd", "samrad")
    _text(doc, "Uppföljning och utvärdering", "uppfoljning")
    _text(doc, "Barnkonsekvensanalys", "barnkonsekvens")
    _mbl(doc)
    _signature(doc)
    _recipients(doc)


def build_uppsagning(doc) -> None:
    """The decision to terminate, written like seed 000."""
    _header(doc)
    _decision(doc)
    _text(doc, "Ärende", "arendet")
    _list(doc, "Beslutsunderlag", "beslutsunderlag")
    _text(doc, "Bakgrund", "bakgrund")
    _economy(doc)
    _text(doc, "Samråd", "samrad")
    _text(doc, "Uppföljning och utvärdering", "uppfoljning")
    _text(doc, "Barnkonsekvensanalys", "barnkonsekvens")
    _mbl(doc)
    _signature(doc)
    _recipients(doc)


def build_nytt_avtal(doc) -> None:
    """Seed 004: a new agreement or IOP, with "att"-points."""
    _header(doc)
    _decision(doc, lead=True, style="List Bullet")
    _text(doc, "Sammanfattning", "sammanfattning")
    _list(doc, "Underlag för beslutet", "beslutsunderlag")
    _text(doc, "Ärendet", "arendet")
    _text(doc, "Föredragning", "bakgrund")
    _text(doc, "Beredning", "beredning")
    _text(doc, "Barnets bästa", "barnkonsekvens")
    _economy(doc)
    _text(doc, "Uppföljning", "uppfoljning")
    _mbl(doc)
    _signature(doc)
    _recipients(doc)


def build_upphandling(doc) -> None:
    """Seed 002: the decision to procure."""
    _header(doc)
    _decision(doc, heading="Förslag till beslut", lead=True)
    _text(doc, "Ärendet i korthet", "arendet")
    _list(doc, "Handlingar", "beslutsunderlag", style="List Number 2")
    _text(doc, "Bakgrund och analys", "bakgrund")
    _text(doc, "Barnkonsekvensanalys", "barnkonsekvens")
    _economy(doc)
    _text(doc, "Samråd", "samrad")
    _text(doc, "Uppföljning", "uppfoljning")
    _mbl(doc)
    _signature(doc)
    _recipients(doc, heading="Expedieras")


BUILDERS = {
    "forlangning": build_forlangning,
    "uppsagning": build_uppsagning,
    "nytt_avtal": build_nytt_avtal,
    "upphandling": build_upphandling,
}


def build(decision: str, out_dir: Path = HERE) -> Path:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    # The draft's own title, author and creation time are set when it is rendered.
    doc.core_properties.title = ""
    doc.core_properties.author = "Avtalskollen"
    BUILDERS[decision](doc)
    path = out_dir / f"{decision}.docx"
    doc.save(str(path))
    return path


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else HERE
    for decision in BUILDERS:
        print(build(decision, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
