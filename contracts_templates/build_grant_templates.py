"""Build the shipped yearly-cycle templates with python-docx: the yearly account to Länsstyrelsen
(``arsredovisning.docx``) and the grant application (``ansokan.docx``).

Run ``.venv/bin/python contracts_templates/build_grant_templates.py`` after changing this file
and commit the generated .docx files with it. Like the board drafts' templates, every
``{{ tag }}`` sits in one run and the text uses real Word styles (Heading 1/2, Table Grid), so
staff can restyle a template in Word; a copy in ``instance/templates/`` takes precedence. The
variables are those of ``app/grants/reports.py`` (``_context``): year, previous_year,
organisation, rate, rows (title, fte, expected, granted, paid, compensation, net, basis,
persons, new_persons, ended_persons), totals (the same keys) and municipalities (name, persons).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

HERE = Path(__file__).resolve().parent


def _row_table(doc, headers: list[str], cells: list[str], totals: list[str] | None, loop: str):
    table = doc.add_table(rows=4 if totals is None else 5, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for r in " + loop + " %}")
    for i, (cell, text) in enumerate(zip(table.rows[2].cells, cells, strict=True)):
        p = cell.paragraphs[0]
        if i:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(text)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    if totals is not None:
        for i, (cell, text) in enumerate(zip(table.rows[4].cells, totals, strict=True)):
            p = cell.paragraphs[0]
            if i:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.add_run(text).bold = True
    return table


def build_account(path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{{ organisation }}").runs[0].bold = True
    doc.add_paragraph("Redovisning av bedriven verksamhet {{ year }}", style="Heading 1")
    doc.add_paragraph(
        "Personligt ombud, statsbidrag enligt förordning (2013:522). Redovisningen avser "
        "{{ year }} och de avtal där {{ organisation }} är huvudman."
    )
    doc.add_paragraph("Verksamhet och statsbidrag", style="Heading 2")
    _row_table(
        doc,
        ["Avtal", "Årsarbetare", "Förväntat", "Beviljat", "Utbetalt", "Ersättning", "Netto"],
        [
            "{{ r.title }}",
            "{{ r.fte }}",
            "{{ r.expected }}",
            "{{ r.granted }}",
            "{{ r.paid }}",
            "{{ r.compensation }}",
            "{{ r.net }} ({{ r.basis }})",
        ],
        [
            "Summa",
            "{{ totals.fte }}",
            "{{ totals.expected }}",
            "{{ totals.granted }}",
            "{{ totals.paid }}",
            "{{ totals.compensation }}",
            "{{ totals.net }}",
        ],
        "rows",
    )
    doc.add_paragraph("Statistik", style="Heading 2")
    _row_table(
        doc,
        ["Avtal", "Personer", "Nya personer", "Avslutade personer"],
        ["{{ r.title }}", "{{ r.persons }}", "{{ r.new_persons }}", "{{ r.ended_persons }}"],
        [
            "Summa",
            "{{ totals.persons }}",
            "{{ totals.new_persons }}",
            "{{ totals.ended_persons }}",
        ],
        "rows",
    )
    doc.add_paragraph("Personer per kommun", style="Heading 2")
    _row_table(doc, ["Kommun", "Personer"], ["{{ r.name }}", "{{ r.persons }}"], None,
               "municipalities")
    doc.save(path)


def build_application(path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{{ organisation }}").runs[0].bold = True
    doc.add_paragraph("Ansökan om statsbidrag för personligt ombud {{ year }}", style="Heading 1")
    doc.add_paragraph(
        "{{ organisation }} ansöker som huvudman om statsbidrag för {{ year }} enligt "
        "förordning (2013:522), {{ rate }} per årsarbetare."
    )
    _row_table(
        doc,
        ["Avtal", "Årsarbetare", "Sökt belopp"],
        ["{{ r.title }}", "{{ r.fte }}", "{{ r.expected }}"],
        ["Summa", "{{ totals.fte }}", "{{ totals.expected }}"],
        "rows",
    )
    doc.save(path)


def main() -> None:
    build_account(HERE / "arsredovisning.docx")
    build_application(HERE / "ansokan.docx")


if __name__ == "__main__":
    main()
