"""What a board decision draft says: the facts computed from the agreement on an as-of date,
the default free texts, and the documented variable set the templates may use.

`build_context` returns a plain, JSON-serialisable dict of strings and lists (dates and amounts
already formatted the Swedish way), so the same dict fills the Word template, the HTML preview
and the snapshot kept with each generated draft. Rules come from ``app.agreements.rules`` and
the finance service; nothing here re-computes a date or an amount itself, except the term
proposed for a new agreement (as long as the original term, see ``_same_term``).

Dates are as they stood on the as-of day: the current period is the one the agreement's dates
(and the API) give, a notice counts only if received by then (``termination_on``), and earlier
drafts are those made by then.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.agreements import rules
from app.agreements.models import Agreement
from app.agreements.services import dates_of, status_of, termination_on, terms_of
from app.core.dates import add_months, date_out_of_range
from app.core.errors import DomainError, ValidationError
from app.core.money import format_sek

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
    "samrad",
    "barnkonsekvens",
    "mbl",
    "uppfoljning",
)
TEXT_LABELS = {
    "verksamhet": _l("Verksamhet (avseende …)"),
    "arendet": _l("Ärendet"),
    "bakgrund": _l("Bakgrund"),
    "ekonomi_text": _l("Ekonomiska konsekvenser (text)"),
    "samrad": _l("Samråd"),
    "barnkonsekvens": _l("Barnkonsekvensanalys / Barnets bästa"),
    "mbl": _l("MBL-information"),
    "uppfoljning": _l("Uppföljning och utvärdering"),
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
    "skickas_till": "Lista med mottagare av beslutet (parterna).",
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


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " och " + names[-1]


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


def _missing_data(agreement: Agreement, decision: str) -> dict[str, str]:
    """What a draft cannot be written without: the board that decides (whose organisation is
    "ours" among the parties) and, except for a procurement, the agreement's dates. Details
    the official fills in while editing (diarienummer, name) get a placeholder instead."""
    missing: dict[str, str] = {}
    if agreement.board is None:
        missing["board_id"] = _("Avtalet saknar beslutande nämnd.")
    if decision != "upphandling" and agreement.start_date is None:
        missing["start_date"] = _("Avtalet saknar avtalstid (startdatum).")
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


def _uppsagning_facts(terms: rules.Terms, as_of: date) -> dict[str, Any]:
    """Where notice received on `as_of` ends the agreement, and the last day for that end."""
    received = max(as_of, terms.start_date)
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
        "years": (as_of.year, end.year),
    }


def _nytt_avtal_facts(
    agreement: Agreement, dates: rules.AgreementDates, notice: Any, as_of: date
) -> dict[str, Any]:
    """The new agreement's term: the recorded agreement itself while it is not yet decided or
    begun; otherwise from the day after the current one ends (by a notice in force, else at
    the current period's end, else, tills vidare, as notice given today would end it), for as
    long as the original term."""
    start, end = agreement.start_date, agreement.end_date
    if agreement.stage == "decided" and as_of >= start:
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


def decision_facts(agreement: Agreement, decision: str, as_of: date) -> dict[str, Any]:
    """The computed dates a decision rests on; raises ValidationError when it does not fit.

    `period_start`/`period_end` are the current period as the agreement's dates give it on
    `as_of`; `deadline` is the last day for notice the decision is about.
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
        return facts
    terms = terms_of(agreement)
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
        facts.update(_uppsagning_facts(terms, as_of))
    elif decision == "nytt_avtal":
        if ended or status == "ended":
            raise _does_not_fit(
                _(
                    "Avtalet har redan upphört. Lägg upp det nya avtalet som ett eget avtal och "
                    "skriv förslaget från det."
                )
            )
        facts.update(_nytt_avtal_facts(agreement, dates, notice, as_of))
    else:  # upphandling
        facts["years"] = (as_of.year, as_of.year + 1)
    return facts


def _economy(agreement: Agreement, years: tuple[int, int] | None, own_name: str) -> dict[str, Any]:
    rows: list[dict[str, str]] = []
    share_rows: list[dict[str, str]] = []
    notes: list[str] = []
    finance = _finance()
    if finance is not None and years is not None:
        first, last = years[0], min(years[1], years[0] + 9)
        try:
            results = finance.compensation_years(agreement, first, last)
            names = dict(finance.party_names(agreement)) if hasattr(finance, "party_names") else {}
        except (DomainError, ValueError, LookupError):
            results, names = [], {}
        if any(r.items for r in results):
            for r in results:
                mark = " *" if r.preliminary else ""
                missing = "; ".join(m.message for m in r.missing)
                rows.append(
                    {
                        "ar": str(r.year),
                        "markering": mark,
                        "ersattning": format_sek(r.total) if r.total is not None else "saknas",
                        "statsbidrag": (
                            format_sek(r.statsbidrag) if r.statsbidrag is not None else "saknas"
                        )
                        # Länsstyrelsen's recorded decision, not FTE × rate (app.grants).
                        + (" (beviljat)" if r.statsbidrag_basis == "granted" else ""),
                        "netto": format_sek(r.net) if r.net is not None else "saknas",
                        "preliminar": r.preliminary,
                        "saknas": missing,
                    }
                )
                if missing:
                    notes.append(f"{r.year}: {missing}")
                for org_id, amount in r.shares:
                    share_rows.append(
                        {
                            "ar": str(r.year),
                            "markering": mark,
                            "part": str(names.get(org_id, org_id)),
                            # Split to öre by largest remainder: shown to the öre, so the
                            # shares visibly add up to the net cost.
                            "belopp": format_sek(amount, decimals=True),
                        }
                    )
    note_parts = []
    if any(row["preliminar"] for row in rows):
        note_parts.append(
            "* Preliminärt: beloppet bygger på ett preliminärt indexvärde och kan ändras när "
            "det slutliga värdet är känt."
        )
    if notes:
        note_parts.append("Saknas: " + " ".join(notes))
    if rows:
        default_text = (
            "Ersättningen räknas upp årligen enligt avtalet. Nettokostnaden är ersättningen "
            "minus statsbidraget: det beviljade beloppet där Länsstyrelsens beslut finns, "
            "annars det förväntade. Ersättning för verksamheten finns inom "
            f"{_genitive(own_name)} budget."
        )
    else:
        default_text = f"Ersättning för verksamheten finns inom {_genitive(own_name)} budget."
    return {
        "ekonomi_rader": rows,
        "andelar_rader": share_rows,
        "ekonomi_not": " ".join(note_parts),
        "default_ekonomi_text": default_text,
    }


def build_context(
    agreement: Agreement,
    decision: str,
    as_of: date,
    texts: dict[str, str | None] | None = None,
    earlier_drafts: list[tuple[date, str]] | None = None,
) -> dict[str, Any]:
    """The complete, JSON-serialisable context for a draft of `decision` as of `as_of`.

    `texts` overrides the default free texts (None or absent: the default). `earlier_drafts`
    are (the day a draft was made, in Europe/Stockholm; its decision); the Bakgrund lists those
    made on or before `as_of`. Raises ValidationError naming what is missing or why the
    decision does not fit.
    """
    if message := date_out_of_range(as_of):
        raise ValidationError(message, {"as_of": message})
    texts = dict(texts or {})
    facts = decision_facts(agreement, decision, as_of)
    missing = _missing_data(agreement, decision)
    if missing:
        raise ValidationError(
            _("Förslaget kan inte skrivas: %(what)s", what=" ".join(missing.values())),
            missing,
            code="missing_data",
        )
    too_long = {
        name: _("Högst %(n)s tecken.", n=MAX_TEXT_LENGTH)
        for name, value in texts.items()
        if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH
    }
    if too_long:
        raise ValidationError(_("En text är för lång."), too_long)

    board = agreement.board
    own_org = board.organisation
    namnd = board.name
    forvaltning = agreement.administration.name if agreement.administration else ""
    parties = _counterparties(agreement, own_org.id)
    parties_text = join_names(parties) or own_org.name
    indef, definite, pronoun = _KIND_PHRASES[agreement.kind]
    person = agreement.responsible_person
    notice = (
        f"{agreement.notice_period_months} månader"
        if agreement.notice_period_months
        else f"{agreement.notice_period_days} dagar"
    )

    def text(name: str, default: str) -> str:
        value = texts.get(name)
        return clean_text(value if value is not None else default)

    verksamhet = text("verksamhet", "personligt ombud")
    subject = f"{definite} med {parties_text} avseende {verksamhet}"
    period_start = iso(facts.get("period_start"))
    period_end = iso(facts.get("period_end"))
    deadline = iso(facts.get("deadline"))
    current_deadline = iso(facts.get("current_deadline"))
    since = iso(agreement.start_date)
    intro = f"{namnd} beslutar"
    points: list[str]

    if decision == "forlangning":
        next_start = iso(facts["next_start"])
        next_end = iso(facts["next_end"])
        title = f"{_cap(verksamhet)}, {indef} med {parties_text} – förlängning"
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
            f"{namnd} har att ta ställning till uppsägning av {subject}. {situation} Sägs "
            f"{definite} inte upp senast då förlängs {pronoun} i {facts['extension_words']}, "
            f"för perioden {next_start}–{next_end}.\n\n"
            f"{forvaltning or namnd} föreslår att {definite} inte sägs upp varvid {pronoun} "
            f"förlängs till och med {next_end}."
        )
        samrad = (
            f"Samråd har skett med {parties_text} som samtycker till förslaget om förlängning "
            f"av {definite}."
        )
    elif decision == "uppsagning":
        end = iso(facts["end"])
        title = f"{_cap(verksamhet)}, {indef} med {parties_text} – uppsägning"
        points = [f"{_cap(subject)} sägs upp att upphöra {end}."]
        points.append(
            f"{forvaltning or namnd} får i uppdrag att skriftligen säga upp {definite} "
            f"hos {parties_text}" + (f" senast {deadline}." if deadline else ".")
        )
        summary = f"{_cap(subject)} föreslås sägas upp att upphöra {end}."
        if deadline:
            when = f"Om uppsägningen tas emot senast {deadline} upphör {definite} {end}."
        elif facts.get("ends_anyway"):
            when = (
                f"Sista dag för uppsägning av nuvarande period ({current_deadline}) har "
                f"passerat, men {definite} förlängs inte efter {end} och upphör då."
            )
        else:  # tills vidare: the end follows from the day the notice is received
            when = f"Om uppsägningen tas emot {iso(as_of)} upphör {definite} {end}."
        arendet = (
            f"{namnd} har att ta ställning till uppsägning av {subject}. Uppsägningstiden är "
            f"{notice}. {when}\n\n{forvaltning or namnd} föreslår att {definite} sägs upp."
        )
        if facts.get("late") and current_deadline and not facts.get("ends_anyway"):
            arendet += (
                f" Sista dag för uppsägning av nuvarande period ({current_deadline}) har "
                f"passerat, så {definite} upphör först {end}."
            )
        samrad = f"Samråd har skett med {parties_text} om uppsägningen."
    elif decision == "nytt_avtal":
        start = iso(facts["new_start"])
        end = iso(facts["new_end"])
        span = f"för tiden {start}–{end}" if end else f"från {start} tills vidare"
        title = f"Förslag till {indef} med {parties_text} avseende {verksamhet} {span}"
        leader = f"{_genitive(forvaltning)} chef" if forvaltning else "förvaltningschefen"
        points = [
            f"att ge {leader} i uppdrag att teckna {indef} med {parties_text} avseende "
            f"{verksamhet} {span}.",
            f"att uppdraget ska redovisas till nämnden i enlighet med den ordinarie "
            f"uppföljningen av {definite} vid varje helårsskifte.",
        ]
        summary = f"Förslag om {indef} med {parties_text} avseende {verksamhet} {span}."
        arendet = (
            f"{_cap(indef)} med {parties_text} avseende {verksamhet} {span}. "
            f"{_cap(definite)} anger parternas respektive insatser och ansvarsområden."
        )
        samrad = f"Ärendet har beretts av {forvaltning or namnd} i samråd med {parties_text}."
    else:  # upphandling
        title = f"Upphandling av {verksamhet}"
        points = [f"{namnd} beslutar att upphandla {verksamhet}."]
        intro = f"{_cap(_genitive(forvaltning or namnd))} förslag"
        summary = f"Förslag att upphandla {verksamhet}."
        arendet = (
            f"{forvaltning or namnd} föreslår att {namnd[:1].lower() + namnd[1:]} beslutar att "
            f"upphandla {verksamhet}."
        )
        samrad = (
            f"Samråd har skett med {parties_text}."
            if parties
            else "Samråd har skett inom förvaltningen."
        )

    history = []
    if since:
        history.append(
            f"{namnd} har sedan {since} {indef} med {parties_text} avseende {verksamhet}."
        )
    if agreement.decided_on:
        history.append(f"Avtalet beslutades {iso(agreement.decided_on)}.")
    if (
        agreement.end_date
        and agreement.extension_months
        and facts.get("period_end")
        and facts["period_end"] > agreement.end_date
    ):
        history.append(
            f"Avtalet har förlängts automatiskt; nuvarande period löper till och med {period_end}."
        )
    for when, code in earlier_drafts or []:
        if when <= as_of:
            history.append(
                f"Förslag till beslut om {_DECISION_NOUNS[code]} upprättades {iso(when)}."
            )
    if agreement.description:
        history.append(agreement.description)
    bakgrund = " ".join(history) or f"{_cap(verksamhet)}."

    obligations = [o.title for o in agreement.obligations if o.active]
    uppfoljning = (
        "Verksamheten följs upp enligt avtalet: " + "; ".join(obligations) + "."
        if obligations
        else "Verksamheten följs upp genom en årlig verksamhetsberättelse som redovisas till "
        "förvaltningen."
    )
    economy = _economy(agreement, facts.get("years"), namnd)

    context: dict[str, Any] = {
        "beslut": decision,
        "beslut_namn": str(DECISION_LABELS[decision]),
        "kommun": own_org.name,
        "namnd": namnd,
        "forvaltning": forvaltning,
        "datum": iso(as_of),
        "datum_lang": long_date(as_of),
        "diarienummer": agreement.diarienummer or PLACEHOLDER,
        "rubrik": title,
        "avtal_titel": agreement.title,
        "avtalstyp": indef,
        "verksamhet": verksamhet,
        "parter": parties,
        "parter_text": parties_text,
        "avtal_sedan": since,
        "avtal_slut": iso(agreement.end_date) if agreement.end_date else "tills vidare",
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
        "arendet": text("arendet", arendet),
        "bakgrund": text("bakgrund", bakgrund),
        "ekonomi_rader": economy["ekonomi_rader"],
        "andelar_rader": economy["andelar_rader"],
        "ekonomi_not": economy["ekonomi_not"],
        "ekonomi_text": text("ekonomi_text", economy["default_ekonomi_text"]),
        "samrad": text("samrad", samrad),
        "barnkonsekvens": text(
            "barnkonsekvens",
            "Den verksamhet som avses i beslutet berör främst vuxna personer. Beslutet bedöms "
            "inte påverka barn och unga negativt; stöd till vuxna med psykisk "
            "funktionsnedsättning kan också avlasta närstående och stärka föräldraskapet.",
        ),
        "mbl": text("mbl", "Information enligt lagen om medbestämmande är ej påkallat."),
        "uppfoljning": text("uppfoljning", uppfoljning),
        "handlaggare": person.name if person else PLACEHOLDER,
        "handlaggare_titel": (person.title or "") if person else "",
        "skickas_till": parties or [own_org.name],
    }
    assert set(context) == set(VARIABLES), set(context) ^ set(VARIABLES)
    return _sanitize(context)


def default_texts(context: dict[str, Any]) -> dict[str, str]:
    """The editable texts of a context, as a form shows them (paragraph marks as blank lines)."""
    return {name: str(context[name]).replace("\a", "\n\n") for name in TEXT_FIELDS}
