"""The facts of the five seed documents (../shared/seeds/) as plain data for ``flask demo load``.

Everything here is taken from the documents; where a document is silent and the model needs a
value, the choice is made explicit in a comment next to it. E-mail addresses are fake
(example.se); nobody is contacted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# Organisations with their units (nämnd, förvaltning). Matched on name when loading.
ORGANISATIONS: list[dict] = [
    {
        "name": "Linköpings kommun",
        "kind": "kommun",
        "units": [
            ("Social- och omsorgsnämnden", "namnd"),
            ("Social- och omsorgsförvaltningen", "forvaltning"),
        ],
    },
    {"name": "Åtvidabergs kommun", "kind": "kommun"},
    # Leanlink is Linköpings kommun's own provider organisation (a "beställar-utförar" unit,
    # not a company). The organisation kinds have no "own provider", so it is recorded as
    # "foretag": it is the utförare that invoices the kommun.
    {
        "name": "Leanlink Råd och Stöd",
        "kind": "foretag",
        "notes": "Linköpings kommuns egen utförarorganisation (Leanlink).",
    },
    {"name": "Haninge kommun", "kind": "kommun"},
    {"name": "Tyresö kommun", "kind": "kommun"},
    {"name": "Nynäshamns kommun", "kind": "kommun"},
    {"name": "Samordningsförbundet Östra Södertörn", "kind": "samordningsforbund"},
    {
        "name": "Järfälla kommun",
        "kind": "kommun",
        "units": [("Socialnämnden", "namnd"), ("Socialförvaltningen", "forvaltning")],
    },
    {
        "name": "Lunds kommun",
        "kind": "kommun",
        "units": [
            ("Arbetsmarknads- och socialnämnden", "namnd"),
            ("Arbetsmarknads- och socialförvaltningen", "forvaltning"),
        ],
    },
    {
        "name": "Personligt Ombud Skåne",
        "kind": "forening",
        "notes": "Ideell förening, bildad 2000; ombudsverksamhet i 17 av Skånes 33 kommuner.",
    },
    {"name": "Länsstyrelsen Östergötland", "kind": "myndighet"},
]

# People, matched on name (and organisation) when loading.
PEOPLE: list[dict] = [
    {
        "name": "Linda Ljungqvist",
        "title": "Social- och omsorgsförvaltningen",
        "email": "linda.ljungqvist@linkoping.example.se",
        "organisation": "Linköpings kommun",
        "unit": "Social- och omsorgsförvaltningen",
    },
    {
        "name": "Jenny Wilhelmsson",
        "title": "Socialdirektör",
        "email": "jenny.wilhelmsson@jarfalla.example.se",
        "organisation": "Järfälla kommun",
        "unit": "Socialförvaltningen",
    },
    {
        "name": "Anneli Lagerberg",
        "title": "Avdelningschef äldreomsorg och funktionshinder",
        "email": "anneli.lagerberg@jarfalla.example.se",
        "organisation": "Järfälla kommun",
        "unit": "Socialförvaltningen",
    },
    {
        "name": "Johan Larsson Boström",
        "title": "Utvecklingschef",
        "email": "johan.larsson.bostrom@lund.example.se",
        "organisation": "Lunds kommun",
        "unit": "Arbetsmarknads- och socialförvaltningen",
    },
    {
        "name": "Annika Pettersson",
        "title": "Arbetsmarknads- och socialdirektör",
        "email": "annika.pettersson@lund.example.se",
        "organisation": "Lunds kommun",
        "unit": "Arbetsmarknads- och socialförvaltningen",
    },
    {
        "name": "Siw Lidestål",
        "title": "Socialchef",
        "email": "siw.lidestal@haninge.example.se",
        "organisation": "Haninge kommun",
    },
    {
        "name": "Anna-Lena Engstedt",
        "title": "Sektorschef, Förvaltningen för liv och hälsa",
        "email": "anna-lena.engstedt@tyreso.example.se",
        "organisation": "Tyresö kommun",
    },
    {
        "name": "Charlotte Dahlbom",
        "title": "Socialchef",
        "email": "charlotte.dahlbom@nynashamn.example.se",
        "organisation": "Nynäshamns kommun",
    },
    {
        "name": "Ritva Widgren",
        "title": "Förbundschef",
        "email": "ritva.widgren@ostrasodertorn.example.se",
        "organisation": "Samordningsförbundet Östra Södertörn",
    },
]

# Agreements. "parties" are (organisation name, role); "board"/"administration" are unit
# names; "responsible" and "watchers" are people's names. Obligations follow the Obligation
# model's fields. An agreement is matched on (board, diarienummer) when it has a
# diarienummer, else on its title.
AGREEMENTS: list[dict] = [
    {
        "seed": "000",
        "kind": "samverkansavtal",
        "title": "Personligt ombud, samverkansavtal med Åtvidabergs kommun",
        "description": (
            "Samverkansavtal sedan 2008-01-01 mellan Linköpings kommun (social- och "
            "omsorgsnämnden) och Åtvidabergs kommun om verksamheten Personligt ombud. "
            "Verksamheten utförs av Leanlink Råd och Stöd. Avtalet förlängs två år i taget om "
            "det inte sägs upp. Statsbidrag ca 1,8 miljoner kronor per år, motsvarande hälften "
            "av kostnaden, betalas via länsstyrelsen; Linköpings kommun är sökande kommun även "
            "för de medel som avser Åtvidabergs kommun. Under 2018 fick 197 unika personer "
            "stöd, varav 25 från Åtvidabergs kommun. Varje år skrivs en verksamhetsberättelse "
            "som redovisas till social- och omsorgsförvaltningen. "
            "Antaganden i demodata: uppsägningstiden (6 månader, skriftligen) anges inte i "
            "beslutet; första periodens slut 2010-12-31 är härlett ur att avtalet förlängs två "
            "år i taget till 2022-12-31; ersättningen anges inte (bara statsbidraget), så "
            "ingen ersättningsrad är registrerad."
        ),
        "stage": "decided",
        "board": "Social- och omsorgsnämnden",
        "administration": "Social- och omsorgsförvaltningen",
        "start_date": date(2008, 1, 1),
        # The first term's end (2010-12-31) is inferred from "förlängs i två år till och med
        # 2022-12-31": two-year extensions from 2011 land on 2022-12-31.
        "end_date": date(2010, 12, 31),
        "extension_months": 24,
        "notice_period_months": 6,  # the decision does not quote it; 6 months is the model's
        "notice_must_be_written": True,
        # Six ombud in Leanlink's verksamhetsuppdrag (seed 003) serve Linköping and Åtvidaberg;
        # the samverkansavtal itself states no FTE, so none is recorded here.
        "fte": None,
        "invoicing": "yearly",
        "parties": [
            ("Linköpings kommun", "huvudman"),
            ("Åtvidabergs kommun", "part"),
        ],
        "responsible": "Linda Ljungqvist",
        "obligations": [
            {
                "title": "Verksamhetsberättelse till social- och omsorgsförvaltningen",
                "description": "Varje år skrivs en verksamhetsberättelse (Uppföljning och "
                "utvärdering). Dagen följer verksamhetsuppdraget (seed 003): 31 mars.",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 31,
                "responsible": "Leanlink Råd och Stöd",
            }
        ],
    },
    {
        "seed": "001",
        "kind": "overenskommelse",
        "title": "Överenskommelse avseende Personligt Ombud under 2019 och 2020",
        "description": (
            "Överenskommelse mellan Haninge kommun, Tyresö kommun, Nynäshamns kommun och "
            "Samordningsförbundet Östra Södertörn om Personligt Ombud Östra Södertörn. Haninge "
            "kommun anställer ytterligare ett ombud med samordningsansvar för samtliga kommuner. "
            "Den överskjutande kostnaden för samordnaren delas av de fyra parterna: 110 000 kr "
            "per part för 2019; kostnaden för 2020 justeras med prisökningar och lönerevision. "
            "Ingen automatisk förlängning; en förnyad överenskommelse ska undertecknas i slutet "
            "av 2020. Part kan begära uppsägning under avtalstiden om förutsättningarna "
            "väsentligt förändras. Antaganden i demodata: överenskommelsen anger ingen "
            "uppsägningstid (3 månader är valt för att datumen ska kunna räknas) och inte vem "
            "som skriver rapporterna (här Haninge kommun som huvudman)."
        ),
        "stage": "decided",
        "start_date": date(2019, 1, 1),
        "end_date": date(2020, 12, 31),
        "extension_months": None,
        # The document gives no notice period (only termination if the conditions change
        # substantially); 3 months is a chosen placeholder so the lifecycle can be computed.
        "notice_period_months": 3,
        "notice_must_be_written": False,
        # Four ombud plus the coordinator work in it, but the cost the parties share is "efter
        # avräkning av statsbidrag": the grant is already deducted from the 110 000 kr per
        # party, so no FTE is recorded here (it would deduct the grant a second time).
        "fte": None,
        "invoicing": "yearly",
        "invoicing_party": "Haninge kommun",
        "parties": [
            ("Haninge kommun", "huvudman"),
            ("Tyresö kommun", "part"),
            ("Nynäshamns kommun", "part"),
            ("Samordningsförbundet Östra Södertörn", "finansiar"),
        ],
        "responsible": "Siw Lidestål",
        "watchers": ["Anna-Lena Engstedt", "Charlotte Dahlbom", "Ritva Widgren"],
        "obligations": [
            {
                "title": "Skriftlig rapport till samordningsförbundets ledningsgrupp",
                "description": "Rapportering ska ske skriftligt minst två gånger per år till "
                "samordningsförbundets ledningsgrupp. Datumen 30 juni och 31 december är valda.",
                # Anchored on 31 December, so the half-year date clamps to 30 June.
                "recurrence": "semiannual",
                "due_month": 12,
                "due_day": 31,
                "responsible": "Haninge kommun",
            }
        ],
    },
    {
        "seed": "002",
        "kind": "upphandlat_avtal",
        "title": "Upphandling av personligt ombud",
        "diarienummer": "Dnr son 2018/42",
        "description": (
            "Socialnämnden beslutar att upphandla funktionen personligt ombud som en "
            "brukarstyrd funktion (stiftelse, förening eller annan entreprenör med en styrelse "
            "där brukarorganisationer ingår). Kommunen tillhandahåller lokal, ansöker om "
            "statsbidrag och är fortsatt huvudman. Verksamhetsövergång erbjuds befintlig "
            "personal. Upphandlingen ryms inom befintlig budgetram. Tjänsteskrivelse 2018-01-08."
        ),
        "stage": "procurement",
        "board": "Socialnämnden",
        "administration": "Socialförvaltningen",
        "start_date": None,
        "end_date": None,
        "notice_period_months": None,
        "parties": [("Järfälla kommun", "bestallare")],
        "responsible": "Anneli Lagerberg",
        "watchers": ["Jenny Wilhelmsson"],
        "obligations": [],
    },
    {
        "seed": "003",
        "kind": "verksamhetsuppdrag",
        "title": "Verksamhetsuppdrag Personligt ombud, Leanlink Råd och Stöd",
        "description": (
            "Linköpings kommun genom social- och omsorgsnämnden ger utföraren Leanlink Råd och "
            "Stöd verksamhetsuppdrag att bedriva personligt ombud enligt förordning (2013:522). "
            "Ersättning för 6 årsarbetare: 4 107 597 kr samt lokalkostnad 263 426 kr, båda i "
            "2019 års prisnivå, justeras årsvis med omsorgsprisindex (OPI) från 2021-01-01. "
            "Fakturering via autobokföring med 1/12 per månad, avstämning kvartalsvis. "
            "Statsbidrag 402 638 kr per heltidstjänst (2020 års prisnivå). Beställaren kan "
            "avropa fler årsarbetare till samma ersättning (option). Ansvarsförsäkring 20 mnkr "
            "person- och 20 mnkr sakskada. Antaganden i demodata: ansvarig tjänsteperson "
            "(Linda Ljungqvist, från samverkansavtalet) och att försäkringen löper per "
            "kalenderår."
        ),
        "stage": "decided",
        "board": "Social- och omsorgsnämnden",
        "administration": "Social- och omsorgsförvaltningen",
        "start_date": date(2021, 1, 1),
        "end_date": None,  # tills vidare
        "notice_period_months": 12,
        "notice_must_be_written": True,
        "fte": Decimal("6"),
        "invoicing": "monthly",
        "invoicing_party": "Leanlink Råd och Stöd",
        "parties": [
            ("Linköpings kommun", "bestallare"),
            ("Leanlink Råd och Stöd", "utforare"),
        ],
        "responsible": "Linda Ljungqvist",
        "obligations": [
            {
                "title": "Verksamhetsberättelse",
                "description": "En gång per år, senast 31 mars, en kortfattad "
                "verksamhetsberättelse med utförda prestationer, resultat mot mål och "
                "kvalitetsarbete (avsnitt 8.0).",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 31,
                "responsible": "Leanlink Råd och Stöd",
            },
            {
                "title": "Underlag till redovisning till Länsstyrelsen",
                "description": "Varje år lämnas en redovisning till Länsstyrelsen; "
                "verksamheten bidrar med underlag till förvaltningen. Dokumentet anger inget "
                "datum: 1 mars är valt (samma tid som statsbidragsansökan).",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 1,
                "responsible": "Leanlink Råd och Stöd",
            },
            {
                "title": "Bevis om förnyad ansvarsförsäkring",
                "description": "Bevis om förnyad försäkring senast en vecka före det att "
                "försäkringen går ut (avsnitt 9.1). Antagande: försäkringen löper per "
                "kalenderår och går ut 31 december, så beviset ska in senast 24 december.",
                "recurrence": "yearly",
                "due_month": 12,
                "due_day": 31,
                "relative_to_label": "försäkringen går ut",
                "days_before": 7,
                "responsible": "Leanlink Råd och Stöd",
            },
            {
                "title": "Kvartalsvis avstämning av faktureringen",
                "description": "Faktureringen sker via autobokföring med 1/12 per månad och "
                "stäms av kvartalsvis. Antagande: beställaren gör avstämningen vid varje "
                "kvartals slut.",
                "recurrence": "quarterly",
                "due_month": 3,
                "due_day": 31,
                "responsible": "Linköpings kommun",
            },
            {
                "title": "Statistik",
                "description": "Antal aktuella personer (män och kvinnor), timmar per vecka i "
                "genomsnitt per person, nya personer och kontaktorsak, avslutade personer och "
                "avslutsorsak. Redovisas årligen med verksamhetsberättelsen (31 mars).",
                "recurrence": "yearly",
                "due_month": 3,
                "due_day": 31,
                "responsible": "Leanlink Råd och Stöd",
            },
        ],
    },
    {
        "seed": "004",
        "kind": "iop",
        "title": "Idéburet offentligt partnerskap med Personligt Ombud Skåne 2023–2024",
        "diarienummer": "SO 2022/0229",
        "description": (
            "Överenskommelse om idéburet offentligt partnerskap (IOP) mellan arbetsmarknads- "
            "och socialförvaltningen i Lund och PO Skåne om personlig ombudsverksamhet. "
            "3 000 000 kronor för vardera året 2023 och 2024; för 2024 justeras ersättningen "
            "med den priskompensation som kommunfullmäktige ger nämnden i den årliga budgeten. "
            "Kommunens finansiering är en delfinansiering av PO Skånes verksamhet. Uppdraget "
            "redovisas till nämnden vid varje helårsskifte. Antagande i demodata: förslaget "
            "anger ingen uppsägningstid (3 månader, skriftligen, är valt)."
        ),
        "stage": "decided",
        "decided_on": None,
        "board": "Arbetsmarknads- och socialnämnden",
        "administration": "Arbetsmarknads- och socialförvaltningen",
        "start_date": date(2023, 1, 1),
        "end_date": date(2024, 12, 31),
        "extension_months": None,
        # Fixed term; the proposal gives no notice period. 3 months is a chosen placeholder.
        "notice_period_months": 3,
        "notice_must_be_written": True,
        "fte": None,
        "invoicing": "yearly",
        "parties": [
            ("Lunds kommun", "finansiar"),
            ("Personligt Ombud Skåne", "utforare"),
        ],
        "responsible": "Johan Larsson Boström",
        "watchers": ["Annika Pettersson"],
        "obligations": [
            {
                "title": "Redovisning till nämnden vid helårsskifte",
                "description": "Arbetsmarknads- och socialdirektören redovisar uppdraget till "
                "nämnden i enlighet med den ordinarie uppföljningen av överenskommelsen vid "
                "varje helårsskifte.",
                "recurrence": "yearly",
                "due_month": 12,
                "due_day": 31,
                "responsible": "Lunds kommun",
            }
        ],
    },
]
