"""The chart's all-agreement totals are remembered, and forgotten as soon as the data changes."""

from decimal import Decimal

from app.finance import services
from app.indexation import services as indexation


def test_a_new_index_value_changes_the_remembered_totals(factory, db):
    factory.following_opi()
    before = dict((y, (t, gap)) for y, t, gap in services.totals_per_year(2023, 2024))
    assert before[2024][1] is True  # OPI 2024 is not entered yet: that year is incomplete
    indexation.set_value(indexation.get_series("OPI"), 2024, "2.0", "preliminary", None)
    db.session.commit()
    after = dict((y, (t, gap)) for y, t, gap in services.totals_per_year(2023, 2024))
    assert after[2024][1] is False
    assert after[2024][0] > 0
    assert after[2023] == before[2023]


def test_a_changed_amount_changes_the_remembered_totals(factory, db):
    agreement = factory.following_opi()
    first = services.totals_per_year(2022, 2022)[0][1]
    services.add_item(
        agreement,
        {"label": "Lokal", "amount": "100000", "price_level_year": 2019, "index_series": None},
        None,
    )
    db.session.commit()
    assert services.totals_per_year(2022, 2022)[0][1] == first + Decimal("100000")
