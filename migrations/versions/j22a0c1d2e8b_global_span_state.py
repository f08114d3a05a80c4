"""deadline spans of no agreement kept between refreshes: their state, and per organisation
the agreements they come from and the days they answer for

Revision ID: j22a0c1d2e8b
Revises: i21b0d2e3f7a
Create Date: 2026-12-07 08:00:00

The daily refresh no longer walks every agreement for the deadlines of no agreement (a missing
index value, a huvudman's 1 March application): it recomputes them only when what they are
computed from changed, and the applications only for the organisations concerned. The span
rows of a missing index value also say whether it concerns only ended agreements. The new
tables start empty: the next refresh computes everything once.
"""

from alembic import op
import sqlalchemy as sa


revision = "j22a0c1d2e8b"
down_revision = "i21b0d2e3f7a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadline_spans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("only_ended", sa.Boolean(), nullable=True))
    op.create_table(
        "deadline_global_span_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("covered_from", sa.Date(), nullable=False),
        sa.Column("covered_to", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=500), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deadline_global_span_state")),
    )
    op.create_table(
        "deadline_organisation_sources",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "agreement_id", name=op.f("pk_deadline_organisation_sources")
        ),
    )
    op.create_index(
        "ix_deadline_organisation_sources_agreement",
        "deadline_organisation_sources",
        ["agreement_id"],
        unique=False,
    )
    op.create_table(
        "deadline_organisation_coverage",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("covered_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_deadline_organisation_coverage")),
    )
    op.create_index(
        op.f("ix_deadline_organisation_coverage_covered_to"),
        "deadline_organisation_coverage",
        ["covered_to"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_deadline_organisation_coverage_covered_to"),
        table_name="deadline_organisation_coverage",
    )
    op.drop_table("deadline_organisation_coverage")
    op.drop_index(
        "ix_deadline_organisation_sources_agreement", table_name="deadline_organisation_sources"
    )
    op.drop_table("deadline_organisation_sources")
    op.drop_table("deadline_global_span_state")
    with op.batch_alter_table("deadline_spans", schema=None) as batch_op:
        batch_op.drop_column("only_ended")
