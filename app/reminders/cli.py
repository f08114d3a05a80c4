"""``flask reminders …`` commands."""

from flask.cli import AppGroup

reminders_cli = AppGroup("reminders", help="reminders commands.")
