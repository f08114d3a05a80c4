"""The case text of a board decision draft, written from structured facts the way the seeds
write it: pure functions (values in, Swedish sentences out; no database, no clock).

`CaseFacts` holds what the text may say about an agreement as it stands on the draft's day;
`background` writes the Bakgrund (what the activity is and for whom, since when and with whom,
who runs it, how it is financed, the current period and its deadline, the recorded statistics
and the agreement it follows), with tenses following the draft's day. `Statistics` and
`Predecessor` are the value objects the yearly cycle (statistics) and the successor chain
(predecessor) hand in; either may be absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.core.money import format_fte, format_sek

__all__ = [
    "PO_PURPOSE",
    "CaseFacts",
    "Predecessor",
    "Statistics",
    "background",
    "join_names",
    "predecessor_sentence",
    "statistics_sentence",
]

#: What personligt ombud is and for whom (seed 000's Bakgrund, seed 002's Bakgrund och analys).
PO_PURPOSE = (
    "Personligt ombud riktar sig till personer med betydande psykisk funktionsnedsättning som "
    "behöver stöd för att ta tillvara sina rättigheter i samhället. Syftet är att de ska få "
    "möjlighet att uppnå en jämlik ställning och vara delaktiga i samhället. Personliga ombud "
    "ska även identifiera systemfel och brister i samhället, så att gruppen får sina behov "
    "tillgodosedda. Verksamheten regleras i förordningen (2013:522) om statsbidrag till "
    "kommuner som bedriver verksamhet med personligt ombud för vissa personer med psykiska "
    "funktionsnedsättningar."
)


@dataclass(frozen=True)
class Statistics:
    """A year's recorded statistics of the activity: persons supported, and per municipality
    where several share it ("Under 2024 fick 197 personer stöd, varav 25 från Åtvidaberg")."""

    year: int
    persons: int
    by_municipality: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Predecessor:
    """The agreement a new one follows (the successor chain): how the draft refers to it."""

    title: str
    diarienummer: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What the case text may state, already read as of the draft's day."""

    as_of: date
    namnd: str
    kind_indefinite: str  # "samverkansavtal", "överenskommelse om idéburet …"
    kind_definite: str  # "samverkansavtalet"
    counterparties: str  # "Åtvidabergs kommun" / "A, B och C"
    verksamhet: str  # "personligt ombud"
    start: date | None = None
    decided: bool = True
    providers: tuple[str, ...] = ()
    huvudman: str | None = None
    other_municipalities: tuple[str, ...] = ()
    fte: Decimal | None = None
    grant_year: int | None = None
    grant_amount: Decimal | None = None
    shares: tuple[tuple[str, str], ...] = ()  # (party, "1/2")
    period_start: date | None = None
    period_end: date | None = None
    open_ended: bool = False
    deadline: date | None = None
    statistics: Statistics | None = None
    predecessor: Predecessor | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)


def join_names(names: list[str] | tuple[str, ...]) -> str:
    """["A"] → "A"; ["A", "B", "C"] → "A, B och C"."""
    names = list(names)
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " och " + names[-1]


def _iso(d: date) -> str:
    return d.isoformat()


def statistics_sentence(stats: Statistics, as_of: date) -> str:
    """ "Under 2024 fick 197 personer stöd, varav 25 från Åtvidabergs kommun." (present tense
    while the year is still running on the draft's day)."""
    running = stats.year >= as_of.year
    who = "person" if stats.persons == 1 else "personer"
    if running:
        text = f"Hittills under {stats.year} har {stats.persons} {who} fått stöd"
    else:
        text = f"Under {stats.year} fick {stats.persons} {who} stöd"
    parts = [f"{n} från {name}" for name, n in stats.by_municipality if n is not None]
    if parts:
        text += ", varav " + join_names(parts)
    return text + "."


def predecessor_sentence(pred: Predecessor, kind_indefinite: str, as_of: date) -> str:
    """ "Överenskommelsen ersätter Överenskommelse … (Dnr …) som gällde 2019-01-01–2020-12-31." """
    ref = pred.title
    if pred.diarienummer:
        ref += f" ({pred.diarienummer})"
    if pred.start and pred.end:
        verb = "gällde" if pred.end < as_of else "gäller"
        ref += f", som {verb} {_iso(pred.start)}–{_iso(pred.end)}"
    elif pred.start:
        ref += f", som gäller sedan {_iso(pred.start)}"
    return f"Det nya avtalet ({kind_indefinite}) följer på {ref}."


def background(facts: CaseFacts) -> list[str]:
    """The Bakgrund as paragraphs (each a few sentences), tenses following ``facts.as_of``."""
    t = facts.as_of
    paragraphs: list[str] = []

    first: list[str] = []
    subject = f"{facts.kind_indefinite} med {facts.counterparties} avseende {facts.verksamhet}"
    if facts.start is not None and facts.start <= t and facts.decided:
        first.append(f"{facts.namnd} har sedan {_iso(facts.start)} {subject}.")
    elif facts.start is not None and facts.decided:
        first.append(f"{facts.namnd} har beslutat om {subject} från och med {_iso(facts.start)}.")
    elif facts.start is not None:
        first.append(f"Förslaget avser {subject} från och med {_iso(facts.start)}.")
    else:
        first.append(f"Ärendet avser {facts.verksamhet}.")
    if facts.providers:
        started = facts.start is None or facts.start <= t
        verb = "utförs" if started else "kommer att utföras"
        first.append(f"Verksamheten {verb} av {join_names(facts.providers)}.")
    if facts.predecessor is not None:
        first.append(predecessor_sentence(facts.predecessor, facts.kind_indefinite, t))
    paragraphs.append(" ".join(first))

    if "personligt ombud" in facts.verksamhet.lower():
        purpose = PO_PURPOSE
        if facts.statistics is not None:
            purpose += " " + statistics_sentence(facts.statistics, t)
        paragraphs.append(purpose)
    elif facts.statistics is not None:
        paragraphs.append(statistics_sentence(facts.statistics, t))

    money: list[str] = []
    if facts.fte and facts.grant_amount is not None and facts.grant_year is not None:
        money.append(
            f"Statsbidrag utgår för {format_fte(facts.fte)} årsarbetare med "
            f"{format_sek(facts.grant_amount)} för {facts.grant_year} och betalas ut via "
            "Länsstyrelsen."
        )
    elif facts.fte:
        money.append(f"Statsbidrag söks för {format_fte(facts.fte)} årsarbetare hos Länsstyrelsen.")
    if facts.huvudman:
        sentence = f"{facts.huvudman} är huvudman och söker statsbidraget hos Länsstyrelsen"
        if facts.other_municipalities:
            sentence += ", även för de medel som avser " + join_names(facts.other_municipalities)
        money.append(sentence + ".")
    if facts.shares:
        money.append(
            "Nettokostnaden efter statsbidrag fördelas mellan parterna: "
            + join_names([f"{party} {share}" for party, share in facts.shares])
            + "."
        )
    if money:
        paragraphs.append(" ".join(money))

    if facts.period_start is not None:
        if facts.open_ended or facts.period_end is None:
            since = "sedan" if facts.period_start <= t else "från"
            period = (
                f"{_cap(facts.kind_definite)} gäller {since} {_iso(facts.period_start)} "
                "tills vidare."
            )
        else:
            period = (
                f"Nuvarande avtalsperiod löper {_iso(facts.period_start)}–{_iso(facts.period_end)}."
            )
            if facts.period_start > t:
                period = (
                    f"Den första avtalsperioden löper {_iso(facts.period_start)}–"
                    f"{_iso(facts.period_end)}."
                )
        if facts.deadline is not None:
            verb = "är" if facts.deadline >= t else "var"
            period += f" Sista dag för uppsägning {verb} {_iso(facts.deadline)}."
        paragraphs.append(period)
    paragraphs.extend(facts.extra)
    return paragraphs


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]
