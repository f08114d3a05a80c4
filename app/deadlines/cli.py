"""``flask deadlines …`` commands: the daily refresh of stored deadlines and statuses."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import clock

deadlines_cli = AppGroup("deadlines", help="Bevakning: frister och status.")


@deadlines_cli.command("refresh")
@click.option("--as-of", "as_of", default=None, metavar="ÅÅÅÅ-MM-DD", help="Per dag (i dag).")
@click.option(
    "--full",
    is_flag=True,
    help="Räkna om alla avtal, inte bara dem vars frister kan ha ändrats sedan förra gången.",
)
def refresh(as_of: str | None, full: bool) -> None:
    """Recompute the deadlines and status of every agreement whose stored ones may have changed
    since the last refresh (``--full``: of every agreement); run once a day."""
    from app.agreements.models import Agreement
    from app.core.dates import parse_iso_date
    from app.deadlines.services import (
        due_for_refresh,
        needs_full_refresh,
        refresh_all,
        refresh_due,
    )
    from app.extensions import db

    try:
        day = parse_iso_date(as_of) if as_of else clock.today()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    full = full or needs_full_refresh(day)
    counted = db.select(db.func.count(Agreement.id))
    if not full:
        counted = counted.where(Agreement.id.in_(due_for_refresh(day)))
    total = db.session.execute(counted).scalar_one()
    with click.progressbar(length=total, label=f"Avtal per {day.isoformat()}") as bar:
        written = (refresh_all if full else refresh_due)(day, progress=bar.update)
    db.session.commit()
    click.echo(f"{total} avtal omräknade, {written} frister per {day.isoformat()}.")
