"""the year sums of the stored finance figures as of one day, per year, board and kind, per
party and per list of missing facts

Revision ID: k23b0d2e3fad
Revises: k23a0c1d2e9c
Create Date: 2026-12-07 11:30:00

The overview, its chart, the settlement and the API's list read these instead of summing every
agreement's row of the year. They start empty (no state): until `flask finance refresh` or the
scheduler's next run builds them, the pages sum the figures as before.
"""

from alembic import op
import sqlalchemy as sa



revision = "k23b0d2e3fad"
down_revision = "k23a0c1d2e9c"
branch_labels = None
depends_on = None

def _money(name):
    return sa.Column(name, sa.Numeric(precision=16, scale=2), nullable=False)


def upgrade():
    op.create_table(
        "finance_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_rollup_state")),
    )
    op.create_table(
        "finance_year_rollups",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Integer(), nullable=False),
        _money("total"),
        _money("statsbidrag"),
        _money("net"),
        sa.Column("missing_count", sa.Integer(), nullable=False),
        sa.Column("preliminary_count", sa.Integer(), nullable=False),
        _money("unshared_net"),
        _money("total_known"),
        sa.Column("unknown_totals", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        _money("lines_total"),
        sa.Column("lines_unknown", sa.Integer(), nullable=False),
        sa.Column("settles", sa.Integer(), nullable=False),
        sa.Column("settles_unknown", sa.Integer(), nullable=False),
        _money("settle_net"),
        sa.PrimaryKeyConstraint("year", "board_id", "kind", name=op.f("pk_finance_year_rollups")),
    )
    op.create_table(
        "finance_year_party_rollups",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _money("amount"),
        sa.PrimaryKeyConstraint(
            "year", "board_id", "kind", "organisation_id", name=op.f("pk_finance_year_party_rollups")
        ),
    )
    op.create_table(
        "finance_year_missing_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("missing", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_year_missing_rollups")),
    )
    with op.batch_alter_table("finance_year_missing_rollups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_finance_year_missing_rollups_group", ["year", "board_id", "kind"], unique=False
        )


def downgrade():
    with op.batch_alter_table("finance_year_missing_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_finance_year_missing_rollups_group")
    op.drop_table("finance_year_missing_rollups")
    op.drop_table("finance_year_party_rollups")
    op.drop_table("finance_year_rollups")
    op.drop_table("finance_rollup_state")
