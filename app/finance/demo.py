"""Demo money for the seed agreements (seeds/README.md): compensation lines, series, FTE,
invoicing and cost shares. Called by the demo loader; idempotent (an agreement that already
has compensation lines is left as it is)."""

from __future__ import annotations

from decimal import Decimal

from app.agreements.models import Agreement
from app.agreements.services import record_audit, touch
from app.core import clock
from app.extensions import db
from app.finance import services
from app.grants.models import GrantRate
from app.indexation import services as indexation
from app.indexation.models import IndexSeries


def _series(code: str, name: str, description: str) -> IndexSeries:
    existing = db.session.execute(
        db.select(IndexSeries).where(IndexSeries.code == code)
    ).scalar_one_or_none()
    return existing or indexation.create_series(code, name, description)


def _set(agreement: Agreement, field: str, value) -> None:
    old = getattr(agreement, field)
    if old != value:
        setattr(agreement, field, value)
        record_audit(agreement, None, "updated", field, old, value)
        touch(agreement)


def _has_lines(agreement: Agreement) -> bool:
    return bool(services.items_of(agreement))


def _demo_grant_rates(as_of_year: int) -> None:
    """Demo only: the statsbidrag per full-time ombud for 2021 up to this year, taken as the
    402 638 kr that seed 003 states (2020 price level), so the seed tables show a net cost.
    Each is labelled an assumption; a real installation enters the rates Länsstyrelsen decides
    (the shipped defaults leave those years missing)."""
    known = set(db.session.execute(db.select(GrantRate.year)).scalars())
    for year in range(2021, as_of_year + 1):
        if year not in known:
            services.set_grant_rate(
                year,
                "402638",
                note="Demo: antaget oförändrat från 2020 (seed 003, 402 638 kr i 2020 års prisnivå)",
            )


def load_demo_finance(agreements: dict[str, Agreement]) -> None:
    """Add the seeds' money to the agreements keyed "000" … "004" (missing keys are skipped).

    - 003 (Leanlink): 4 107 597 kr for 6 årsarbetare and 263 426 kr premises, 2019 prices, OPI
      from 2021; FTE 6; invoiced monthly.
    - 004 (Lund IOP): 3 000 000 kr in 2023 prices following Lund's priskompensation
      (LUND-PK), whose 2024 value is left missing until finance enters it.
    - 001 (Östra Södertörn): 440 000 kr (110 000 kr per party) in 2019 prices following
      "löneöversyn + priser" (OSTRA-SODERTORN-LON, 2020 value not entered), equal shares 1/4,
      invoiced yearly by Haninge.
    - 000 (Linköping–Åtvidaberg): no compensation lines (the seed gives only the statsbidrag).
    """
    indexation.ensure_default_series()
    _demo_grant_rates(as_of_year=clock.today().year)
    a = agreements.get("003")
    if a is not None and not _has_lines(a):
        _set(a, "fte", Decimal("6.00"))
        _set(a, "invoicing", "monthly")
        services.add_item(
            a,
            {
                "label": "Personligt ombud, 6 årsarbetare",
                "amount": "4107597",
                "price_level_year": 2019,
                "index_series": "OPI",
                "first_adjusted_year": 2021,
                "rounding": "final",
                "fte_basis": "6",
            },
            None,
        )
        services.add_item(
            a,
            {
                "label": "Lokaler",
                "amount": "263426",
                "price_level_year": 2019,
                "index_series": "OPI",
                "first_adjusted_year": 2021,
                "rounding": "final",
            },
            None,
        )
    a = agreements.get("004")
    if a is not None and not _has_lines(a):
        _series(
            "LUND-PK",
            "Lunds kommun, priskompensation",
            "Den priskompensation kommunfullmäktige i Lund ger nämnderna; anges av ekonomi "
            "när budgeten är beslutad.",
        )
        _set(a, "invoicing", "yearly")
        services.add_item(
            a,
            {
                "label": "Bidrag till PO Skåne (IOP)",
                "amount": "3000000",
                "price_level_year": 2023,
                "index_series": "LUND-PK",
                "first_adjusted_year": 2024,
                "rounding": "final",
            },
            None,
        )
    a = agreements.get("001")
    if a is not None and not _has_lines(a):
        _series(
            "OSTRA-SODERTORN-LON",
            "Östra Södertörn, löneöversyn och priser",
            "Uppräkning enligt löneöversyn och prisutveckling som parterna kommer överens om.",
        )
        _set(a, "invoicing", "yearly")
        haninge = next(
            (p.organisation for p in a.parties if "haninge" in p.organisation.name.lower()),
            None,
        )
        if haninge is not None:
            _set(a, "invoicing_party_id", haninge.id)
        services.add_item(
            a,
            {
                "label": "Personligt ombud, 110 000 kr per part",
                "amount": "440000",
                "price_level_year": 2019,
                "index_series": "OSTRA-SODERTORN-LON",
                "first_adjusted_year": 2020,
                "rounding": "final",
            },
            None,
        )
        org_ids = list(dict.fromkeys(p.organisation_id for p in a.parties))
        if org_ids:
            services.set_cost_shares(
                a, [{"organisation_id": o} for o in org_ids], None, method="equal"
            )
    db.session.flush()
