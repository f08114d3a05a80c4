"""``flask reminders …`` commands: one sweep by hand (``run``) and the scheduler process
(``scheduler``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.dates import parse_iso_date

reminders_cli = AppGroup("reminders", help="Påminnelser: körning och schemaläggare.")


@reminders_cli.command("run")
@click.option(
    "--as-of", "as_of", default=None, help="Dag att köra för (ÅÅÅÅ-MM-DD); i dag om tomt."
)
def run_command(as_of: str | None) -> None:
    """Run one reminder sweep: plan what is due and deliver what is pending. The stored
    deadlines are refreshed for the day first when they describe another day."""
    from app.reminders.services import deadlines_as_of, local_today, run_sweep

    day = _parse_day(as_of) if as_of else local_today()
    if deadlines_as_of(day):
        click.echo(f"Deadlines refreshed as of {day.isoformat()}.")
    result = run_sweep(day)
    click.echo(
        f"Sweep {result.as_of.isoformat()}: planned {result.planned}, sent {result.sent}, "
        f"late {result.late}, failed {result.failed}, retry later {result.retried}, "
        f"skipped {result.skipped}, cancelled {result.cancelled}"
        + (" (as-of earlier than the last sweep)" if result.clock_went_back else "")
    )


@reminders_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler in this process (blocks): reminder sweep every
    SCHEDULER_SWEEP_MINUTES and the deadline refresh daily at SCHEDULER_REFRESH_HOUR."""
    from flask import current_app

    from app.reminders.scheduler import run_scheduler

    run_scheduler(current_app._get_current_object())


def _parse_day(value: str):
    try:
        return parse_iso_date(value)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"Ogiltigt datum {value!r}: ange ÅÅÅÅ-MM-DD.") from exc
