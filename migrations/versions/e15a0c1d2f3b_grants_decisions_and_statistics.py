"""grants: Länsstyrelsen's decisions, yearly statistics, statistics obligations, the
grant_application deadline kind

Revision ID: e15a0c1d2f3b
Revises: d004b2a514e0
Create Date: 2026-11-30 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e15a0c1d2f3b'
down_revision = 'be2b621038d8'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('last_notice', 'term_end', 'extension', 'obligation_due', 'index_missing')"
NEW_KINDS = (
    "kind IN ('last_notice', 'term_end', 'extension', 'obligation_due', 'index_missing', "
    "'grant_application')"
)


def upgrade():
    op.create_table(
        'grant_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('granted', sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('diarienummer', sa.String(length=100), nullable=True),
        sa.Column('paid', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('decision_total', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('granted >= 0', name=op.f('ck_grant_decisions_granted_not_negative')),
        sa.CheckConstraint('paid IS NULL OR paid >= 0', name=op.f('ck_grant_decisions_paid_not_negative')),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_grant_decisions_agreement_id_agreements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_grant_decisions_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_decisions')),
        sa.UniqueConstraint('agreement_id', 'year', name=op.f('uq_grant_decisions_agreement_id_year')),
    )
    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_decisions_agreement_id'), ['agreement_id'], unique=False)

    op.create_table(
        'year_statistics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('persons_women', sa.Integer(), nullable=False),
        sa.Column('persons_men', sa.Integer(), nullable=False),
        sa.Column('persons_other', sa.Integer(), nullable=False),
        sa.Column('new_persons', sa.Integer(), nullable=False),
        sa.Column('ended_persons', sa.Integer(), nullable=False),
        sa.Column('hours_per_week', sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column('contact_reasons', sa.JSON(), nullable=False),
        sa.Column('end_reasons', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('persons_women >= 0 AND persons_men >= 0 AND persons_other >= 0', name=op.f('ck_year_statistics_persons_not_negative')),
        sa.CheckConstraint('new_persons >= 0 AND ended_persons >= 0', name=op.f('ck_year_statistics_flows_not_negative')),
        sa.CheckConstraint('hours_per_week IS NULL OR hours_per_week >= 0', name=op.f('ck_year_statistics_hours_not_negative')),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_year_statistics_agreement_id_agreements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_year_statistics_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_year_statistics')),
        sa.UniqueConstraint('agreement_id', 'year', name=op.f('uq_year_statistics_agreement_id_year')),
    )
    with op.batch_alter_table('year_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_statistics_agreement_id'), ['agreement_id'], unique=False)

    op.create_table(
        'statistics_municipalities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statistics_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.CheckConstraint('persons >= 0', name=op.f('ck_statistics_municipalities_persons_not_negative')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_statistics_municipalities_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['statistics_id'], ['year_statistics.id'], name=op.f('fk_statistics_municipalities_statistics_id_year_statistics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_municipalities')),
        sa.UniqueConstraint('statistics_id', 'organisation_id', name=op.f('uq_statistics_municipalities_statistics_id_organisation_id')),
    )
    with op.batch_alter_table('statistics_municipalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_municipalities_statistics_id'), ['statistics_id'], unique=False)

    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fulfilled_by', sa.String(length=20), nullable=True))

    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_deadlines_kind'), type_='check')
        batch_op.create_check_constraint('kind', NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM deadlines WHERE kind = 'grant_application'")
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_deadlines_kind'), type_='check')
        batch_op.create_check_constraint('kind', OLD_KINDS)
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_column('fulfilled_by')
    with op.batch_alter_table('statistics_municipalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statistics_municipalities_statistics_id'))
    op.drop_table('statistics_municipalities')
    with op.batch_alter_table('year_statistics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_statistics_agreement_id'))
    op.drop_table('year_statistics')
    with op.batch_alter_table('grant_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_decisions_agreement_id'))
    op.drop_table('grant_decisions')
