"""the agreement list's broad counts kept per kind, status and archived (PostgreSQL triggers)

Revision ID: l24a0c1d2eab
Revises: k23b0d2e3fad
Create Date: 2026-12-07 19:30:00

The unfiltered agreement list, and the list by kind or by status, counted every agreement on
each page (30 ms at 100 000). Statement triggers on `agreements` now add, in the same
transaction as each change, how many agreements each kind, status and archived gained or
lost; the list sums these few rows. On SQLite the table stays empty and unused (the list is
counted as before). The table starts with the present counts.
"""

from alembic import op
import sqlalchemy as sa

from app.agreements.models import LIST_COUNT_TRIGGER_SQL


revision = "l24a0c1d2eab"
down_revision = "k23b0d2e3fad"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agreement_list_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_list_counts")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in LIST_COUNT_TRIGGER_SQL:
        op.execute(statement)
    op.execute(
        "INSERT INTO agreement_list_counts (kind, status, archived, n) "
        "SELECT kind, status, stage = 'archived', count(*) FROM agreements GROUP BY 1, 2, 3"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER agreement_list_counts_{event} ON agreements")
        op.execute("DROP FUNCTION agreement_list_counts_keep()")
    op.drop_table("agreement_list_counts")
