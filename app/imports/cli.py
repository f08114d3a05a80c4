"""``flask import agreements FILE [--dry-run]``: the IT administrator's first load of a
municipality's register, with the same report as the import page and the API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core import clock

import_cli = AppGroup("import", help="Inläsning av ett befintligt avtalsregister.")


@import_cli.command("agreements")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Visa vad som skulle hända; spara inget.")
def agreements(file: Path, dry_run: bool) -> None:
    """Import agreements from FILE (.xlsx, or .csv in UTF-8 or Windows-1252 with ; or ,),
    all or nothing. Exits with status 1 when the file has errors (nothing is then written)."""
    from app.extensions import db
    from app.imports.services import import_agreements

    report = import_agreements(
        file.read_bytes(), file.name, None, dry_run=dry_run, as_of=clock.today()
    )
    for line in report.lines():
        click.echo(line)
    summary = f"{report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade"
    if report.organisations_created:
        summary += "; nya organisationer: " + ", ".join(report.organisations_created)
    if not report.ok:
        click.echo(
            f"{len(report.errors)} fel: inget importerades. Rätta filen och försök igen.",
            err=True,
        )
        sys.exit(1)
    if dry_run:
        click.echo(f"Provkörning ({summary}); inget sparades.")
        return
    db.session.commit()
    click.echo(f"Importerat: {summary}.")
