"""The import page (upload, preview, commit all or nothing), the CLI, and the list's export
button carrying the list's filters."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from app.agreements.models import Agreement, AuditEntry
from tests.foundation.helpers import row_counts
from tests.imports.conftest import SEED_000, SEED_003, make_csv, make_xlsx, row


def upload(client, data: bytes, name: str = "register.xlsx"):
    return client.post(
        "/imports/agreements/preview",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_preview_then_importera_commits_the_previewed_file(client, login, register, db):
    login("editor")
    assert client.get("/imports/agreements").status_code == 200
    before = row_counts()
    page = upload(client, make_xlsx([SEED_003, SEED_000]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nya avtal: 2. Ändras: 0. Oförändrade: 0." in html
    assert "Nya organisationer: Åtvidabergs kommun (kommun)." in html
    # Seed 000 as of today: a two-year period and its last day for notice are shown.
    assert "sista dag för uppsägning" in html.lower()
    assert row_counts() == before  # the preview wrote nothing
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    done = client.post("/imports/agreements/commit", data={"token": token})
    assert done.status_code == 302
    assert db.session.execute(db.select(db.func.count(Agreement.id))).scalar() == 2
    assert (
        db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "imported"))
        .scalars()
        .all()
    )
    # The kept file is gone: the same token cannot import twice.
    again = client.post("/imports/agreements/commit", data={"token": token})
    assert again.status_code == 302 and again.location.endswith("/imports/agreements")


def test_preview_shows_every_error_beside_its_cell_and_offers_no_import(
    client, login, register, db
):
    login("editor")
    before = row_counts()
    bad = row(SEED_000, Startdatum="2024-02-30")
    page = upload(client, make_csv([SEED_003, bad, bad], encoding="cp1252"), name="lista.csv")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Rad 3, Startdatum: 2024-02-30 är inget datum (skriv ÅÅÅÅ-MM-DD)." in html
    assert "Rad 4, Diarienummer:" in html
    assert 'name="token"' not in html
    assert row_counts() == before


def test_a_token_belongs_to_the_user_who_uploaded(client, login, register, app):
    login("editor")
    html = upload(client, make_xlsx([SEED_003])).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    client.post("/logout")
    login("editor")
    response = client.post("/imports/agreements/commit", data={"token": token})
    assert response.status_code == 302 and response.location.endswith("/imports/agreements")


def test_readers_see_export_but_not_import(client, login):
    login("reader")
    assert client.get("/imports/agreements").status_code == 403
    assert client.post("/imports/agreements/preview").status_code == 403
    html = client.get("/agreements/").get_data(as_text=True)
    assert "Exportera till Excel" in html
    assert 'href="/imports/agreements"' not in html


def test_export_button_carries_the_list_filters(client, login, register, db):
    login("editor")
    upload_page = upload(client, make_xlsx([SEED_003, SEED_000])).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', upload_page)[1]
    client.post("/imports/agreements/commit", data={"token": token})
    html = client.get("/agreements/?kind=samverkansavtal&q=Personligt&page=1").get_data(
        as_text=True
    )
    href = re.search(r'href="(/agreements/export\.xlsx[^"]*)"', html)[1].replace("&amp;", "&")
    assert "kind=samverkansavtal" in href and "q=Personligt" in href and "page=" not in href
    response = client.get(href)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [r[2] for r in ws.iter_rows(min_row=2, values_only=True)] == [SEED_000["Rubrik"]]


def test_cli_dry_run_reports_and_writes_nothing_then_imports(runner, register, db, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(make_csv([SEED_003, SEED_000], encoding="cp1252"))
    before = row_counts()
    result = runner.invoke(args=["import", "agreements", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Rad 2: ny " + SEED_003["Rubrik"] in result.output
    assert "Provkörning (2 nya, 0 ändrade, 0 oförändrade" in result.output
    assert row_counts() == before
    result = runner.invoke(args=["import", "agreements", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importerat: 2 nya" in result.output
    assert db.session.execute(db.select(db.func.count(Agreement.id))).scalar() == 2


def test_cli_with_errors_exits_1_and_writes_nothing(runner, register, db, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(make_xlsx([SEED_003, row(SEED_000, Avtalstyp="hyresavtal")]))
    before = row_counts()
    result = runner.invoke(args=["import", "agreements", str(path)])
    assert result.exit_code == 1
    assert "Rad 3, Avtalstyp: hyresavtal är ingen avtalstyp." in result.output
    assert row_counts() == before
