"""``flask demo load``: the seed agreements as demo data."""

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data from the seed documents.")
