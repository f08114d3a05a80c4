"""The server-drawn bar chart: bars scale to the largest, an incomplete year says so."""

import re
from decimal import Decimal

from app.core.charts import bar_chart


def test_bars_scale_to_the_largest_and_an_incomplete_year_is_marked():
    svg = str(
        bar_chart(
            [("2022", Decimal(1_000_000), False), ("2023", Decimal(500_000), True)],
            "Ersättning",
            incomplete_note="värde saknas",
        )
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert heights[0] == 2 * heights[1] > 0
    assert "1,0\xa0Mkr</text>" in svg and "500\xa0tkr *</text>" in svg
    assert "* värde saknas</text>" in svg
    assert "2023: 500\xa0000\xa0kr (värde saknas)" in svg


def test_a_complete_chart_has_no_legend():
    svg = str(bar_chart([("2023", Decimal(10), False)], "T", incomplete_note="värde saknas"))
    assert "värde saknas" not in svg and "*" not in svg
