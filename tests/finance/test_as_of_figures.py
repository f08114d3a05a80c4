"""The figures across agreements as of a day (DOMAIN.md, Amendments: asked as of a day before
an amendment takes effect, everything reads as if it did not exist): the finance overview, its
chart and export, the API's year list and the yearly account."""

from __future__ import annotations

from datetime import date

from app.finance import services
from tests.api.test_amendments import amended_compensation, fixed_2020_2022


def amended_in_2023(editor, factory):
    """100 000 kr a year and 2.0 FTE; from 2023-01-01 170 000 kr and 3.0 FTE."""
    line = {"label": "Ersättning", "amount": "170000", "price_level_year": 2023}
    return amended_compensation(editor, factory, line)


def totals_by_agreement(editor, query: str) -> dict[int, str]:
    body = editor.get(f"/finance/compensation?{query}").json
    return {i["agreement_id"]: i["total"] for i in body["items"]}


def test_the_year_list_reads_the_agreements_as_of_the_day_asked(api, factory):
    editor = api("editor")
    a = amended_in_2023(editor, factory)
    assert totals_by_agreement(editor, "year=2023&as_of=2022-12-31")[a["id"]] == "100000.00"
    assert totals_by_agreement(editor, "year=2023&as_of=2023-01-01")[a["id"]] == "170000.00"
    assert totals_by_agreement(editor, "year=2023")[a["id"]] == "170000.00"  # today
    # Earlier years keep their lines whatever the day.
    assert totals_by_agreement(editor, "year=2022&as_of=2023-06-01")[a["id"]] == "100000.00"
    assert editor.get("/finance/compensation?year=2023&as_of=2023-02-30").status_code == 400


def test_a_signed_amendment_that_takes_effect_later_does_not_count_yet(api, factory):
    editor = api("editor")
    a = fixed_2020_2022(editor, factory, end_date="2099-12-31")
    item = {"label": "Ersättning", "amount": "100000", "price_level_year": 2020}
    assert editor.post(f"/agreements/{a['id']}/compensation-items", item).status_code == 201
    future = {
        "effective_date": "2098-01-01",
        "changes": {
            "compensation": {
                "from_year": 2098,
                "items": [{"label": "Ny", "amount": "5", "price_level_year": 2098}],
            }
        },
    }
    assert editor.post(f"/agreements/{a['id']}/amendments", future).status_code == 201
    assert totals_by_agreement(editor, "year=2098")[a["id"]] == "100000.00"
    assert totals_by_agreement(editor, "year=2098&as_of=2098-01-01")[a["id"]] == "5.00"


def test_an_end_moved_by_an_amendment_counts_from_its_day_in_the_year_list(api, factory):
    """Prolonged from 2022-05-01 to 2024-12-31: as of 2022-04-30 the agreement does not run in
    2023 at all."""
    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    item = {"label": "Ersättning", "amount": "100000", "price_level_year": 2020}
    assert editor.post(f"/agreements/{a['id']}/compensation-items", item).status_code == 201
    body = {"effective_date": "2022-05-01", "changes": {"end_date": "2024-12-31"}}
    assert editor.post(f"/agreements/{a['id']}/amendments", body).status_code == 201
    assert a["id"] not in totals_by_agreement(editor, "year=2023&as_of=2022-04-30")
    assert totals_by_agreement(editor, "year=2023&as_of=2022-05-01")[a["id"]] == "100000.00"


def test_the_overview_page_its_chart_and_export_follow_the_day(api, factory, client, login):
    editor = api("editor")
    a = amended_in_2023(editor, factory)
    login("finance")
    before = client.get("/finance/?year=2023&as_of=2022-12-31")
    assert before.status_code == 200
    page = before.get_data(as_text=True)
    assert 'value="2022-12-31"' in page
    assert "100\u00a0000" in page and "170\u00a0000" not in page
    # The export link keeps the day, and the export says the same.
    assert "export.csv?year=2023&amp;as_of=2022-12-31" in page
    csv = client.get("/finance/export.csv?year=2023&as_of=2022-12-31").get_data(as_text=True)
    row = next(line for line in csv.splitlines() if a["title"] in line)
    assert "100000" in row.replace(" ", "").replace("\u00a0", "")
    after = client.get("/finance/?year=2023&as_of=2023-01-01").get_data(as_text=True)
    assert "170\u00a0000" in after
    assert client.get("/finance/?year=2023&as_of=not-a-day").status_code == 400

    chart_before = services.totals_per_year(2022, 2024, date(2022, 12, 31))
    chart_after = services.totals_per_year(2022, 2024, date(2023, 1, 1))
    assert [t for _y, t, _gap in chart_before] == [100000, 100000, 100000]
    assert [t for _y, t, _gap in chart_after] == [100000, 170000, 170000]


def test_remembered_figures_are_told_apart_by_what_had_not_happened(api, factory):
    """Two days with the same amendments, notices and decisions in force share one reading;
    a day before the amendment is another."""
    editor = api("editor")
    amended_in_2023(editor, factory)
    assert services.not_yet(date(2024, 1, 1)) == services.not_yet(date(2025, 6, 1))
    assert services.not_yet(date(2022, 12, 31)) != services.not_yet(date(2023, 1, 1))
    assert services.not_yet(None) == services.NotYet()


def test_the_yearly_account_reads_fte_and_compensation_as_of_the_day(api, factory):
    editor = api("editor")
    a = amended_in_2023(editor, factory)
    bestallare = next(p["organisation_id"] for p in a["parties"] if p["role"] == "bestallare")
    finance = api("finance")
    assert finance.put("/grant-rates/2023", {"amount_per_fte": "400000"}).status_code == 200
    path = f"/reports/yearly/2023?organisation_id={bestallare}"
    before = finance.get(f"{path}&as_of=2022-12-31").json
    row = next(r for r in before["agreements"] if r["agreement_id"] == a["id"])
    assert (row["fte"], row["compensation"]) == ("2.0", "100000.00")
    assert row["statsbidrag_expected"] == "800000.00"
    after = finance.get(path).json
    row = next(r for r in after["agreements"] if r["agreement_id"] == a["id"])
    assert (row["fte"], row["compensation"]) == ("3.0", "170000.00")


def test_a_line_from_a_year_is_a_tillaggsavtal_not_a_line_of_the_agreements_own(api, factory, db):
    """One mechanism for a change from a year (DOMAIN.md, Amendments): an own line with
    valid_from_year is refused, naming the field, and nothing is written."""
    from app.finance.models import CompensationItem

    editor = api("editor")
    a = fixed_2020_2022(editor, factory)
    line = {"label": "Avrop", "amount": "1000", "price_level_year": 2020, "valid_from_year": 2022}
    response = editor.post(f"/agreements/{a['id']}/compensation-items", line)
    assert response.status_code == 422
    assert "tilläggsavtal" in response.json["error"]["fields"]["valid_from_year"]
    assert db.session.query(CompensationItem).count() == 0
