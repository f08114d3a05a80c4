"""Finance for a year with a missing index value: what can be computed is shown, what cannot
is said in words with the link to enter it, and unknown is never shown as 0 kr."""

from __future__ import annotations

from app.core import clock
from app.finance import services
from app.finance.gaps import explain_gaps


def test_gaps_group_one_series_with_its_years_and_the_agreements_it_stops(factory, db):
    a = factory.following_opi()
    data = services.overview(2026)
    gaps = explain_gaps(data.rows)
    assert (gaps.count, gaps.complete, gaps.nothing_computed) == (1, 0, True)
    [series] = gaps.series
    assert (series.series_code, series.years, series.agreement_ids) == (
        "OPI",
        [2024, 2025, 2026],
        [a.id],
    )
    [row] = gaps.agreements
    assert row.reasons[0] == "indexvärdet för OPI saknas för 2024, 2025, 2026"


def test_a_year_that_can_be_computed_has_no_gaps(factory, db):
    factory.following_opi()
    gaps = explain_gaps(services.overview(2023).rows)
    assert (gaps.complete, gaps.series, gaps.agreements) == (1, [], [])


def test_overview_says_what_cannot_be_computed_and_never_0_kr(client, login, factory, db):
    login("finance")
    factory.following_opi()
    html = client.get("/finance/?year=2026").get_data(as_text=True)
    summary = html[html.index('id="summary"') : html.index('id="gaps"')]
    assert "kan inte beräknas för något av avtalen" in summary
    assert "0 kr" not in summary
    gaps = html[html.index('id="gaps"') :]
    assert "Indexvärdet för OPI saknas för 2024, 2025, 2026" in gaps
    assert 'href="/index/series/OPI"' in gaps
    assert 'data-testid="party-empty"' in html
    # The chart says unknown, not 0 kr, for the years that cannot be computed.
    assert "okänt *" in html and "0\xa0kr *" not in html


def test_overview_sum_row_agrees_with_the_summary(client, login, factory, db):
    login("finance")
    factory.following_opi()
    html = client.get("/finance/?year=2023").get_data(as_text=True)
    data = services.overview(2023)
    sum_row = html[html.index('data-testid="sum-row"') :]
    sum_row = sum_row[: sum_row.index("</tr>")]
    total = html[html.index('data-testid="total"') :]
    total = total[total.index(">") + 1 : total.index("<")]
    assert total.strip() in sum_row
    assert data.total > 0


def test_finance_pages_say_the_demo_has_no_opi_after_2023(client, login, db):

    from app.demo.loader import load_demo, load_extras

    today = clock.today()
    load_extras(load_demo(today), today, lambda _msg: None)
    db.session.commit()
    login("finance")
    html = client.get(f"/finance/?year={today.year}").get_data(as_text=True)
    assert 'id="demo-note"' in html and "OPI inlagt till och med 2023" in html
