"""``flask deadlines …`` commands: the daily refresh of stored deadlines and statuses."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import clock

deadlines_cli = AppGroup("deadlines", help="Bevakning: frister och status.")


@deadlines_cli.command("refresh")
@click.option("--as-of", "as_of", default=None, metavar="ÅÅÅÅ-MM-DD", help="Per dag (i dag).")
def refresh(as_of: str | None) -> None:
    """Recompute every agreement's deadlines and status (run once a day)."""
    from app.agreements.models import Agreement
    from app.core.dates import parse_iso_date
    from app.deadlines.services import refresh_all
    from app.extensions import db

    try:
        day = parse_iso_date(as_of) if as_of else clock.today()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    total = db.session.execute(db.select(db.func.count(Agreement.id))).scalar_one()
    with click.progressbar(length=total, label=f"Avtal per {day.isoformat()}") as bar:
        written = refresh_all(day, progress=bar.update)
    db.session.commit()
    click.echo(f"{total} avtal, {written} frister per {day.isoformat()}.")
