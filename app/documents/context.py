"""What a board decision draft says: the facts computed from the agreement on an as-of date,
the official's choices (samråd, MBL, barnkonsekvens, recipients, signatories), the case text
(written from structured facts by ``casetext``), the economics a board reads, and the
documented variable set the templates may use.

`build_context` returns a plain, JSON-serialisable dict of strings and lists (dates and amounts
already formatted the Swedish way), so the same dict fills the Word template, the HTML preview
and the snapshot kept with each generated draft. Rules come from ``app.agreements.rules`` and
the finance service; nothing here re-computes a date or an amount itself, except the term
proposed for a new agreement (as long as the original term, see ``_same_term``).

Dates are as they stood on the as-of day: the terms are read through the agreements service
(``terms_as_of``), the current period is the one the agreement's dates (and the API) give, a
notice counts only if received by then (``termination_on``), and index values are those known
on that day. A missing fact (board, dates, diarienummer, official) becomes a visible
placeholder; only a decision that cannot be taken is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.agreements import rules
from app.agreements.models import Agreement
from app.agreements.services import (
    dates_of,
    fields_on,
    last_day,
    status_of,
    termination_on,
    terms_of,
)
from app.core.dates import add_months, date_out_of_range
from app.core.errors import DomainError, ValidationError
from app.core.money import format_sek, plain_decimal
from app.documents import casetext
from app.documents.casetext import Predecessor, Statistics, join_names
from app.extensions import db

DECISIONS = ("forlangning", "uppsagning", "nytt_avtal", "upphandling")
DECISION_LABELS = {
    "forlangning": _l("Att inte säga upp avtalet, så att det förlängs"),
    "uppsagning": _l("Att säga upp avtalet"),
    "nytt_avtal": _l("Att ingå ett nytt avtal eller en IOP"),
    "upphandling": _l("Att upphandla"),
}

_DECISION_NOUNS = {
    "forlangning": "förlängning",
    "uppsagning": "uppsägning",
    "nytt_avtal": "nytt avtal",
    "upphandling": "upphandling",
}

#: The free texts an official may edit before downloading, in form order.
TEXT_FIELDS = (
    "verksamhet",
    "arendet",
    "bakgrund",
    "ekonomi_text",
    "uppfoljning",
)
TEXT_LABELS = {
    "verksamhet": _l("Verksamhet (avseende …)"),
    "arendet": _l("Ärendet"),
    "bakgrund": _l("Bakgrund"),
    "ekonomi_text": _l("Ekonomiska konsekvenser (text)"),
    "uppfoljning": _l("Uppföljning och utvärdering"),
}

#: The choices on the form (the sentence each gives is written in ``_choice_texts``).
SAMRAD_CHOICES = {
    "samtycker": _l("Samråd har skett; parterna samtycker"),
    "skett": _l("Samråd har skett"),
    "informeras": _l("Parterna informeras innan nämnden beslutar"),
    "ingen": _l("Inget samråd behövs"),
}
MBL_CHOICES = {
    "ej_pakallat": _l("Information enligt MBL är ej påkallad"),
    "information": _l("Information enligt MBL 19 §"),
    "forhandling": _l("Förhandling enligt MBL 11 §"),
}
BARN_CHOICES = {
    "vuxna": _l("Berör främst vuxna"),
    "narstaende": _l("Stöd till vuxna avlastar närstående och barn"),
    "fyll_i": _l("Analysen skrivs av handläggaren"),
}
RECIPIENT_CHOICES = {
    "verkstallighet": _l("För verkställighet"),
    "kannedom": _l("För kännedom"),
    "ingen": _l("Skickas inte"),
}
MAX_TEXT_LENGTH = 20_000

#: Every variable a template may use, with what it holds. Uploaded templates are validated
#: against these names (docxtpl's get_undeclared_template_variables).
VARIABLES: dict[str, str] = {
    "beslut": "Beslutets kod: forlangning, uppsagning, nytt_avtal eller upphandling.",
    "beslut_namn": "Beslutet i ord, t.ex. ”Att säga upp avtalet”.",
    "kommun": "Den egna organisationen (nämndens kommun), t.ex. Linköpings kommun.",
    "namnd": "Nämnden som beslutar, t.ex. Social- och omsorgsnämnden.",
    "forvaltning": "Förvaltningen som skriver förslaget (tom om den saknas).",
    "datum": "Skrivelsens datum (as-of-dagen), ÅÅÅÅ-MM-DD.",
    "datum_lang": "Skrivelsens datum i ord, t.ex. 31 mars 2026.",
    "diarienummer": "Avtalets diarienummer (”……” om det saknas, att fylla i).",
    "rubrik": "Skrivelsens rubrik.",
    "avtal_titel": "Avtalets rubrik i Avtalskollen.",
    "avtalstyp": "Avtalstypen i obestämd form, t.ex. samverkansavtal.",
    "verksamhet": "Vad avtalet avser, t.ex. personligt ombud (redigerbar).",
    "parter": "Lista med motparternas namn (alla parter utom den egna organisationen).",
    "parter_text": "Motparterna i löpande text: ”A, B och C”.",
    "avtal_sedan": "Avtalets startdatum, ÅÅÅÅ-MM-DD (tomt om det saknas).",
    "avtal_slut": "Avtalets slutdatum för den första perioden, eller ”tills vidare”.",
    "period_start": "Nuvarande avtalsperiodens början (som i avtalets datum), ÅÅÅÅ-MM-DD.",
    "period_slut": "Nuvarande avtalsperiodens slut (som i avtalets datum), ÅÅÅÅ-MM-DD.",
    "sista_dag_uppsagning": (
        "Sista dag för uppsägning som beslutet gäller, ÅÅÅÅ-MM-DD (tomt om ingen): vid "
        "förlängning dagen efter vilken avtalet förlängs, vid uppsägning sista dagen för att "
        "avtalet ska upphöra som i upphor."
    ),
    "forlangs_fran": "Förlängning: första dagen i förlängningen som beslutet avser.",
    "forlangs_till": "Förlängning: sista dagen i förlängningen som beslutet avser.",
    "forlangning_langd": "Förlängning: förlängningens längd i ord, t.ex. två år.",
    "upphor": "Uppsägning: dagen avtalet upphör, ÅÅÅÅ-MM-DD.",
    "nytt_fran": "Nytt avtal: det nya avtalets första dag, ÅÅÅÅ-MM-DD.",
    "nytt_till": "Nytt avtal: det nya avtalets sista dag, eller ”tills vidare”.",
    "beslut_inledning": "Inledningen till beslutspunkterna, t.ex. ”Socialnämnden beslutar”.",
    "beslutspunkter": "Lista med beslutspunkterna (Förslag till beslut), skrivna som beslutet.",
    "sammanfattning": "En mening som sammanfattar förslaget.",
    "arendet": "Ärendet (redigerbar text).",
    "bakgrund": "Bakgrund ur avtalets historik (redigerbar text).",
    "ekonomi_rader": (
        "Lista med år: rad.ar, rad.markering (” *” för preliminärt), rad.ersattning, "
        "rad.statsbidrag, rad.netto, rad.saknas (vad som saknas)."
    ),
    "andelar_rader": "Lista med parternas andelar: andel.ar, andel.markering, andel.part, andel.belopp.",
    "ekonomi_not": "Not om preliminära år eller saknade värden (tom om ingen).",
    "ekonomi_text": "Ekonomiska konsekvenser i text (redigerbar).",
    "samrad": "Samråd (redigerbar text).",
    "barnkonsekvens": "Barnkonsekvensanalys / Barnets bästa (redigerbar text).",
    "mbl": "Information eller förhandling enligt MBL (redigerbar text).",
    "uppfoljning": "Uppföljning och utvärdering (redigerbar text).",
    "handlaggare": "Ansvarig tjänsteperson (avtalets ansvarige; ”……” om ingen är angiven).",
    "handlaggare_titel": "Den ansvariges titel (tom om den saknas).",
    "skickas_till": "Lista med alla mottagare av beslutet (för verkställighet och för kännedom).",
    "beslutsdatum": "Dagen nämnden beslutar (uppsägningen räknas från den), ÅÅÅÅ-MM-DD.",
    "beslutsunderlag": "Lista med handlingarna i ärendet (skrivelsen, avtalet, tidigare beslut).",
    "bakgrund_stycken": "Bakgrunden som lista med stycken.",
    "beredning": "Beredning: vem som har berett ärendet och med vem.",
    "ekonomi_poster": (
        "Lista med avtalets ersättningsposter i ord: belopp, prisnivå och index med namn."
    ),
    "ekonomi_tabell": (
        "Lista med rader per år och post: rad.ar, rad.post, rad.belopp (”ej fastställt” när "
        "indexvärdet saknas), rad.summa (true för summarader)."
    ),
    "ekonomi_meningar": "Lista med meningar om saknade eller preliminära värden.",
    "mottagare_verkstallighet": "Lista med mottagare för verkställighet.",
    "mottagare_kannedom": "Lista med mottagare för kännedom.",
    "handlaggare_forvaltning": "Förvaltningen under handläggarens namn (tom om titeln säger den).",
    "medundertecknare": "Andra undertecknare, t.ex. förvaltningschefen (tom om ingen).",
    "medundertecknare_titel": "Den andra undertecknarens titel.",
    "avtalsperiod": "Den period beslutet gäller i ord, t.ex. ”för åren 2023–2024”.",
}

# Indefinite form, definite form, pronoun (neuter "det", common gender "den").
_KIND_PHRASES = {
    "samverkansavtal": ("samverkansavtal", "samverkansavtalet", "det"),
    "verksamhetsuppdrag": ("verksamhetsuppdrag", "verksamhetsuppdraget", "det"),
    "overenskommelse": ("överenskommelse", "överenskommelsen", "den"),
    "iop": (
        "överenskommelse om idéburet offentligt partnerskap",
        "överenskommelsen om idéburet offentligt partnerskap",
        "den",
    ),
    "upphandlat_avtal": ("avtal", "avtalet", "det"),
}
_NUMBER_WORDS_NEUTER = ("", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio")
_NUMBER_WORDS_COMMON = ("", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio")
_NUMBER_WORDS_COMMON += ("elva", "tolv")

# Characters an XML 1.0 document cannot hold (and docxtpl's own control characters).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# The same, except docxtpl's paragraph mark "\a" that clean_text puts in on purpose.
_XML_ILLEGAL_BUT_PARAGRAPH = re.compile(
    "[\x00-\x06\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]"
)
_MANY_NEWLINES = re.compile(r"\n{2,}")


def clean_text(value: str) -> str:
    """Make user text safe for Word's XML: strip illegal control characters, keep line
    breaks, and turn an empty line into a new paragraph (docxtpl's ``\\a``)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _XML_ILLEGAL.sub("", text).strip()
    return _MANY_NEWLINES.sub("\a", text)


def _sanitize(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_ILLEGAL_BUT_PARAGRAPH.sub("", value)
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    if isinstance(value, dict):
        return {k: _sanitize(v) for k, v in value.items()}
    return value


def iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def long_date(d: date) -> str:
    return format_date(d, "long", locale="sv_SE")


def duration_words(months: int) -> str:
    """24 -> "två år", 12 -> "ett år", 6 -> "sex månader", 18 -> "18 månader"."""
    if months % 12 == 0:
        years = months // 12
        word = _NUMBER_WORDS_NEUTER[years] if years < len(_NUMBER_WORDS_NEUTER) else str(years)
        return f"{word} år"
    word = _NUMBER_WORDS_COMMON[months] if months < len(_NUMBER_WORDS_COMMON) else str(months)
    return f"{word} {'månad' if months == 1 else 'månader'}"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _genitive(name: str) -> str:
    low = name[:1].lower() + name[1:]
    return low if low.endswith("s") else low + "s"


def _finance():
    """The finance service, when it exists (written concurrently); None until then."""
    try:
        from app.finance import services as finance_services
    except ImportError:
        return None
    if not hasattr(finance_services, "compensation_years"):
        return None
    return finance_services


def _counterparties(agreement: Agreement, own_org_id: int | None) -> list[str]:
    names: list[str] = []
    for party in agreement.parties:
        if party.organisation_id == own_org_id:
            continue
        name = party.organisation.name
        if name not in names:
            names.append(name)
    return names


#: Shown where the official fills in a detail the agreement does not record (diarienummer,
#: the responsible official): a draft is edited before it is registered, so these never block it.
PLACEHOLDER = "……"


def missing_facts(agreement: Agreement, decision: str) -> dict[str, str]:
    """Facts the draft shows as a placeholder, with where to record them (the form lists them
    so the official can fix the agreement instead of the document)."""
    missing: dict[str, str] = {}
    if agreement.board is None:
        missing["board_id"] = _(
            "Avtalet saknar beslutande nämnd: ange den under Ändra avtal (Nämnd)."
        )
    if not agreement.diarienummer:
        missing["diarienummer"] = _("Diarienummer saknas: ange det under Ändra avtal.")
    if agreement.responsible_person is None:
        missing["responsible_person_id"] = _(
            "Ansvarig tjänsteperson saknas: ange den under Ändra avtal."
        )
    if decision != "upphandling" and agreement.start_date is None:
        missing["start_date"] = _("Avtalstiden saknas: ange startdatum under Ändra avtal.")
    return missing


def _decision_period(
    terms: rules.Terms, deadline: date
) -> tuple[rules.Period, rules.Period | None]:
    """The period whose last day for notice is `deadline`, and the period after it."""
    horizon = add_months(deadline, 2 * (terms.extension_months or 0) + 36)
    found: rules.Period | None = None
    for period in rules.periods_from(terms, deadline, horizon):
        if found is not None:
            return found, period
        if period.end is not None and rules.last_notice_date(period.end, terms) == deadline:
            found = period
    if found is None:  # pragma: no cover - the deadline always belongs to a period
        raise ValidationError(_("Avtalets perioder kunde inte beräknas."))
    return found, None


def _deadline_for_end(terms: rules.Terms, end: date, received: date) -> date | None:
    """The last day notice can be received, on or after `received`, and still end the agreement
    on `end`: the last day for notice of the period ending on `end`. None where no such day
    is left (the end follows from the day of receipt, or comes whatever happens)."""
    for period in rules.periods_from(terms, received, end):
        if period.end == end:
            deadline = rules.last_notice_date(end, terms)
            return deadline if deadline >= received else None
    return None


def _same_term(start: date, end: date, new_start: date) -> date:
    """The last day of a term as long as `start`–`end`, beginning on `new_start`: whole months
    where the original term is whole months (counted the DOMAIN way), else the same days."""
    following = end + timedelta(days=1)
    months = (following.year - start.year) * 12 + following.month - start.month
    if months > 0 and add_months(start, months) == following:
        return add_months(new_start, months) - timedelta(days=1)
    return new_start + (end - start)


def _does_not_fit(message: str) -> ValidationError:
    return ValidationError(message, {"decision": message}, code="decision_does_not_fit")


def _forlangning_facts(terms: rules.Terms, dates: rules.AgreementDates) -> dict[str, Any]:
    """The period whose last day for notice comes next (the current one, or the one it has
    already been extended into) and the extension that follows when no notice is given."""
    if dates.last_notice_date is None:
        raise _does_not_fit(
            _("Avtalet förlängs inte fler gånger (högsta antalet förlängningar är nått).")
        )
    period, following = _decision_period(terms, dates.last_notice_date)
    if following is None or following.end is None:
        raise _does_not_fit(
            _(
                "Avtalet förlängs inte efter %(d)s (högsta antalet förlängningar är nått).",
                d=iso(period.end),
            )
        )
    current_end = dates.current_period_end
    return {
        "deadline": dates.last_notice_date,
        "current_deadline": rules.last_notice_date(current_end, terms) if current_end else None,
        "extended_to": period.end if period.end != current_end else None,
        "next_start": following.start,
        "next_end": following.end,
        "extension_words": duration_words(terms.extension_months),
        "years": (following.start.year, following.end.year),
    }


def _uppsagning_facts(terms: rules.Terms, decided: date) -> dict[str, Any]:
    """Where notice given on the board's decision day `decided` ends the agreement, and the
    last day for that end; whether it ends then anyway (a fixed term with no extension)."""
    received = max(decided, terms.start_date)
    try:
        outcome = rules.termination_effective_end(terms, received, True)
    except rules.RuleViolation as exc:
        raise _does_not_fit(exc.message) from None
    end = outcome.effective_end
    return {
        "end": end,
        "late": outcome.late,
        # Late with nothing after the current period: it ends then whatever happens.
        "ends_anyway": outcome.late and outcome.period.end == end,
        "deadline": _deadline_for_end(terms, end, received),
        "current_deadline": outcome.last_notice_date,
        "runs_out": rules.final_end(terms) == end and not terms.continues_open_ended,
        "received": received,
        "years": (max(received.year, terms.start_date.year), end.year),
    }


def _nytt_avtal_facts(
    agreement: Agreement,
    terms: rules.Terms,
    dates: rules.AgreementDates | None,
    notice: Any,
    as_of: date,
) -> dict[str, Any]:
    """The new agreement's term: the recorded agreement itself while it is not yet decided or
    begun; otherwise from the day after the current one ends (by a notice in force, else at
    the current period's end, else, tills vidare, as notice given today would end it), for as
    long as the original term."""
    start, end = terms.start_date, terms.end_date
    if agreement.stage == "decided" and as_of >= start and dates is not None:
        if notice is not None:
            last = notice.effective_end_date
        else:
            last = dates.current_period_end or dates.next_end_if_notice_today or as_of
        new_start = last + timedelta(days=1)
        end = _same_term(start, end, new_start) if end is not None else None
        start = new_start
    return {
        "new_start": start,
        "new_end": end,
        "years": (start.year, end.year if end is not None else start.year + 1),
    }


def terms_as_of(agreement: Agreement, as_of: date) -> rules.Terms:
    """The agreement's terms in force on `as_of`, read through the agreements service (so an
    amendment that service applies reaches every draft)."""
    return terms_of(agreement, as_of)


def decision_facts(
    agreement: Agreement, decision: str, as_of: date, decision_date: date | None = None
) -> dict[str, Any]:
    """The computed dates a decision rests on; raises ValidationError when it does not fit.

    `period_start`/`period_end` are the current period as the agreement's dates give it on
    `as_of`; `deadline` is the last day for notice the decision is about. An uppsägning counts
    its notice from `decision_date` (default `as_of`), the day the board decides.
    """
    if decision not in DECISIONS:
        message = _(
            "Okänt beslut %(d)s. Välj en av: %(all)s.", d=decision, all=", ".join(DECISIONS)
        )
        raise ValidationError(message, {"decision": message}, code="unknown_decision")
    if agreement.stage == "archived":
        raise _does_not_fit(_("Avtalet är arkiverat; inget beslutsförslag kan skrivas."))
    facts: dict[str, Any] = {}
    if agreement.start_date is None:
        if decision in ("forlangning", "uppsagning"):
            message = _(
                "Avtalet saknar avtalstid: ange startdatum (och slutdatum eller tills "
                "vidare) under Ändra avtal, så kan förslaget skrivas."
            )
            raise ValidationError(message, {"start_date": message}, code="decision_does_not_fit")
        facts["years"] = None
        return facts
    terms = terms_as_of(agreement, as_of)
    dates = dates_of(agreement, as_of)
    status = status_of(agreement, as_of)
    ended = dates is None or dates.ended
    # The notice in force as it stood on as_of (received by then and not withdrawn).
    notice = termination_on(agreement, as_of)
    facts["period_start"] = dates.current_period_start if dates else None
    facts["period_end"] = dates.current_period_end if dates else None
    facts["deadline"] = dates.last_notice_date if dates else None

    if decision == "forlangning":
        if terms.extension_months is None:
            raise _does_not_fit(
                _(
                    "Avtalet har ingen förlängningsregel, så det förlängs inte av att det inte "
                    "sägs upp. Välj uppsägning eller nytt avtal."
                )
            )
        if ended:
            raise _does_not_fit(_("Avtalet har redan upphört; det kan inte förlängas."))
        if notice is not None:
            raise _does_not_fit(
                _(
                    "Avtalet är redan uppsagt (upphör %(d)s); det förlängs inte.",
                    d=iso(notice.effective_end_date),
                )
            )
        facts.update(_forlangning_facts(terms, dates))
    elif decision == "uppsagning":
        if notice is not None:
            raise _does_not_fit(
                _("Avtalet är redan uppsagt (upphör %(d)s).", d=iso(notice.effective_end_date))
            )
        if ended or status == "ended":
            raise _does_not_fit(_("Avtalet har redan upphört; det kan inte sägas upp."))
        decided = decision_date or as_of
        if decided < as_of:
            message = _("Beslutsdagen kan inte vara före skrivelsens datum.")
            raise ValidationError(message, {"decision_date": message})
        facts.update(_uppsagning_facts(terms, decided))
    elif decision == "nytt_avtal":
        if ended or status == "ended":
            raise _does_not_fit(
                _(
                    "Avtalet har redan upphört. Lägg upp det nya avtalet som ett eget avtal och "
                    "skriv förslaget från det."
                )
            )
        facts.update(_nytt_avtal_facts(agreement, terms, dates, notice, as_of))
    else:  # upphandling
        facts["years"] = None
    return facts


# --- Economics ---------------------------------------------------------------------------------


def _percent(value: Decimal) -> str:
    return plain_decimal(value).replace(".", ",") + " %"


def _line_words(line: Any, names: dict[str, str]) -> str:
    """ "Lokaler: 263 426 kr i 2019 års prisnivå, räknas om årligen med Omsorgsprisindex (OPI)
    från 2021." """
    text = f"{line.label}: {format_sek(line.amount)} i {line.price_level_year} års prisnivå"
    if line.series_code:
        name = names.get(line.series_code, line.series_code)
        first = line.first_adjusted_year or line.price_level_year + 1
        text += f", räknas om årligen med {name} från {first}"
    else:
        text += ", fast belopp"
    if line.from_year:
        text += f" (ingår från {line.from_year})"
    return text + "."


def economy_years(
    agreement: Agreement, years: tuple[int, int] | None, as_of: date
) -> tuple[int, int] | None:
    """The years the economics show: the decision's years, never outside the agreement's term
    (its start year to its last day as it stood on `as_of`), at most ten."""
    if years is None:
        return None
    first, last = years
    if agreement.start_date is not None and years[0] < agreement.start_date.year:
        first = agreement.start_date.year
    ends = last_day(agreement, as_of)
    if ends is not None and agreement.start_date is not None:
        last = min(last, ends.year) if first <= ends.year else last
    last = min(last, first + 9)
    return (first, last) if first <= last else None


def _economy(
    agreement: Agreement, years: tuple[int, int] | None, own_name: str, as_of: date, decision: str
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    table: list[dict[str, Any]] = []
    share_rows: list[dict[str, str]] = []
    sentences: list[str] = []
    missing_years: dict[str, list[int]] = {}
    posts: list[str] = []
    finance = _finance()
    has_fte = bool(fields_on(agreement, as_of)["fte"])
    if finance is not None and years is not None:
        from app.indexation.services import series_names

        money = finance.load_money([agreement.id], as_of).get(agreement.id)
        lines = money.lines if money is not None else []
        names = series_names({ln.series_code for ln in lines if ln.series_code})
        try:
            results = finance.compensation_years(
                agreement, years[0], years[1], index_known_on=as_of, as_of=as_of
            )
            party = finance.party_names(agreement)
        except (DomainError, ValueError, LookupError):
            results, party = [], {}
        if lines and any(r.items for r in results):
            posts = [_line_words(ln, names) for ln in lines]
            for r in results:
                mark = " *" if r.preliminary else ""
                for item in r.items:
                    if item.amount == 0 and item.factor is not None and len(r.items) > 1:
                        continue  # a call-off line before its first year
                    table.append(
                        {
                            "ar": str(r.year),
                            "post": item.label,
                            "belopp": format_sek(item.amount)
                            if item.amount is not None
                            else "ej fastställt",
                            "summa": False,
                        }
                    )
                    for point in item.chain:
                        if point.preliminary:
                            name = _series_name_of(lines, item.label, names)
                            sentence = (
                                f"{name} för {point.year} är preliminärt "
                                f"({_percent(point.percent)}); beloppet kan ändras när det "
                                "slutliga värdet är känt."
                            )
                            if sentence not in sentences:
                                sentences.append(sentence)
                total = format_sek(r.total) if r.total is not None else "ej fastställt"
                if len(r.items) > 1:
                    table.append(
                        {
                            "ar": str(r.year),
                            "post": "Summa ersättning",
                            "belopp": total,
                            "summa": True,
                        }
                    )
                if has_fte:
                    grant = format_sek(r.statsbidrag) if r.statsbidrag is not None else "ej känt"
                    net = format_sek(r.net) if r.net is not None else "ej fastställt"
                    table.append(
                        {
                            "ar": str(r.year),
                            "post": "Statsbidrag",
                            "belopp": grant,
                            "summa": False,
                        }
                    )
                    table.append(
                        {"ar": str(r.year), "post": "Nettokostnad", "belopp": net, "summa": True}
                    )
                for missing in r.missing:
                    code = getattr(missing, "series_code", None)
                    if code is not None:
                        key = names.get(code, "Indexvärdet")
                    elif hasattr(missing, "year"):
                        key = ""  # the statsbidrag rate
                    else:
                        continue
                    years_missing = missing_years.setdefault(key, [])
                    if missing.year not in years_missing:
                        years_missing.append(missing.year)
                rows.append(
                    {
                        "ar": str(r.year),
                        "markering": mark,
                        "ersattning": total,
                        "statsbidrag": (
                            format_sek(r.statsbidrag) if r.statsbidrag is not None else "ej känt"
                        )
                        # Länsstyrelsen's recorded decision, not FTE × rate (app.grants).
                        + (" (beviljat)" if r.statsbidrag_basis == "granted" else ""),
                        "netto": format_sek(r.net) if r.net is not None else "ej fastställt",
                        "preliminar": r.preliminary,
                        "saknas": "; ".join(
                            f"{names.get(m.series_code, 'Indexvärdet')} {m.year}"
                            if hasattr(m, "series_code")
                            else f"Statsbidrag {m.year}"
                            for m in r.missing
                            if hasattr(m, "year")
                        ),
                    }
                )
                for org_id, amount in r.shares:
                    share_rows.append(
                        {
                            "ar": str(r.year),
                            "markering": mark,
                            "part": str(party.get(org_id, org_id)),
                            # Split to öre by largest remainder: shown to the öre, so the
                            # shares visibly add up to the net cost.
                            "belopp": format_sek(amount, decimals=True),
                        }
                    )
    for name, missing_list in missing_years.items():
        years_text = join_names([str(y) for y in sorted(missing_list)])
        if not name:
            sentences.append(
                f"Statsbidraget per årsarbetare för {years_text} är ännu inte känt; "
                "nettokostnaden räknas fram när det är känt."
            )
        elif len(missing_list) == 1:
            sentences.append(
                f"{name} för {years_text} är ännu inte fastställt; beloppet räknas fram när "
                "det är känt."
            )
        else:
            sentences.append(
                f"{name} för {years_text} är ännu inte fastställt; beloppen räknas fram när "
                "värdena är kända."
            )
    budget = f"Ersättning för verksamheten finns inom {_genitive(own_name)} budget."
    if decision == "upphandling" and not rows:
        default_text = "Upphandlingen ryms inom befintlig budgetram."
    elif rows:
        default_text = (
            "Beloppen räknas om årligen enligt avtalet. "
            + (
                "Nettokostnaden är ersättningen minus statsbidraget: det beviljade beloppet där "
                "Länsstyrelsens beslut finns, annars det förväntade. "
                if has_fte
                else ""
            )
            + budget
        )
    else:
        default_text = budget
    return {
        "ekonomi_rader": rows,
        "ekonomi_tabell": table,
        "ekonomi_poster": posts,
        "ekonomi_meningar": sentences,
        "andelar_rader": share_rows,
        "ekonomi_not": " ".join(sentences),
        "default_ekonomi_text": default_text,
    }


def _series_name_of(lines: list, label: str, names: dict[str, str]) -> str:
    for line in lines:
        if line.label == label and line.series_code:
            return names.get(line.series_code, "Indexvärdet")
    return "Indexvärdet"


def _amendment_sentences(agreement: Agreement, as_of: date) -> str:
    """The tilläggsavtal in force on `as_of`, in order ("Avtalet ändrades genom tilläggsavtal
    (SOCN 2025-7) från 2026-01-01.")."""
    sentences = []
    for amendment in sorted(agreement.amendments, key=lambda a: (a.effective_date, a.id)):
        if amendment.withdrawn_at is None and amendment.effective_date <= as_of:
            dnr = f" ({amendment.diarienummer})" if amendment.diarienummer else ""
            sentences.append(
                f"Avtalet ändrades genom tilläggsavtal{dnr} från "
                f"{amendment.effective_date.isoformat()}."
            )
    return " ".join(sentences)


# --- Hooks for facts other packages record ----------------------------------------------------


def statistics_for(agreement: Agreement, as_of: date) -> Statistics | None:
    """The latest year's recorded statistics known on `as_of` (persons, by municipality): the
    statistics of a year are reported after it, so the years before `as_of`'s."""
    from app.grants import services as grants
    from app.grants.models import YearStatistics

    year = db.session.execute(
        db.select(db.func.max(YearStatistics.year)).where(
            YearStatistics.agreement_id == agreement.id, YearStatistics.year < as_of.year
        )
    ).scalar()
    summary = grants.statistics_for(agreement.id, year) if year is not None else None
    if summary is None:
        return None
    # "varav 25 från Åtvidaberg": the huvudman's own persons are the rest, as the seeds write it.
    own = {p.organisation.name for p in agreement.parties if p.role in ("huvudman", "bestallare")}
    others = tuple((n, k) for n, k in summary.by_municipality.items() if n not in own)
    return Statistics(year=summary.year, persons=summary.persons, by_municipality=others)


def predecessor_of(agreement: Agreement) -> Predecessor | None:
    """The agreement this one follows (the successor chain), as the draft refers to it."""
    before = agreement.predecessor
    if before is None:
        return None
    return Predecessor(
        title=before.title,
        diarienummer=before.diarienummer,
        start=before.start_date,
        end=last_day(before),
    )


# --- The official's choices --------------------------------------------------------------------


@dataclass
class Choices:
    """What the official chooses on the form (or in the API body); None: the decision's default."""

    decision_date: date | None = None
    samrad: str | None = None
    mbl: str | None = None
    barn: str | None = None
    #: organisation id → "verkstallighet" | "kannedom" | "ingen".
    recipients: dict[int, str] = field(default_factory=dict)
    #: Further recipients, one per line (för kännedom).
    extra_recipients: str | None = None
    second_signatory_id: int | None = None
    include_description: bool = False
    texts: dict[str, str | None] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        return {
            "decision_date": iso(self.decision_date) or None,
            "samrad": self.samrad,
            "mbl": self.mbl,
            "barn": self.barn,
            "recipients": {str(k): v for k, v in self.recipients.items()},
            "extra_recipients": self.extra_recipients,
            "second_signatory_id": self.second_signatory_id,
            "include_description": self.include_description,
        }


def default_choice(decision: str, agreement: Agreement, name: str) -> str:
    """The form's default for samråd, MBL and barnkonsekvens per decision."""
    if name == "samrad":
        return {"forlangning": "samtycker", "uppsagning": "informeras", "nytt_avtal": "skett"}.get(
            decision, "ingen"
        )
    if name == "mbl":
        # A termination or a procurement may change the staff's conditions: MBL 11 §.
        return "forhandling" if decision in ("uppsagning", "upphandling") else "ej_pakallat"
    return "narstaende" if decision == "nytt_avtal" else "vuxna"


def recipient_parties(agreement: Agreement, own_org_id: int | None) -> list[tuple[int, str, str]]:
    """(organisation id, name, role) of every party except the deciding organisation."""
    seen: list[tuple[int, str, str]] = []
    for party in agreement.parties:
        if party.organisation_id == own_org_id:
            continue
        if all(party.organisation_id != s[0] for s in seen):
            seen.append((party.organisation_id, party.organisation.name, party.role))
    return seen


def default_recipient(decision: str, role: str) -> str:
    """The provider acts on the decision (för verkställighet); other parties are informed. A
    procurement is not sent to the incumbent provider."""
    if role == "utforare":
        return "ingen" if decision == "upphandling" else "verkstallighet"
    return "kannedom"


def _validate_choices(choices: Choices) -> None:
    errors: dict[str, str] = {}
    for name, allowed in (("samrad", SAMRAD_CHOICES), ("mbl", MBL_CHOICES), ("barn", BARN_CHOICES)):
        value = getattr(choices, name)
        if value is not None and value not in allowed:
            errors[name] = _("Välj ett av: %(all)s.", all=", ".join(allowed))
    for org_id, value in choices.recipients.items():
        if value not in RECIPIENT_CHOICES:
            errors[f"recipients.{org_id}"] = _(
                "Välj ett av: %(all)s.", all=", ".join(RECIPIENT_CHOICES)
            )
    if choices.extra_recipients and len(choices.extra_recipients) > 2000:
        errors["extra_recipients"] = _("Högst %(n)s tecken.", n=2000)
    too_long = {
        name: _("Högst %(n)s tecken.", n=MAX_TEXT_LENGTH)
        for name, value in choices.texts.items()
        if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH
    }
    errors.update(too_long)
    if choices.decision_date is not None and (msg := date_out_of_range(choices.decision_date)):
        errors["decision_date"] = msg
    if errors:
        raise ValidationError(_("Rätta uppgifterna som är markerade."), errors)


# --- The context -------------------------------------------------------------------------------


def own_organisation(agreement: Agreement):
    """The deciding organisation: the board's, else the party that is huvudman, beställare or
    finansiär (in that order); None when nothing tells."""
    if agreement.board is not None:
        return agreement.board.organisation
    for role in ("huvudman", "bestallare", "finansiar"):
        for party in agreement.parties:
            if party.role == role:
                return party.organisation
    return None


def _providers(agreement: Agreement, own_org_id: int | None) -> list[str]:
    """Who runs the activity: the agreement's utförare; for an agreement without one (a
    samverkansavtal between municipalities), the utförare of the board's one verksamhetsuppdrag
    or procured contract in force, when there is exactly one."""
    names = [p.organisation.name for p in agreement.parties if p.role == "utforare"]
    if names or agreement.board_id is None:
        return list(dict.fromkeys(names))
    from app.agreements.models import AgreementParty
    from app.extensions import db

    rows = db.session.execute(
        db.select(AgreementParty)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(
            Agreement.board_id == agreement.board_id,
            Agreement.id != agreement.id,
            Agreement.kind.in_(("verksamhetsuppdrag", "upphandlat_avtal")),
            Agreement.stage == "decided",
            AgreementParty.role == "utforare",
        )
    ).scalars()
    found = list(dict.fromkeys(p.organisation.name for p in rows))
    return found if len(found) == 1 else []


def _definite_title(title: str) -> str:
    """ "Arbetsmarknads- och socialdirektör" → "arbetsmarknads- och socialdirektören"."""
    low = title[:1].lower() + title[1:]
    if low.endswith(("chef", "direktör")):
        return low + "en"
    return ""


def _term_words(start: date | None, end: date | None) -> str:
    """ "för åren 2023–2024", "för år 2025", "för tiden 2023-03-01–2024-02-29", "från … tills
    vidare"."""
    if start is None:
        return f"för tiden {PLACEHOLDER}"
    if end is None:
        return f"från {iso(start)} tills vidare"
    if (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31):
        if start.year == end.year:
            return f"för år {start.year}"
        return f"för åren {start.year}–{end.year}"
    return f"för tiden {iso(start)}–{iso(end)}"


def build_context(
    agreement: Agreement,
    decision: str,
    as_of: date,
    choices: Choices | None = None,
    statistics: Statistics | None = None,
    predecessor: Predecessor | None = None,
    second_signatory: Any = None,
) -> dict[str, Any]:
    """The complete, JSON-serialisable context for a draft of `decision` as of `as_of`.

    `choices` are the official's (None: every default). `statistics` and `predecessor` are
    written into the Bakgrund when given; `second_signatory` (a Person) signs beside the
    official. Raises ValidationError when the decision does not fit or a choice is invalid.
    """
    if message := date_out_of_range(as_of):
        raise ValidationError(message, {"as_of": message})
    choices = choices or Choices()
    _validate_choices(choices)
    texts = dict(choices.texts or {})
    facts = decision_facts(agreement, decision, as_of, choices.decision_date)
    decision_date = choices.decision_date or as_of

    own_org = own_organisation(agreement)
    own_id = own_org.id if own_org is not None else None
    own_name = own_org.name if own_org is not None else PLACEHOLDER
    namnd = agreement.board.name if agreement.board is not None else PLACEHOLDER
    forvaltning = agreement.administration.name if agreement.administration else ""
    parties = _counterparties(agreement, own_id)
    parties_text = join_names(parties) or PLACEHOLDER
    indef, definite, pronoun = _KIND_PHRASES[agreement.kind]
    person = agreement.responsible_person
    terms = terms_as_of(agreement, as_of) if agreement.start_date is not None else None
    if terms is None:
        notice = PLACEHOLDER
    elif terms.notice_period_months:
        notice = duration_words(terms.notice_period_months)
    else:
        notice = f"{terms.notice_period_days} dagar"

    def text(name: str, default: str) -> str:
        value = texts.get(name)
        return clean_text(value if value is not None and value.strip() else default)

    verksamhet = text("verksamhet", "personligt ombud")
    subject = f"{definite} med {parties_text} avseende {verksamhet}"
    period_start = iso(facts.get("period_start"))
    period_end = iso(facts.get("period_end"))
    deadline = iso(facts.get("deadline"))
    current_deadline = iso(facts.get("current_deadline"))
    proposer = forvaltning or namnd
    intro = f"{namnd} beslutar"
    providers = _providers(agreement, own_id)
    points: list[str]
    term_span = ""

    if decision == "forlangning":
        next_start = iso(facts["next_start"])
        next_end = iso(facts["next_end"])
        title = f"{_cap(verksamhet)}, {indef} med {parties_text}"
        points = [
            f"{_cap(subject)} sägs inte upp varvid {pronoun} förlängs i "
            f"{facts['extension_words']} till och med {next_end}."
        ]
        summary = f"{_cap(subject)} förlängs till och med {next_end} om {pronoun} inte sägs upp."
        situation = f"Nuvarande avtalsperiod löper {period_start}–{period_end}"
        if facts.get("extended_to"):
            # The current period's last day for notice has passed: the decision is about the
            # period it has already been extended into, and the extension after that.
            situation += (
                f". Sista dag för uppsägning av den perioden ({current_deadline}) har passerat, "
                f"så {definite} förlängs till och med {iso(facts['extended_to'])} och sista dag "
                f"för uppsägning är {deadline}."
            )
        else:
            situation += f" och sista dag för uppsägning är {deadline}."
        arendet = (
            f"{namnd} har att ta ställning till uppsägning av {subject}."
            + (f" Verksamheten utförs av {join_names(providers)}." if providers else "")
            + f" {situation} Sägs {definite} inte upp senast då förlängs {pronoun} i "
            f"{facts['extension_words']}, för perioden {next_start}–{next_end}.\n\n"
            f"{proposer} föreslår att {definite} inte sägs upp varvid {pronoun} "
            f"förlängs till och med {next_end}."
        )
        term_span = f"för perioden {next_start}–{next_end}"
    elif decision == "uppsagning":
        end = iso(facts["end"])
        title = f"{_cap(verksamhet)}, {indef} med {parties_text} – uppsägning"
        points = [f"{_cap(subject)} sägs upp att upphöra {end}."]
        points.append(
            f"{proposer} får i uppdrag att skriftligen säga upp {definite} "
            f"hos {parties_text}" + (f" senast {deadline}." if deadline else ".")
        )
        summary = f"{_cap(subject)} föreslås sägas upp att upphöra {end}."
        if facts.get("runs_out") and not facts.get("late"):
            when = (
                f"{_cap(definite)} förlängs inte efter {end} och upphör då även utan "
                f"uppsägning. Sista dag för uppsägning är {deadline or current_deadline}; "
                f"en uppsägning bekräftar att {pronoun} upphör {end}."
            )
        elif deadline:
            when = (
                f"Sista dag för uppsägning är {deadline}. Sägs {definite} upp senast då "
                f"upphör {pronoun} {end}."
            )
        elif facts.get("ends_anyway"):
            when = (
                f"Sista dag för uppsägning av nuvarande period ({current_deadline}) har "
                f"passerat, men {definite} förlängs inte efter {end} och upphör då."
            )
        else:  # tills vidare: the end follows from the day the notice is received
            when = (
                f"Tas uppsägningen emot {iso(facts['received'])}, den dag nämnden beslutar, "
                f"upphör {definite} {end}."
            )
        arendet = (
            f"{namnd} har att ta ställning till uppsägning av {subject}. Uppsägningstiden är "
            f"{notice}. {when}\n\n{proposer} föreslår att {definite} sägs upp."
        )
        if facts.get("late") and current_deadline and not facts.get("ends_anyway"):
            arendet += (
                f" Sista dag för uppsägning av nuvarande period ({current_deadline}) har "
                f"passerat, så {definite} upphör först {end}."
            )
        term_span = f"till och med {end}"
    elif decision == "nytt_avtal":
        new_start = facts.get("new_start")
        new_end = facts.get("new_end")
        term_span = _term_words(new_start, new_end)
        title = f"Förslag till {indef} med {parties_text} {term_span}"
        signer_title = (
            _definite_title(second_signatory.title or "") if second_signatory is not None else ""
        )
        leader = signer_title or (
            f"{_genitive(forvaltning)} chef" if forvaltning else "förvaltningschefen"
        )
        points = [
            f"att ge {leader} i uppdrag att teckna {indef} med {parties_text} avseende "
            f"{verksamhet} {term_span},",
            f"att uppdraget ska redovisas till nämnden i enlighet med den ordinarie "
            f"uppföljningen av {definite} vid varje helårsskifte.",
        ]
        summary = (
            f"Förslag om {indef} mellan {proposer[:1].lower() + proposer[1:]} och "
            f"{parties_text} avseende {verksamhet} {term_span}."
        )
        arendet = (
            f"{_cap(indef)} med {parties_text} avseende {verksamhet} {term_span}. "
            f"{_cap(definite)} anger parternas respektive insatser och ansvarsområden."
        )
    else:  # upphandling
        title = f"Upphandling av {verksamhet}"
        points = [f"{namnd} beslutar att upphandla {verksamhet}."]
        intro = f"{_cap(_genitive(proposer))} förslag"
        summary = f"Förslag att upphandla {verksamhet}."
        arendet = (
            f"{proposer} föreslår att {namnd[:1].lower() + namnd[1:]} beslutar att "
            f"upphandla {verksamhet}. Den som upphandlas utför verksamheten enligt ett avtal "
            f"med kommunen, som fortsatt är huvudman och söker statsbidraget."
        )

    # Bakgrund, from structured facts.
    economy = _economy(
        agreement, economy_years(agreement, facts.get("years"), as_of), namnd, as_of, decision
    )
    huvudman = next((p.organisation.name for p in agreement.parties if p.role == "huvudman"), None)
    if huvudman is None and decision == "upphandling" and own_org is not None:
        huvudman = own_org.name  # the municipality stays huvudman of what it procures
    municipalities = tuple(
        p.organisation.name
        for p in agreement.parties
        if p.organisation.kind == "kommun" and p.organisation.name != huvudman
    )
    shares = []
    finance = _finance()
    if finance is not None and hasattr(finance, "shares_of"):
        shares = [
            (s.organisation.name, _fraction_words(s.fraction)) for s in finance.shares_of(agreement)
        ]
    grant_year, grant_amount = _grant_for(agreement, facts.get("years"), as_of)
    case = casetext.CaseFacts(
        as_of=as_of,
        namnd=namnd,
        kind_indefinite=indef,
        kind_definite=definite,
        counterparties=parties_text,
        verksamhet=verksamhet,
        start=terms.start_date if terms else None,
        # A new agreement not yet begun is what the draft proposes, not a decided fact.
        decided=agreement.stage == "decided"
        and not (decision == "nytt_avtal" and terms is not None and terms.start_date > as_of),
        providers=tuple(providers),
        huvudman=huvudman,
        other_municipalities=municipalities if huvudman else (),
        fte=fields_on(agreement, as_of)["fte"],
        grant_year=grant_year,
        grant_amount=grant_amount,
        shares=tuple(shares),
        period_start=facts.get("period_start"),
        period_end=facts.get("period_end"),
        open_ended=terms is not None and facts.get("period_end") is None,
        deadline=facts.get("deadline") if decision != "upphandling" else None,
        statistics=statistics,
        predecessor=predecessor,
    )
    paragraphs = casetext.background(case)
    if amended := _amendment_sentences(agreement, as_of):
        paragraphs.append(amended)
    if choices.include_description and agreement.description:
        paragraphs.append(agreement.description)
    bakgrund = text("bakgrund", "\n\n".join(paragraphs))

    obligations = [o.title for o in agreement.obligations if o.active]
    uppfoljning = (
        "Verksamheten följs upp enligt avtalet: " + "; ".join(obligations) + "."
        if obligations
        else "Verksamheten följs upp genom en årlig verksamhetsberättelse som redovisas till "
        "förvaltningen."
    )

    samrad_choice = choices.samrad or default_choice(decision, agreement, "samrad")
    if not parties and samrad_choice != "ingen":
        samrad_choice = "ingen"
    samrad = {
        "samtycker": f"Samråd har skett med {parties_text} som samtycker till förslaget"
        + (f" om förlängning av {definite}." if decision == "forlangning" else "."),
        "skett": f"Samråd har skett med {parties_text}.",
        "informeras": f"{parties_text} informeras om förslaget innan nämnden beslutar.",
        "ingen": "Samråd med andra parter har inte bedömts nödvändigt.",
    }[samrad_choice]
    beredning = f"Ärendet har beretts av {proposer}"
    beredning += (
        f" i samråd med {parties_text}." if samrad_choice in ("samtycker", "skett") else "."
    )
    mbl = {
        "ej_pakallat": "Information enligt lagen om medbestämmande är ej påkallat.",
        "information": "Information enligt 19 § lagen (1976:580) om medbestämmande i "
        "arbetslivet lämnas till de fackliga organisationerna innan nämnden beslutar.",
        "forhandling": "Beslutet kan innebära en viktigare förändring för arbetstagarna. "
        "Förhandling enligt 11 § lagen (1976:580) om medbestämmande i arbetslivet ska "
        "ske innan nämnden beslutar.",
    }[choices.mbl or default_choice(decision, agreement, "mbl")]
    barn = {
        "vuxna": "Den verksamhet som avses i beslutet berör främst vuxna personer. Barn och "
        "unga har inte deltagit i beredningen eftersom verksamheten vänder sig till vuxna.",
        "narstaende": "Verksamheten bidrar till att minska psykisk ohälsa och ge stöd till "
        "återhämtning. Den avlastar närstående och kan stärka föräldraskapet genom bättre "
        "mående hos den enskilde och tillgång till stödinsatser.",
        "fyll_i": f"{PLACEHOLDER} (beskriv hur beslutet påverkar barn och unga).",
    }[choices.barn or default_choice(decision, agreement, "barn")]

    # Recipients: never the deciding organisation itself.
    to_act: list[str] = []
    to_know: list[str] = []
    for org_id, name, role in recipient_parties(agreement, own_id):
        how = choices.recipients.get(org_id) or default_recipient(decision, role)
        if how == "verkstallighet":
            to_act.append(name)
        elif how == "kannedom":
            to_know.append(name)
    extra = choices.extra_recipients
    if extra is None and decision == "upphandling":
        extra = "\n".join(p.name for p in (person, second_signatory) if p is not None)
    for line in (extra or "").splitlines():
        line = _XML_ILLEGAL.sub("", line).strip()
        if line and line not in to_know and line not in to_act:
            to_know.append(line)

    # Documents of the case.
    underlag = [
        f"{_cap(_genitive(proposer))} tjänsteskrivelse {iso(as_of)}, {title} (denna skrivelse)"
    ]
    if terms is not None and decision != "upphandling":
        if terms.extension_months:
            term = (
                f"sedan {iso(terms.start_date)}, förlängs "
                f"{duration_words(terms.extension_months)} i taget"
            )
        elif terms.end_date:
            term = f"{iso(terms.start_date)}–{iso(terms.end_date)}"
        else:
            term = f"från {iso(terms.start_date)} tills vidare"
        underlag.append(f"{_cap(indef)} med {parties_text} avseende {verksamhet}, {term}")
    if agreement.decided_on:
        underlag.append(f"{_genitive(namnd).capitalize()} beslut {iso(agreement.decided_on)}")
    if predecessor is not None:
        underlag.append(
            predecessor.title
            + (f" ({predecessor.diarienummer})" if predecessor.diarienummer else "")
        )

    title_of_person = (person.title or "") if person else ""
    if title_of_person == forvaltning:
        title_of_person = ""  # the förvaltning line below says it already

    context: dict[str, Any] = {
        "beslut": decision,
        "beslut_namn": str(DECISION_LABELS[decision]),
        "kommun": own_name,
        "namnd": namnd,
        "forvaltning": forvaltning,
        "datum": iso(as_of),
        "datum_lang": long_date(as_of),
        "beslutsdatum": iso(decision_date),
        "diarienummer": agreement.diarienummer or PLACEHOLDER,
        "rubrik": title,
        "avtal_titel": agreement.title,
        "avtalstyp": indef,
        "verksamhet": verksamhet,
        "parter": parties,
        "parter_text": parties_text,
        "avtal_sedan": iso(agreement.start_date),
        "avtal_slut": (iso(agreement.end_date) if agreement.end_date else "tills vidare")
        if agreement.start_date
        else "",
        "avtalsperiod": term_span,
        "period_start": period_start,
        "period_slut": period_end,
        "sista_dag_uppsagning": deadline,
        "forlangs_fran": iso(facts.get("next_start")),
        "forlangs_till": iso(facts.get("next_end")),
        "forlangning_langd": facts.get("extension_words", ""),
        "upphor": iso(facts.get("end")),
        "nytt_fran": iso(facts.get("new_start")),
        "nytt_till": (
            (iso(facts.get("new_end")) or "tills vidare") if facts.get("new_start") else ""
        ),
        "beslut_inledning": intro,
        "beslutspunkter": points,
        "sammanfattning": summary,
        "beslutsunderlag": underlag,
        "arendet": text("arendet", arendet),
        "bakgrund": bakgrund,
        "bakgrund_stycken": bakgrund.split("\a"),
        "beredning": beredning,
        "ekonomi_poster": economy["ekonomi_poster"],
        "ekonomi_tabell": economy["ekonomi_tabell"],
        "ekonomi_meningar": economy["ekonomi_meningar"],
        "ekonomi_rader": economy["ekonomi_rader"],
        "andelar_rader": economy["andelar_rader"],
        "ekonomi_not": economy["ekonomi_not"],
        "ekonomi_text": text("ekonomi_text", economy["default_ekonomi_text"]),
        "samrad": samrad,
        "barnkonsekvens": barn,
        "mbl": mbl,
        "uppfoljning": text("uppfoljning", uppfoljning),
        "handlaggare": person.name if person else PLACEHOLDER,
        "handlaggare_titel": title_of_person,
        "handlaggare_forvaltning": forvaltning,
        "medundertecknare": second_signatory.name if second_signatory is not None else "",
        "medundertecknare_titel": (second_signatory.title or "")
        if second_signatory is not None
        else "",
        "mottagare_verkstallighet": to_act,
        "mottagare_kannedom": to_know,
        "skickas_till": to_act + to_know,
    }
    assert set(context) == set(VARIABLES), set(context) ^ set(VARIABLES)
    return _sanitize(context)


def _fraction_words(fraction: Any) -> str:
    return f"{fraction.numerator}/{fraction.denominator}" if fraction.denominator != 1 else "hela"


def _grant_for(
    agreement: Agreement, years: tuple[int, int] | None, as_of: date
) -> tuple[int | None, Decimal | None]:
    """The statsbidrag expected for the first year the decision concerns (FTE × the year's
    rate), or for the draft's year; (None, None) without FTE or rate."""
    finance = _finance()
    if finance is None or not hasattr(finance, "grant_rates"):
        return None, None
    rates = finance.grant_rates()
    for year in ([years[0]] if years else []) + [as_of.year]:
        # The årsarbetare in force that year (a tilläggsavtal may have changed them).
        fte = finance.fte_for_year(agreement, year, as_of) if year in rates else None
        if fte:
            return year, (Decimal(fte) * Decimal(rates[year])).quantize(Decimal(1))
    return None, None


def default_texts(context: dict[str, Any]) -> dict[str, str]:
    """The editable texts of a context, as a form shows them (paragraph marks as blank lines)."""
    return {name: str(context[name]).replace("\a", "\n\n") for name in TEXT_FIELDS}
