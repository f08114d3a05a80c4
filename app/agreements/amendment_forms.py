"""The form for a tilläggsavtal: its record, and the terms in force that the user may change."""

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
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.agreements.forms import (
    EXTENSION_MONTHS,
    FTE_RANGE,
    MAX_EXTENSIONS,
    NOTICE_DAYS,
    NOTICE_MONTHS,
    ROLE_LABELS,
)
from app.agreements.models import PARTY_ROLES
from app.core.forms import FlaskForm
from app.finance.forms import ROUNDING_LABELS

#: Rows for the parties in force (and a spare or two) and for new compensation lines.
PARTY_ROWS = 5
LINE_ROWS = 3


class PartyRowForm(Form):
    """A party in force from the amendment's day (organisation – : no party). The service
    checks the organisation and the role, and names what is wrong."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    role = SelectField(
        _l("Roll"), choices=[(r, ROLE_LABELS[r]) for r in PARTY_ROLES], validate_choice=False
    )


class LineForm(Form):
    """One compensation line of the tilläggsavtal (all empty: no line)."""

    label = StringField(_l("Benämning"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Belopp (kr)"), validators=[Optional(), Length(max=40)])
    price_level_year = IntegerField(_l("Prisnivå (år)"), validators=[Optional()])
    index_series = SelectField(_l("Indexserie"), choices=[], validate_choice=False)
    first_adjusted_year = IntegerField(_l("Första justeringsår"), validators=[Optional()])
    rounding = SelectField(_l("Avrundning"), choices=list(ROUNDING_LABELS.items()), default="final")

    def filled(self) -> bool:
        return bool((self.label.data or "").strip() or (self.amount.data or "").strip())


class AmendmentForm(FlaskForm):
    version = HiddenField()
    # The day whose terms the form was filled in with: what is left as shown is no change.
    shown_on = HiddenField()
    effective_date = DateField(_l("Gäller från"), validators=[InputRequired()])
    signed_date = DateField(_l("Undertecknat"), validators=[Optional()])
    diarienummer = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=100)])
    description = TextAreaField(
        _l("Vad tilläggsavtalet gäller"), validators=[Optional(), Length(max=5000)]
    )
    attachment = FileField(_l("Det undertecknade tilläggsavtalet (valfritt)"))

    end_date = DateField(_l("Nuvarande period slutar"), validators=[Optional()])
    open_ended = BooleanField(_l("Gäller tills vidare från den dagen"))
    notice_period_months = IntegerField(_l("Uppsägningstid (månader)"), validators=NOTICE_MONTHS)
    notice_period_days = IntegerField(_l("Uppsägningstid (dagar)"), validators=NOTICE_DAYS)
    notice_must_be_written = BooleanField(_l("Uppsägningen ska vara skriftlig"))
    notice_ends_at_month_end = BooleanField(_l("Upphör vid månadens slut"))
    extension_months = IntegerField(_l("Förlängning (månader)"), validators=EXTENSION_MONTHS)
    max_extensions = IntegerField(
        _l("Högst antal förlängningar härefter"), validators=MAX_EXTENSIONS
    )
    continues_open_ended = BooleanField(_l("Därefter tills vidare"))
    fte = DecimalField(_l("Årsarbetare"), places=2, validators=FTE_RANGE)
    parties = FieldList(FormField(PartyRowForm), min_entries=PARTY_ROWS)
    compensation_from_year = IntegerField(
        _l("Ny ersättning från år"), validators=[Optional(), NumberRange(min=1900, max=2199)]
    )
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS)
    submit = SubmitField(_l("Spara tilläggsavtalet"))


class AmendmentWithdrawForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Återkalla tilläggsavtalet"))
