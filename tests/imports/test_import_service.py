"""The import service: rows become agreements through the agreement and finance services,
all or nothing, and importing the same file again changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.agreements.models import Agreement, AuditEntry
from app.finance.models import CompensationItem
from app.imports.services import import_agreements
from app.parties.models import Organisation
from tests.foundation.helpers import row_counts
from tests.imports.conftest import SEED_000, SEED_003, excel_cells, make_csv, make_xlsx, row

AS_OF = date(2026, 3, 1)


def run(data: bytes, dry_run: bool = False, name: str = "register.xlsx"):
    return import_agreements(data, name, None, dry_run=dry_run, as_of=AS_OF)


def test_xlsx_rows_create_agreements_with_parties_person_and_compensation(register, db):
    report = run(make_xlsx([SEED_003, SEED_000]))
    assert report.errors == []
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    leanlink = db.session.execute(
        db.select(Agreement).where(Agreement.diarienummer == "SOC 2020/0456")
    ).scalar_one()
    assert leanlink.kind == "verksamhetsuppdrag"
    assert leanlink.end_date is None and leanlink.notice_period_months == 12
    assert leanlink.notice_must_be_written is True
    assert leanlink.fte == Decimal("6")
    assert leanlink.responsible_person_id == register["person"].id
    assert {(p.organisation.name, p.role) for p in leanlink.parties} == {
        ("Linköpings kommun", "bestallare"),
        ("Leanlink Råd och Stöd", "utforare"),
    }
    (line,) = db.session.execute(
        db.select(CompensationItem).where(CompensationItem.agreement_id == leanlink.id)
    ).scalars()
    assert (line.amount, line.price_level_year, line.series.code, line.first_adjusted_year) == (
        Decimal("4107597.00"),
        2019,
        "OPI",
        2021,
    )
    # Åtvidabergs kommun did not exist: its kind shows in its name, so it was created.
    assert report.organisations_created == ["Åtvidabergs kommun (kommun)"]
    atvidaberg = db.session.execute(
        db.select(Organisation).where(Organisation.name == "Åtvidabergs kommun")
    ).scalar_one()
    assert atvidaberg.kind == "kommun"


def test_preview_shows_current_period_and_last_day_for_notice(register, db):
    report = run(make_xlsx([SEED_000]), dry_run=True)
    (outcome,) = report.rows
    # Two-year extensions from 2011: as of 2026-03-01 the period runs 2025-01-01 – 2026-12-31.
    assert outcome.action == "created"
    assert outcome.current_period_start == date(2025, 1, 1)
    assert outcome.current_period_end == date(2026, 12, 31)
    assert outcome.last_notice_date == date(2026, 6, 30)


def test_dry_run_writes_nothing(register, db):
    before = row_counts()
    report = run(make_xlsx([SEED_003, SEED_000]), dry_run=True)
    assert report.ok and report.created == 2
    db.session.commit()
    assert row_counts() == before


def test_importing_the_same_file_twice_changes_nothing(register, db):
    data = make_xlsx([SEED_003, SEED_000])
    run(data)
    db.session.commit()
    versions = dict(db.session.execute(db.select(Agreement.id, Agreement.version)).all())
    before = row_counts()
    report = run(data)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert row_counts() == before
    assert dict(db.session.execute(db.select(Agreement.id, Agreement.version)).all()) == versions


def test_matching_diarienummer_updates_the_agreement_audited_as_import(register, db):
    run(make_xlsx([SEED_003]))
    db.session.commit()
    agreement = db.session.execute(db.select(Agreement)).scalar_one()
    version = agreement.version
    report = run(
        make_xlsx(
            [row(SEED_003, **{"Uppsägningstid (månader)": "6", "Ersättning (kr)": "4200000"})]
        ),
        name="andring.xlsx",
    )
    assert report.errors == []
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert report.rows[0].changed == ["Uppsägningstid (månader)", "Ersättning (kr)"]
    db.session.refresh(agreement)
    assert agreement.notice_period_months == 6
    assert agreement.version > version
    actions = {
        (e.action, e.field, e.new_value)
        for e in db.session.execute(
            db.select(AuditEntry).where(AuditEntry.agreement_id == agreement.id)
        ).scalars()
    }
    assert ("updated", "notice_period_months", "6") in actions
    assert ("imported", None, "Import från andring.xlsx, rad 2") in actions
    assert any(a == "compensation_changed" for a, _f, _v in actions)


def test_a_bad_last_row_writes_nothing(register, db):
    before = row_counts()
    bad = row(SEED_000, Diarienummer="X 1", Startdatum="2024-02-30")
    report = run(make_xlsx([SEED_003, SEED_000, bad]))
    assert not report.ok
    assert [e.as_json() for e in report.errors] == [
        {
            "row": 4,
            "column": "Startdatum",
            "message": "2024-02-30 är inget datum (skriv ÅÅÅÅ-MM-DD).",
        }
    ]
    assert (
        report.errors[0].as_text()
        == "Rad 4, Startdatum: 2024-02-30 är inget datum (skriv ÅÅÅÅ-MM-DD)."
    )
    db.session.commit()
    assert row_counts() == before


def test_domain_rules_give_their_own_messages_beside_the_cells(register, db):
    rows = [
        row(SEED_000, Diarienummer="A 1", Slutdatum="2007-12-31"),
        row(SEED_003, Diarienummer="A 2", **{"Förlängning (månader)": "12"}),
        row(SEED_003, Diarienummer="A 3", **{"Uppsägningstid (månader)": ""}),
        row(SEED_003, Diarienummer="A 4", **{"Första indexår": "2018"}),
    ]
    report = run(make_xlsx(rows))
    got = {(e.row, e.column): e.message for e in report.errors}
    assert got[(2, "Slutdatum")] == "Slutdatum kan inte vara före startdatum."
    assert got[(3, "Förlängning (månader)")].startswith(
        "Ett avtal som gäller tills vidare kan inte förlängas automatiskt"
    )
    assert (
        got[(4, "Uppsägningstid (månader)")] == "Ange en uppsägningstid, i månader eller i dagar."
    )
    assert got[(5, "Första indexår")].startswith("Första justeringsåret (2018) måste komma efter")


def test_csv_windows_1252_semicolons_and_utf8_bom_commas_read_alike(register, db):
    cp1252 = run(make_csv([SEED_003, SEED_000], encoding="cp1252", delimiter=";"), dry_run=True)
    utf8 = run(make_csv([SEED_003, SEED_000], delimiter=",", bom=True), dry_run=True)
    plain = run(make_csv([SEED_003, SEED_000], delimiter=","), dry_run=True)
    for report in (cp1252, utf8, plain):
        assert report.errors == [] and report.created == 2
        assert [r.title for r in report.rows] == [SEED_003["Rubrik"], SEED_000["Rubrik"]]


def test_real_excel_dates_and_numbers_are_read(register, db):
    report = run(make_xlsx([SEED_003, SEED_000], convert=excel_cells))
    assert report.errors == []
    db.session.commit()
    a = db.session.execute(
        db.select(Agreement).where(Agreement.diarienummer == "SOC 2020/0123")
    ).scalar_one()
    assert (a.start_date, a.end_date, a.extension_months) == (
        date(2008, 1, 1),
        date(2010, 12, 31),
        24,
    )
