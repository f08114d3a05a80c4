"""index value changes say from which day each value was known

Revision ID: e12a7c0d5b31
Revises: d004b2a514e0
Create Date: 2026-11-30 20:30:00

A board decision draft as of a day uses the index values as they were known on that day
(app.indexation.services.series_points_known_on). Rows entered before this revision have no
``known_from``: they count from the day they were entered (their ``at``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e12a7c0d5b31'
down_revision = 'd004b2a514e0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('index_value_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('known_from', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('index_value_changes', schema=None) as batch_op:
        batch_op.drop_column('known_from')
