"""deadline spans: deadlines as of every day of a span, with the as-of days each holds on

Revision ID: i21b0d2e3f7a
Revises: i21a0c1d2e7d
Create Date: 2026-12-07 03:30:00

Deadlines as of another day than the daily refresh are read from deadline_spans (valid from
valid_from up to, not including, valid_to) instead of being computed agreement by agreement.
deadline_span_coverage holds the as-of days each agreement's rows answer for, and
deadline_span_refresh the span every agreement answers for. The tables start empty: until the
next refresh (`flask deadlines refresh`, or the scheduler's daily one) fills them, other days
are computed as before.
"""

from alembic import op
import sqlalchemy as sa


revision = "i21b0d2e3f7a"
down_revision = "i21a0c1d2e7d"
branch_labels = None
depends_on = None

KINDS = (
    "last_notice",
    "term_end",
    "extension",
    "obligation_due",
    "index_missing",
    "grant_application",
)


def upgrade():
    op.create_table(
        "deadline_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("obligation_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("series_code", sa.String(length=40), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")",
            name=op.f("ck_deadline_spans_kind"),
        ),
        sa.CheckConstraint("valid_from < valid_to", name=op.f("ck_deadline_spans_valid_interval")),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_deadline_spans_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_deadline_spans_obligation_id_obligations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_deadline_spans_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_spans")),
    )
    with op.batch_alter_table("deadline_spans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_spans_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index("ix_deadline_spans_date_kind", ["date", "kind"], unique=False)
        batch_op.create_index("ix_deadline_spans_valid", ["valid_from", "valid_to"], unique=False)
    op.create_table(
        "deadline_span_coverage",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("covered_from", sa.Date(), nullable=False),
        sa.Column("covered_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_deadline_span_coverage_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agreement_id", name=op.f("pk_deadline_span_coverage")),
    )
    with op.batch_alter_table("deadline_span_coverage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_span_coverage_covered_to"), ["covered_to"], unique=False
        )
    op.create_table(
        "deadline_span_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("span_from", sa.Date(), nullable=False),
        sa.Column("span_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_span_refresh")),
    )


def downgrade():
    op.drop_table("deadline_span_refresh")
    with op.batch_alter_table("deadline_span_coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_span_coverage_covered_to"))
    op.drop_table("deadline_span_coverage")
    with op.batch_alter_table("deadline_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_spans_valid")
        batch_op.drop_index("ix_deadline_spans_date_kind")
        batch_op.drop_index(batch_op.f("ix_deadline_spans_agreement_id"))
    op.drop_table("deadline_spans")
