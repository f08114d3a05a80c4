"""``flask demo load``: the seed agreements as demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import clock
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data from the seed documents.")


@demo_cli.command("load")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into an empty database (no organisations, no agreements).",
)
def load(if_empty: bool) -> None:
    """Load the five seed documents' agreements, parties and facts (running twice changes
    nothing)."""
    from app.demo.loader import is_empty, load_demo, load_extras

    if if_empty and not is_empty():
        click.echo("The database already holds data; demo data not loaded (--if-empty).")
        return
    today = clock.today()
    try:
        by_seed = load_demo(today, click.echo)
        load_extras(by_seed, today, click.echo)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(f"Demo data loaded: {len(by_seed)} agreements from the seed documents.")
