"""What the pages say about the demo data itself: which index values it does not contain (the
demo never invents an index value, so later years cannot be computed until they are entered)."""

from __future__ import annotations

from sqlalchemy import func

from app.extensions import db


def opi_entered_until() -> int | None:
    """The last year of OPI the demo register holds, when the demo is loaded and OPI has not
    been entered beyond what the demo ships; None otherwise (a register in real use)."""
    from app.agreements.models import Agreement
    from app.demo import seeds
    from app.indexation.models import IndexSeries, IndexValue

    titles = [spec["title"] for spec in seeds.AGREEMENTS]
    if (
        db.session.execute(
            db.select(Agreement.id).where(Agreement.title.in_(titles)).limit(1)
        ).first()
        is None
    ):
        return None
    last = db.session.execute(
        db.select(func.max(IndexValue.year))
        .join(IndexSeries, IndexSeries.id == IndexValue.series_id)
        .where(IndexSeries.code == "OPI")
    ).scalar()
    return last if last is not None and last <= 2023 else None
