"""call-offs as tilläggsavtal: one mechanism for a change from a year

Revision ID: g19a0c1d2e5b
Revises: f18a0c1d2e4a
Create Date: 2026-12-01 04:10:00

Before amendments existed, a call-off of more årsarbetare was a compensation line of the
agreement's own with ``valid_from_year`` (and the agreement's FTE already counted the
called-off årsarbetare; the years before the call-off counted fewer). Each such year becomes
a tilläggsavtal from 1 January of that year (or the start, if later): its compensation is
the lines that counted that year, its FTE the FTE of that year; the agreement's own FTE
becomes the FTE before the first call-off. The figures of every year stay the same.
"""
from datetime import UTC, date, datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = 'g19a0c1d2e5b'
down_revision = 'f18a0c1d2e4a'
branch_labels = None
depends_on = None

items = sa.table(
    'compensation_items',
    sa.column('id', sa.Integer),
    sa.column('agreement_id', sa.Integer),
    sa.column('label', sa.String),
    sa.column('amount', sa.Numeric(16, 2)),
    sa.column('price_level_year', sa.Integer),
    sa.column('series_id', sa.Integer),
    sa.column('first_adjusted_year', sa.Integer),
    sa.column('rounding', sa.String),
    sa.column('fte_basis', sa.Numeric(6, 2)),
    sa.column('valid_from_year', sa.Integer),
    sa.column('amendment_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
agreements = sa.table(
    'agreements',
    sa.column('id', sa.Integer),
    sa.column('fte', sa.Numeric(6, 2)),
    sa.column('start_date', sa.Date),
)
amendments = sa.table(
    'amendments',
    sa.column('id', sa.Integer),
    sa.column('agreement_id', sa.Integer),
    sa.column('effective_date', sa.Date),
    sa.column('description', sa.Text),
    sa.column('changes', sa.JSON),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
series = sa.table('index_series', sa.column('id', sa.Integer), sa.column('code', sa.String))

_COPIED = (
    'label', 'amount', 'price_level_year', 'series_id', 'first_adjusted_year', 'rounding',
    'fte_basis',
)


def _line_json(row, codes):
    return {
        'label': row.label,
        'amount': str(row.amount),
        'price_level_year': row.price_level_year,
        'index_series': codes.get(row.series_id),
        'first_adjusted_year': row.first_adjusted_year,
        'rounding': row.rounding,
        'fte_basis': None if row.fte_basis is None else str(row.fte_basis),
    }


def upgrade():
    conn = op.get_bind()
    legacy_ids = set(
        conn.execute(
            sa.select(items.c.agreement_id).where(
                items.c.valid_from_year.is_not(None), items.c.amendment_id.is_(None)
            )
        ).scalars()
    )
    if not legacy_ids:
        return
    codes = dict(conn.execute(sa.select(series.c.id, series.c.code)).all())
    now = datetime.now(UTC)
    for agreement in conn.execute(
        sa.select(agreements).where(agreements.c.id.in_(sorted(legacy_ids)))
    ).all():
        rows = conn.execute(
            sa.select(items)
            .where(items.c.agreement_id == agreement.id, items.c.amendment_id.is_(None))
            .order_by(items.c.position, items.c.id)
        ).all()
        own = [r for r in rows if r.valid_from_year is None]
        called = [r for r in rows if r.valid_from_year is not None]
        position = max((r.position or 0) for r in rows)
        fte = None if agreement.fte is None else Decimal(agreement.fte)

        def fte_in(year):  # the old rule: the FTE less the årsarbetare called off later
            if fte is None:
                return None
            later = sum(
                (Decimal(r.fte_basis or 0) for r in called if r.valid_from_year > year),
                Decimal(0),
            )
            return max(fte - later, Decimal(0))

        for year in sorted({r.valid_from_year for r in called}):
            counting = own + [r for r in called if r.valid_from_year <= year]
            extra = sum(
                (Decimal(r.fte_basis or 0) for r in called if r.valid_from_year == year),
                Decimal(0),
            )
            changes = {
                'compensation': {
                    'from_year': year,
                    'items': [_line_json(r, codes) for r in counting],
                }
            }
            if fte is not None:
                changes['fte'] = str(fte_in(year))
            start = agreement.start_date
            effective = max(date(year, 1, 1), start) if start is not None else date(year, 1, 1)
            amendment_id = conn.execute(
                amendments.insert()
                .values(
                    agreement_id=agreement.id,
                    effective_date=effective,
                    description=(
                        f"Avrop av {format(extra.normalize(), 'f').replace('.', ',')} "
                        f"årsarbetare från {year} (överfört från avtalets ersättningsrader)."
                    ),
                    changes=changes,
                    created_at=now,
                )
                .returning(amendments.c.id)
            ).scalar_one()
            for r in counting:
                position += 1
                conn.execute(
                    items.insert().values(
                        agreement_id=agreement.id,
                        amendment_id=amendment_id,
                        valid_from_year=year,
                        position=position,
                        created_at=now,
                        **{name: getattr(r, name) for name in _COPIED},
                    )
                )
        conn.execute(items.delete().where(items.c.id.in_([r.id for r in called])))
        if fte is not None and called:
            conn.execute(
                agreements.update()
                .where(agreements.c.id == agreement.id)
                .values(fte=fte_in(min(r.valid_from_year for r in called) - 1))
            )


def downgrade():
    # The call-offs stay tilläggsavtal: that reading gives the same figures.
    pass
