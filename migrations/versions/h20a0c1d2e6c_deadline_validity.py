"""deadline validity: until when an agreement's stored deadlines hold; only_ended

Revision ID: h20a0c1d2e6c
Revises: g19a0c1d2e5b
Create Date: 2026-12-01 03:45:00

The daily refresh recomputes only the agreements whose stored deadlines can have changed, and
notes the day it describes in deadline_refresh instead of stamping every row.
An agreement without a row here is recomputed at the next refresh. A missing index value's
deadline says whether it concerns only agreements that have ended (the start page reads it
instead of every agreement's money); the next refresh fills it in.
"""
from alembic import op
import sqlalchemy as sa


revision = 'h20a0c1d2e6c'
down_revision = 'g19a0c1d2e5b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deadline_refresh',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_refresh')),
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('only_ended', sa.Boolean(), nullable=True))
    op.create_table(
        'deadline_validity',
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ['agreement_id'],
            ['agreements.id'],
            name=op.f('fk_deadline_validity_agreement_id_agreements'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_deadline_validity')),
    )
    with op.batch_alter_table('deadline_validity', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_deadline_validity_valid_until'), ['valid_until'], unique=False
        )


def downgrade():
    with op.batch_alter_table('deadline_validity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_validity_valid_until'))
    op.drop_table('deadline_validity')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('only_ended')
    op.drop_table('deadline_refresh')
