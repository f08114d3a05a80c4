"""agreement list indexes and free-text search

Revision ID: e16a0c1d2b3f
Revises: d004b2a514e0
Create Date: 2026-11-30 20:45:00

The agreement list reads a page in index order (title, id), also when filtered by kind or
status; on PostgreSQL free-text search in Swedish uses a GIN index over title and
diarienummer (app.agreements.search).
"""
from alembic import op
import sqlalchemy as sa


revision = 'e16a0c1d2b3f'
down_revision = 'e15a0c1d2f3b'
branch_labels = None
depends_on = None

SEARCH_VECTOR_SQL = (
    "to_tsvector('swedish'::regconfig, (COALESCE(title, ''::character varying)::text "
    "|| ' '::text) || COALESCE(diarienummer, ''::character varying)::text)"
)


def upgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index('ix_agreements_title_id', ['title', 'id'], unique=False)
        batch_op.create_index('ix_agreements_kind_title_id', ['kind', 'title', 'id'], unique=False)
        batch_op.create_index(
            'ix_agreements_status_title_id', ['status', 'title', 'id'], unique=False
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            'ix_agreements_search_sv',
            'agreements',
            [sa.text(SEARCH_VECTOR_SQL)],
            unique=False,
            postgresql_using='gin',
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_agreements_search_sv', table_name='agreements')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_status_title_id')
        batch_op.drop_index('ix_agreements_kind_title_id')
        batch_op.drop_index('ix_agreements_title_id')
