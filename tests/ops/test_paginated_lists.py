"""Every list is paginated: an organisation's agreements on its page, and the finance
compensation of a year over the API (its sum still over every agreement)."""

from __future__ import annotations


def test_an_organisations_page_lists_its_agreements_a_page_at_a_time(client, login, factory):
    login("reader")
    kommun = factory.organisation("Storstad kommun")
    other = factory.organisation("Förening")
    for i in range(53):
        factory.agreement([(kommun, "bestallare"), (other, "utforare")], title=f"Avtal {i:02d}")
    first = client.get(f"/organisations/{kommun.id}").get_data(as_text=True)
    assert "53 avtal" in first
    assert "Avtal 00" in first and "Avtal 49" in first and "Avtal 50" not in first
    assert "Sida 1 av 2" in first
    second = client.get(f"/organisations/{kommun.id}?page=2")
    assert second.status_code == 200
    text = second.get_data(as_text=True)
    assert "Avtal 50" in text and "Avtal 52" in text and "Avtal 49" not in text


def test_finance_compensation_is_paginated_and_its_sum_covers_every_agreement(api, factory):
    made = []
    for _ in range(3):
        made.append(factory.following_opi("1000000"))
    finance = api("finance")
    everything = finance.get("/finance/compensation?year=2022").get_json()
    assert everything["count"] == 3 and len(everything["items"]) == 3
    page = finance.get("/finance/compensation?year=2022&per_page=2&page=2").get_json()
    assert (page["page"], page["per_page"], page["count"]) == (2, 2, 3)
    assert len(page["items"]) == 1
    assert page["total"] == everything["total"]  # the sum of all three, not of the page
    first = finance.get("/finance/compensation?year=2022&per_page=2").get_json()
    ids = {i["agreement_id"] for i in first["items"] + page["items"]}
    assert ids == {a.id for a in made}
    assert everything["year"] == 2022


def test_finance_compensation_refuses_a_bad_page(api):
    response = api("finance").get("/finance/compensation?year=2022&per_page=500")
    assert response.status_code == 400
    assert "per_page" in response.get_json()["error"]["fields"]
