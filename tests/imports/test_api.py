"""The import and export over the API: template, 200/422 answers, export → import round trip,
and bad files that give a clear message, write nothing and never a 500."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from app.imports.columns import COLUMNS
from tests.foundation.helpers import row_counts
from tests.imports.conftest import SEED_000, SEED_003, excel_cells, make_csv, make_xlsx, row

BOUNDARY = "----avtalskollen-test-boundary"


def multipart(data: bytes, name: str, field: str = "file") -> bytes:
    """A multipart body built here, as a browser sends it (the test client's own encoder
    spools large bodies to a temporary file it never closes)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def post_file(api_client, data: bytes, name: str = "register.xlsx", dry_run: str | None = None):
    path = "/imports/agreements" + (f"?dry_run={dry_run}" if dry_run is not None else "")
    return api_client.post(
        path,
        data=multipart(data, name),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def test_template_has_the_columns_in_order_lists_and_explained_examples(api):
    response = api("reader").get("/imports/agreements/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    sheet, help_sheet = wb.worksheets
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    lists = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert '"Verksamhetsuppdrag,Samverkansavtal,Överenskommelse,IOP,Upphandlat avtal"' in lists
    assert (
        lists['"Verksamhetsuppdrag,Samverkansavtal,Överenskommelse,IOP,Upphandlat avtal"']
        == "B2:B5001"
    )
    assert set(lists['"ja,nej"'].split()) == {"G2:G5001", "J2:J5001"}
    explained = {r[0].value: r for r in help_sheet.iter_rows(min_row=2, max_row=18)}
    assert list(explained) == list(COLUMNS)
    assert (
        explained["Rubrik"][3].value == "Verksamhetsuppdrag Personligt ombud, Leanlink Råd och Stöd"
    )
    assert explained["Startdatum"][3].value == datetime(2021, 1, 1)
    assert explained["Förlängning (månader)"][4].value == 24
    assert explained["Ersättning (kr)"][3].value == 4107597


def test_template_examples_are_rows_the_import_takes(api, factory, db):
    from app.indexation.services import ensure_default_series

    ensure_default_series()
    factory.organisation("Linköpings kommun", "kommun")
    factory.organisation("Leanlink Råd och Stöd", "foretag")
    factory.person("Linda Ljungqvist", "linda.ljungqvist@linkoping.example.se")
    template = load_workbook(
        io.BytesIO(api("reader").get("/imports/agreements/template.xlsx").data)
    )
    rows = list(template.worksheets[1].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Diarienummer" and r[1] == "Avtalstyp")
    wb = Workbook()
    for r in rows[start : start + 3]:
        wb.active.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    response = post_file(api("editor"), out.getvalue(), dry_run="true")
    assert response.status_code == 200, response.json
    assert [r["action"] for r in response.json["rows"]] == ["created", "created"]
    assert response.json["organisations_created"] == ["Åtvidabergs kommun (kommun)"]


def test_import_answers_counts_and_commits(api, register, db):
    response = post_file(api("editor"), make_xlsx([SEED_003, SEED_000]))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (2, 0, 0, [])
    assert body["rows"][1]["dates"]["last_notice_date"] is not None
    again = post_file(api("editor"), make_xlsx([SEED_003, SEED_000]))
    assert (again.json["created"], again.json["unchanged"]) == (0, 2)


def test_dry_run_answers_what_would_be_done_and_writes_nothing(api, register, db):
    editor = api("editor")
    before = row_counts()
    response = post_file(editor, make_xlsx([SEED_003]), dry_run="true")
    assert response.status_code == 200
    assert response.json["created"] == 1 and response.json["dry_run"] is True
    assert row_counts() == before


def test_readers_may_not_import(api, register):
    assert post_file(api("reader"), make_xlsx([SEED_003])).status_code == 403


def test_missing_file_field_is_a_400(api):
    response = api("editor").post(
        "/imports/agreements", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"file": "Fältet krävs."}


def test_errors_answer_422_with_every_bad_cell_and_nothing_written(api, register, db):
    editor = api("editor")
    before = row_counts()
    rows = [
        SEED_003,
        row(SEED_000, Avtalstyp="avtal", Startdatum="2024-02-30"),
        row(SEED_000, Diarienummer="N 1", Parter="Okänd Konsult (utförare)"),
        row(SEED_000, Diarienummer="N 2", **{"Ansvarig (e-post)": "nobody@example.se"}),
    ]
    response = post_file(editor, make_xlsx(rows))
    assert response.status_code == 422
    body = response.json
    assert body["error"]["code"] == "import_failed"
    cells = {(e["row"], e["column"]) for e in body["errors"]}
    assert cells == {
        (3, "Avtalstyp"),
        (3, "Startdatum"),
        (4, "Parter"),
        (5, "Ansvarig (e-post)"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "Lägg till den under Organisationer först" in messages[(4, "Parter")]
    assert row_counts() == before


def _export(api_client, query: str = "") -> bytes:
    response = api_client.get("/agreements/export.xlsx" + query)
    assert response.status_code == 200, response.data
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def test_export_has_real_dates_and_numbers(api, register, db):
    post_file(api("editor"), make_xlsx([SEED_003, SEED_000]))
    ws = load_workbook(io.BytesIO(_export(api("reader")))).worksheets[0]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    leanlink = rows[SEED_003["Rubrik"]]
    assert leanlink[3] == datetime(2021, 1, 1) and leanlink[4] is None
    assert leanlink[5] == 12 and leanlink[12] == 6 and leanlink[13] == 4107597
    assert leanlink[10] == "Linköpings kommun (beställare); Leanlink Råd och Stöd (utförare)"
    assert ws.cell(row=2, column=4).is_date


def test_export_then_import_is_a_round_trip_with_nothing_changed(api, db):
    from app.demo.loader import load_demo, load_extras

    by_seed = load_demo(date(2026, 3, 1))
    load_extras(by_seed, date(2026, 3, 1), lambda _m: None)
    db.session.commit()
    exported = _export(api("reader"))
    editor = api("editor")
    before = row_counts()
    response = post_file(editor, exported, name="export.xlsx")
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"]) == (0, 0)
    # Every agreement of the register: the five seeds and the demo's example successor.
    exported_rows = load_workbook(io.BytesIO(exported)).active.max_row - 1
    assert exported_rows >= 5
    assert response.json["unchanged"] == exported_rows
    assert row_counts() == before


def test_export_keeps_every_compensation_line_on_its_second_sheet(api, db):
    """Leaving the product loses no amount: the one Ersättning cell is empty for lines that
    differ, the second sheet holds each line."""
    from app.agreements.models import Agreement
    from app.demo.loader import load_demo, load_extras
    from app.finance.models import CompensationItem

    load_extras(load_demo(date(2026, 3, 1)), date(2026, 3, 1), lambda _m: None)
    iop = db.session.execute(
        db.select(Agreement).where(Agreement.diarienummer == "SO 2022/0229")
    ).scalar_one()
    db.session.add(
        CompensationItem(
            agreement_id=iop.id,
            label="Lokaler, 2025 års prisnivå",
            amount=Decimal("125000.50"),
            price_level_year=2025,
            position=1,
        )
    )
    db.session.commit()
    wb = load_workbook(io.BytesIO(_export(api("reader"))))
    assert wb.sheetnames == ["Avtal", "Ersättningsrader"]
    lines = wb["Ersättningsrader"]
    header = [c.value for c in lines[1]]
    assert header[:4] == ["Diarienummer", "Rubrik", "Rad", "Belopp (kr)"]
    exported = sorted(
        (
            (r[0], r[2], Decimal(str(r[3])), r[4], r[8])
            for r in lines.iter_rows(min_row=2, values_only=True)
        ),
        key=repr,
    )
    held = sorted(
        (
            (i.agreement.diarienummer, i.label, i.amount, i.price_level_year, i.valid_from_year)
            for i in db.session.execute(db.select(CompensationItem)).scalars()
        ),
        key=repr,
    )
    assert exported == held and len(held) >= 5  # the demo's four and the one above
    # Its lines now differ: no single amount on the first sheet, both lines on the second.
    first = {r[0]: r for r in wb["Avtal"].iter_rows(min_row=2, values_only=True)}
    assert first["SO 2022/0229"][13] is None
    assert sorted(e[2] for e in exported if e[0] == "SO 2022/0229") == [
        Decimal("125000.50"),
        Decimal("3000000.00"),
    ]
    # And the file still imports back with nothing changed, the differing lines kept.
    editor, reader = api("editor"), api("reader")
    before = row_counts()
    again = post_file(editor, _export(reader), name="export.xlsx")
    assert again.status_code == 200, again.json
    assert (again.json["created"], again.json["updated"]) == (0, 0)
    assert row_counts() == before


def test_export_honours_the_list_filters(api, register, db):
    post_file(api("editor"), make_xlsx([SEED_003, SEED_000]))
    reader = api("reader")
    only_iop = load_workbook(io.BytesIO(_export(reader, "?kind=samverkansavtal"))).worksheets[0]
    titles = [r[2] for r in only_iop.iter_rows(min_row=2, values_only=True)]
    assert titles == [SEED_000["Rubrik"]]
    searched = load_workbook(io.BytesIO(_export(reader, "?q=Leanlink"))).worksheets[0]
    assert [r[2] for r in searched.iter_rows(min_row=2, values_only=True)] == [SEED_003["Rubrik"]]
    party = register["orgs"]["leanlink"].id
    by_party = load_workbook(io.BytesIO(_export(reader, f"?organisation_id={party}"))).worksheets[0]
    assert by_party.max_row == 2
    assert reader.get("/agreements/export.xlsx?kind=nonsense").status_code == 400


# --------------------------------------------------------------------------- bad files


def _xlsx_with(edit) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append([SEED_003[h] or None for h in COLUMNS])
    ws.append([SEED_000[h] or None for h in COLUMNS])
    edit(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ten_thousand_rows() -> bytes:
    rows = [row(SEED_000, Diarienummer=f"D {i}") for i in range(10_000)]
    return make_csv(rows)


def _formula(ws):
    ws["N2"] = "=4107597*1"


def _merged(ws):
    ws.merge_cells("C3:D3")


def _spaces(ws):
    ws.append(["   "] * len(COLUMNS))


def _year_1899(ws):
    ws["D3"] = "1899-12-31"  # Excel keeps a day before 1900 as text


BAD_FILES = {
    "not_a_spreadsheet": (b"%PDF-1.4\n\x00\x01binary", "avtal.pdf", None, "varken en Excel"),
    "zip_but_not_xlsx": (b"PK\x03\x04garbage", "avtal.xlsx", None, "kunde inte läsas som Excel"),
    "empty_file": (b"", "avtal.csv", None, "Filen är tom."),
    "only_headers": (make_csv([]), "avtal.csv", None, "inga avtal under rubrikraden"),
    "too_many_rows": (None, "avtal.csv", None, "högst 5000 läses in"),
    "formula_cell": (_formula, "avtal.xlsx", (2, "Ersättning (kr)"), "en formel"),
    "merged_cells": (_merged, "avtal.xlsx", (3, "Rubrik"), "sammanfogade"),
    "row_of_spaces": (_spaces, "avtal.xlsx", (4, None), "bara blanksteg"),
    "date_in_1899": (_year_1899, "avtal.xlsx", (3, "Startdatum"), "1899-12-31 ligger utanför"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_give_a_clear_message_and_write_nothing(api, register, db, case):
    data, name, cell, text = BAD_FILES[case]
    if data is None:
        data = _ten_thousand_rows()
    elif callable(data):
        data = _xlsx_with(data)
    editor = api("editor")
    before = row_counts()
    response = post_file(editor, data, name=name)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    assert any(text in e["message"] for e in errors), errors
    if cell is not None:
        assert any((e["row"], e["column"]) == cell for e in errors), errors
    assert row_counts() == before


def test_wrong_headers_say_which_are_missing_and_which_unknown(api, register):
    header = [h for h in COLUMNS if h != "Index"] + ["Kommentar"]
    response = post_file(api("editor"), make_csv([SEED_003], header=header), name="a.csv")
    assert response.status_code == 422
    messages = [e["message"] for e in response.json["errors"]]
    assert "Rubriker saknas: Index." in messages
    assert any(m.startswith("Okända rubriker: Kommentar.") for m in messages)


def test_duplicate_diarienummer_in_the_file_is_refused(api, register, db):
    editor = api("editor")
    before = row_counts()
    response = post_file(editor, make_xlsx([SEED_003, SEED_000, SEED_003]))
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"row": 4, "column": "Diarienummer", "message": "SOC 2020/0456 står redan på rad 2."}
    ]
    assert row_counts() == before


def test_real_excel_cells_import_as_text_cells_do(api, register):
    response = post_file(api("editor"), make_xlsx([SEED_003, SEED_000], convert=excel_cells))
    assert response.status_code == 200, response.json
    again = post_file(api("editor"), make_xlsx([SEED_003, SEED_000]))
    assert again.json["unchanged"] == 2


def test_every_bad_cell_of_a_row_is_named(api, register, db):
    """A bad date used to hide the row's unknown index and person, and an unknown person its
    unknown index: each bad cell is named, whatever else is wrong in the row."""
    rows = [
        row(SEED_003, Index="NOPE", **{"Ansvarig (e-post)": "ingen@example.se"}),
        row(
            SEED_000,
            Startdatum="2024-02-30",
            Index="NOPE",
            **{"Ansvarig (e-post)": "x@y.se", "Ersättning (kr)": "100000", "Prisnivå (år)": "2019"},
        ),
    ]
    editor = api("editor")
    before = row_counts()
    response = post_file(editor, make_csv(rows), name="avtal.csv")
    assert response.status_code == 422, response.json
    named = sorted((e["row"], e["column"]) for e in response.json["errors"])
    assert named == [
        (2, "Ansvarig (e-post)"),
        (2, "Index"),
        (3, "Ansvarig (e-post)"),
        (3, "Index"),
        (3, "Startdatum"),
    ], response.json["errors"]
    assert row_counts() == before
