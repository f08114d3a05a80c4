"""users.session_token: a per-user session token, rotated at logout and password change

Revision ID: a7c3e10f5b21
Revises: d004b2a514e0
Create Date: 2026-11-30 20:50:00

A session (and a remember cookie) names the user *and* this token; logout and a password
change give the user a new one, so a copied cookie opens nothing afterwards. Existing rows get
NULL: their sessions end once, at the upgrade, and the next login sets a token.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e10f5b21'
down_revision = 'e17a0c5d2f91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
