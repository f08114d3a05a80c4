"""The case text written from facts (app.documents.casetext): tenses follow the draft's day,
recorded statistics and the predecessor are written in when they are handed in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.documents.casetext import CaseFacts, Predecessor, Statistics, background


def _facts(**overrides) -> CaseFacts:
    values = {
        "as_of": date(2020, 3, 2),
        "namnd": "Social- och omsorgsnämnden",
        "kind_indefinite": "samverkansavtal",
        "kind_definite": "samverkansavtalet",
        "counterparties": "Åtvidabergs kommun",
        "verksamhet": "personligt ombud",
        "start": date(2008, 1, 1),
        "providers": ("Leanlink Råd och Stöd",),
        "huvudman": "Linköpings kommun",
        "other_municipalities": ("Åtvidabergs kommun",),
        "period_start": date(2019, 1, 1),
        "period_end": date(2020, 12, 31),
        "deadline": date(2020, 6, 30),
    }
    values.update(overrides)
    return CaseFacts(**values)


def test_background_states_the_facts_the_way_seed_000_does():
    text = "\n\n".join(background(_facts()))

    assert text.startswith(
        "Social- och omsorgsnämnden har sedan 2008-01-01 samverkansavtal med Åtvidabergs kommun "
        "avseende personligt ombud. Verksamheten utförs av Leanlink Råd och Stöd."
    )
    assert "Syftet är att de ska få möjlighet att uppnå en jämlik ställning" in text
    assert (
        "Linköpings kommun är huvudman och söker statsbidraget hos Länsstyrelsen, även för de "
        "medel som avser Åtvidabergs kommun." in text
    )
    assert (
        "Nuvarande avtalsperiod löper 2019-01-01–2020-12-31. Sista dag för uppsägning är "
        "2020-06-30." in text
    )


def test_tenses_follow_the_drafts_day():
    before_start = "\n".join(background(_facts(as_of=date(2007, 12, 6))))
    after_deadline = "\n".join(background(_facts(as_of=date(2020, 8, 1))))
    proposed = "\n".join(background(_facts(as_of=date(2007, 12, 6), decided=False)))

    assert "har sedan" not in before_start
    assert (
        "har beslutat om samverkansavtal med Åtvidabergs kommun avseende personligt ombud "
        "från och med 2008-01-01" in before_start
    )
    assert "kommer att utföras av Leanlink" in before_start
    assert "Sista dag för uppsägning var 2020-06-30." in after_deadline
    assert "Förslaget avser samverkansavtal" in proposed


def test_recorded_statistics_are_written_in_when_given():
    stats = Statistics(year=2024, persons=197, by_municipality=(("Åtvidabergs kommun", 25),))

    done = "\n".join(background(_facts(as_of=date(2025, 5, 1), statistics=stats)))
    running = "\n".join(background(_facts(as_of=date(2024, 9, 1), statistics=stats)))
    without = "\n".join(background(_facts(as_of=date(2025, 5, 1))))

    assert "Under 2024 fick 197 personer stöd, varav 25 från Åtvidabergs kommun." in done
    assert (
        "Hittills under 2024 har 197 personer fått stöd, varav 25 från Åtvidabergs kommun."
        in running
    )
    assert "personer stöd" not in without


def test_the_predecessor_is_referred_to_when_given():
    pred = Predecessor(
        title="Överenskommelse avseende Personligt Ombud under 2019 och 2020",
        diarienummer="SN 2018/12",
        start=date(2019, 1, 1),
        end=date(2020, 12, 31),
    )

    text = "\n".join(
        background(
            _facts(as_of=date(2020, 11, 2), predecessor=pred, kind_indefinite="överenskommelse")
        )
    )

    assert (
        "Det nya avtalet (överenskommelse) följer på Överenskommelse avseende Personligt Ombud "
        "under 2019 och 2020 (SN 2018/12), som gäller 2019-01-01–2020-12-31." in text
    )


def test_statsbidrag_and_shares_are_written_when_known():
    text = "\n".join(
        background(
            _facts(
                fte=Decimal("4.5"),
                grant_year=2021,
                grant_amount=Decimal("1811871"),
                shares=(("Linköpings kommun", "1/2"), ("Åtvidabergs kommun", "1/2")),
            )
        )
    )

    assert "Statsbidrag utgår för 4,5 årsarbetare med 1\xa0811\xa0871\xa0kr för 2021" in text
    assert "fördelas mellan parterna: Linköpings kommun 1/2 och Åtvidabergs kommun 1/2." in text
