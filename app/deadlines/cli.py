"""``flask deadlines …`` commands."""

from flask.cli import AppGroup

deadlines_cli = AppGroup("deadlines", help="deadlines commands.")
