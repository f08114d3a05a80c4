"""``flask finance …`` commands: build and catch up the stored yearly figures."""

from __future__ import annotations

import click
from flask.cli import AppGroup

finance_cli = AppGroup("finance", help="Ekonomi: de lagrade årssiffrorna per avtal.")


@finance_cli.command("refresh")
@click.option(
    "--full",
    is_flag=True,
    help="Bygg om alla avtals årssiffror, inte bara de som väntar på omräkning.",
)
def refresh(full: bool) -> None:
    """Recompute the stored yearly figures: every agreement's with ``--full`` (or when they were
    never built, or a new year moved the window), else those waiting after a change of an index
    value or a grant rate; and the year sums kept as of today, if they describe another day."""
    from app.core import clock
    from app.extensions import db
    from app.finance import figures

    state = figures.current_state()
    moved = state is None or (state.first_year, state.last_year) != figures.kept_years(
        clock.today()
    )
    with click.progressbar(length=0, label="Årssiffror") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        rebuild = full or moved
        done = (figures.refresh_all if rebuild else figures.refresh_stale)(progress)
    db.session.commit()
    summed = figures.roll_up(clock.today())  # the year sums as of today (a rebuild made them)
    db.session.commit()
    if rebuild or summed:
        figures.vacuum()
    state = figures.current_state()
    click.echo(f"{done} avtal omräknade, år {state.first_year}–{state.last_year}.")
