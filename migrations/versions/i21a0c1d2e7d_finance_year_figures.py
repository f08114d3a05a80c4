"""finance year figures

Revision ID: i21a0c1d2e7d
Revises: h20a0c1d2e6c
Create Date: 2026-12-07 02:58:07.628326

The yearly figures of every agreement kept in the database, so that the figures across
agreements are SQL aggregates shared by every worker (app.finance.figures). The tables start
empty: the first reading builds them, or run `flask finance refresh` after the upgrade (at
national scale, before the new version takes traffic).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i21a0c1d2e7d'
down_revision = 'h20a0c1d2e6c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('finance_figures_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_figures_state'))
    )
    op.create_table('finance_figures_stale',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_finance_figures_stale_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_finance_figures_stale'))
    )
    op.create_table('finance_year_figure_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('settle_difference', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_finance_year_figure_shares_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_year_figure_shares'))
    )
    with op.batch_alter_table('finance_year_figure_shares', schema=None) as batch_op:
        batch_op.create_index('ix_finance_year_figure_shares_agreement', ['agreement_id', 'year'], unique=False)
        batch_op.create_index(
            'ix_finance_year_figure_shares_year',
            ['year', 'organisation_id'],
            unique=False,
            postgresql_include=[
                'valid_from', 'valid_to', 'agreement_id', 'kind', 'board_id', 'amount',
                'settle_difference',
            ],
        )

    op.create_table('finance_year_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('has_lines', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('statsbidrag', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('net', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('preliminary', sa.Boolean(), nullable=False),
    sa.Column('statsbidrag_basis', sa.String(length=10), nullable=False),
    sa.Column('missing', sa.Text(), nullable=True),
    sa.Column('has_shares', sa.Boolean(), nullable=False),
    sa.Column('settles', sa.Boolean(), nullable=False),
    sa.Column('settle_total_difference', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('settle_net_difference', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_finance_year_figures_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_year_figures'))
    )
    with op.batch_alter_table('finance_year_figures', schema=None) as batch_op:
        batch_op.create_index('ix_finance_year_figures_agreement', ['agreement_id', 'year'], unique=False)
        batch_op.create_index('ix_finance_year_figures_year_title', ['year', 'title', 'agreement_id'], unique=False)
        batch_op.create_index(
            'ix_finance_year_figures_sums',
            ['year', 'board_id', 'kind'],
            unique=False,
            postgresql_include=[
                'valid_from', 'valid_to', 'agreement_id', 'complete', 'total', 'statsbidrag',
                'net', 'preliminary', 'has_shares', 'has_lines', 'missing', 'settles',
                'settle_net_difference',
            ],
        )



def downgrade():
    with op.batch_alter_table('finance_year_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_finance_year_figures_sums')
        batch_op.drop_index('ix_finance_year_figures_year_title')
        batch_op.drop_index('ix_finance_year_figures_agreement')

    op.drop_table('finance_year_figures')
    with op.batch_alter_table('finance_year_figure_shares', schema=None) as batch_op:
        batch_op.drop_index('ix_finance_year_figure_shares_year')
        batch_op.drop_index('ix_finance_year_figure_shares_agreement')

    op.drop_table('finance_year_figure_shares')
    op.drop_table('finance_figures_stale')
    op.drop_table('finance_figures_state')
