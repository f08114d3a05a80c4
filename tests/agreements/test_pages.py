"""The agreement page says what an ended or undated agreement is, not "tills vidare"."""

from datetime import date


def test_an_ended_agreement_has_no_current_period(client, login, factory):
    login("reader")
    ended = factory.agreement(start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    html = client.get(f"/agreements/{ended.id}?as_of=2026-11-23").get_data(as_text=True)
    period = html.split('data-testid="current-period">')[1].split("</dd>")[0]
    assert period == "ingen, avtalet har upphört"
    assert "2019-01-01 – 2020-12-31" in html  # the term itself


def test_a_procurement_without_dates_has_no_term_yet(client, login, factory):
    login("reader")
    procurement = factory.agreement(
        kind="upphandlat_avtal", stage="procurement", start_date=None, end_date=None
    )
    html = client.get(f"/agreements/{procurement.id}").get_data(as_text=True)
    assert "inte bestämd ännu" in html and "tills vidare" not in html


def test_the_change_log_names_fields_in_words(client, login, factory):
    from app.agreements.services import update_agreement

    agreement = factory.agreement(title="Före")
    update_agreement(agreement, {"title": "Efter"}, None, agreement.version, date(2021, 6, 1))
    login("reader")
    html = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    log = html.split('id="audit"')[1]
    assert "<td>Rubrik</td>" in log and "<td>title</td>" not in log


def test_dates_are_iso_in_english_too(client, login, factory):
    login("reader")
    agreement = factory.agreement(start_date=date(2021, 1, 1), end_date=date(2022, 12, 31))
    html = client.get(f"/agreements/{agreement.id}?lang=en&as_of=2021-06-01").get_data(as_text=True)
    assert "2021-01-01 – 2022-12-31" in html and "1/1/21" not in html
