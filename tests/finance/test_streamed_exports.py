"""Exports of the finance overview stream: the response is sent in chunks (write-only workbook
from a temporary file, CSV from a generator) and holds the same figures."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.finance import exports


def test_the_excel_and_csv_exports_are_streamed(client, login, factory):
    agreement = factory.following_opi()
    login("reader")
    xlsx = client.get("/finance/export.xlsx?year=2023", buffered=False)
    assert xlsx.status_code == 200 and xlsx.is_streamed
    body = b"".join(xlsx.response)
    xlsx.close()
    ws = load_workbook(io.BytesIO(body)).active
    assert ws.freeze_panes == "A2"
    assert ws.cell(row=1, column=2).font.bold
    assert ws.cell(row=2, column=2).value == agreement.title
    assert ws.cell(row=2, column=6).number_format == '#,##0 "kr"'
    assert [c.value for c in ws[ws.max_row]][1] == "Summa (avtal med alla värden)"
    csv = client.get("/finance/export.csv?year=2023", buffered=False)
    assert csv.status_code == 200 and csv.is_streamed
    text = b"".join(csv.response).decode("utf-8-sig")
    csv.close()
    assert agreement.title in text
    assert text.splitlines()[0].startswith("Avtal-id;Avtal;")


def test_the_csv_comes_in_chunks_of_rows():
    class Row:
        def __init__(self, i):
            from types import SimpleNamespace

            self.agreement = SimpleNamespace(
                id=i, title=f"Avtal {i}", kind="iop", diarienummer=None
            )
            self.result = SimpleNamespace(
                total=None, statsbidrag=None, net=None, preliminary=False, missing=[]
            )

    class Overview:
        rows = [Row(i) for i in range(1200)]

        def board_name(self, row):
            return ""

    chunks = list(exports.overview_csv_chunks(Overview()))
    assert len(chunks) == 3  # 500 + 500 + 200 rows
    lines = b"".join(chunks).decode("utf-8-sig").splitlines()
    assert len(lines) == 1201
