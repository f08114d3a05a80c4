"""single sign-on identity on users; account events in the audit trail

Revision ID: e17a0c5d2f91
Revises: d004b2a514e0
Create Date: 2026-11-30 20:30:00

Users created by OpenID Connect sign-in carry the provider's (issuer, subject), unique together;
audit entries without an agreement record account events (sign-ins, refusals, roles from
claims, passwords set by an operator).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e17a0c5d2f91'
down_revision = 'e12a7c0d5b31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            'uq_users_oidc_identity', ['oidc_issuer', 'oidc_subject']
        )

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('agreement_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute('DELETE FROM audit_entries WHERE agreement_id IS NULL')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('agreement_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_oidc_identity', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
