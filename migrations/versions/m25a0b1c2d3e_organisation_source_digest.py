"""what each huvudman's 1 March rows were computed from, per agreement (a digest)

Revision ID: m25a0b1c2d3e
Revises: l24a0c1d2eab
Create Date: 2026-12-07 23:55:00

The daily refresh recomputed every organisation an edited agreement names huvudman, whatever
was edited; at national scale (1 % of 100 000 agreements edited a day) that was every
organisation. Each source row now keeps a digest of what the rows are computed from, and an
edit that leaves it unchanged recomputes nothing. Rows without one (those present) count as
changed once.
"""

from alembic import op
import sqlalchemy as sa


revision = "m25a0b1c2d3e"
down_revision = "l24a0c1d2eab"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadline_organisation_sources") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("deadline_organisation_sources") as batch:
        batch.drop_column("digest")
