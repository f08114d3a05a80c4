"""deadlines of an organisation (the huvudman's 1 March application to Länsstyrelsen)

Revision ID: f18a0c1d2e4a
Revises: e16a0c1d2b3f
Create Date: 2026-11-30 23:45:00

The yearly application for statsbidrag and the account of the year before are the
huvudman's, not one per agreement: such a deadline names its organisation.
"""
from alembic import op
import sqlalchemy as sa


revision = 'f18a0c1d2e4a'
down_revision = 'e16a0c1d2b3f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_deadlines_organisation_id'), ['organisation_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_deadlines_organisation_id_organisations'),
            'organisations',
            ['organisation_id'],
            ['id'],
            ondelete='CASCADE',
        )
    # The per-agreement rows of the old shape go; the next refresh writes the huvudman's.
    op.execute("DELETE FROM deadlines WHERE kind = 'grant_application'")


def downgrade():
    op.execute("DELETE FROM deadlines WHERE organisation_id IS NOT NULL")
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_deadlines_organisation_id_organisations'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_deadlines_organisation_id'))
        batch_op.drop_column('organisation_id')
