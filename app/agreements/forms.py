"""Agreement forms: the agreement with its terms, parties and watchers; attachments."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.agreements.models import AGREEMENT_KINDS, PARTY_ROLES, STAGES
from app.core.forms import DATE_HINT, FlaskForm

KIND_LABELS = {
    "verksamhetsuppdrag": _l("Verksamhetsuppdrag"),
    "samverkansavtal": _l("Samverkansavtal"),
    "overenskommelse": _l("Överenskommelse"),
    "iop": _l("IOP (idéburet offentligt partnerskap)"),
    "upphandlat_avtal": _l("Upphandlat avtal"),
}
ROLE_LABELS = {
    "bestallare": _l("Beställare"),
    "utforare": _l("Utförare"),
    "part": _l("Part"),
    "huvudman": _l("Huvudman"),
    "finansiar": _l("Finansiär"),
}
STAGE_LABELS = {
    "procurement": _l("Upphandling"),
    "draft": _l("Utkast"),
    "decided": _l("Beslutat/undertecknat"),
    "archived": _l("Arkiverat"),
}
STATUS_LABELS = {
    "procurement": _l("Upphandling"),
    "draft": _l("Utkast"),
    "decided": _l("Beslutat, ej påbörjat"),
    "in_force": _l("Gäller"),
    "extended": _l("Förlängt"),
    "notice_given": _l("Uppsagt"),
    "ended": _l("Upphört"),
    "archived": _l("Arkiverat"),
}
INVOICING_LABELS = {
    "monthly": _l("Månadsvis (1/12)"),
    "quarterly": _l("Kvartalsvis"),
    "yearly": _l("En gång per år"),
}


#: The bounds of the terms, one place for the agreement form and the tilläggsavtal form.
NOTICE_MONTHS = (Optional(), NumberRange(min=1, max=120))
NOTICE_DAYS = (Optional(), NumberRange(min=1, max=3660))
EXTENSION_MONTHS = (Optional(), NumberRange(min=1, max=120))
MAX_EXTENSIONS = (Optional(), NumberRange(min=0, max=1000))
FTE_RANGE = (Optional(), NumberRange(min=0, max=1000))


class PartyForm(Form):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    role = SelectField(_l("Roll"), choices=[(r, ROLE_LABELS[r]) for r in PARTY_ROLES])


class AgreementForm(FlaskForm):
    version = HiddenField()
    # The agreement this one renews ("Skapa efterföljande avtal"); kept as it is on edits.
    predecessor_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    kind = SelectField(_l("Avtalstyp"), choices=[(k, KIND_LABELS[k]) for k in AGREEMENT_KINDS])
    title = StringField(_l("Rubrik"), validators=[DataRequired(), Length(max=300)])
    diarienummer = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=100)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional()])
    stage = SelectField(
        _l("Skede"), choices=[(s, STAGE_LABELS[s]) for s in STAGES if s != "archived"]
    )
    board_id = SelectField(_l("Nämnd"), coerce=int, validate_choice=False)
    administration_id = SelectField(_l("Förvaltning"), coerce=int, validate_choice=False)
    responsible_person_id = SelectField(
        _l("Ansvarig tjänsteperson"), coerce=int, validate_choice=False
    )
    watcher_ids = SelectMultipleField(_l("Bevakare"), coerce=int, validate_choice=False)
    decided_on = DateField(_l("Beslutsdatum"), validators=[Optional()], description=DATE_HINT)

    start_date = DateField(_l("Startdatum"), validators=[Optional()], description=DATE_HINT)
    end_date = DateField(
        _l("Slutdatum (tomt = tills vidare)"), validators=[Optional()], description=DATE_HINT
    )
    notice_period_months = IntegerField(_l("Uppsägningstid, månader"), validators=NOTICE_MONTHS)
    notice_period_days = IntegerField(_l("eller uppsägningstid, dagar"), validators=NOTICE_DAYS)
    notice_must_be_written = BooleanField(_l("Uppsägning ska vara skriftlig"))
    notice_ends_at_month_end = BooleanField(_l("Uppsägning gäller till månadens slut"))
    extension_months = IntegerField(
        _l("Automatisk förlängning, månader"), validators=EXTENSION_MONTHS
    )
    max_extensions = IntegerField(
        _l("Högst antal förlängningar (tomt = obegränsat)"), validators=MAX_EXTENSIONS
    )
    continues_open_ended = BooleanField(_l("Löper därefter tills vidare"))

    fte = DecimalField(_l("Årsarbetare"), places=2, validators=FTE_RANGE)
    invoicing = SelectField(_l("Fakturering"), choices=list(INVOICING_LABELS.items()))
    invoicing_party_id = SelectField(_l("Fakturerande part"), coerce=int, validate_choice=False)
    reminder_lead_days = StringField(
        _l("Påminnelser, dagar före (tomt = 180, 90, 30, 7, 0)"),
        validators=[Optional(), Length(max=100)],
    )

    parties = FieldList(FormField(PartyForm), min_entries=4)
    submit = SubmitField(_l("Spara"))


class ArchiveForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Arkivera"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("Fil (PDF, Word, Excel, bild)"))
    description = StringField(_l("Beskrivning"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Ladda upp"))
