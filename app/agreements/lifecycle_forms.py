"""Forms for notice of termination, its withdrawal, obligations and their fulfilment."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import DATE_HINT, FlaskForm

RECURRENCE_CHOICES = [
    SelectChoice("yearly", _l("Varje år")),
    SelectChoice("semiannual", _l("Varje halvår")),
    SelectChoice("quarterly", _l("Varje kvartal")),
    SelectChoice("monthly", _l("Varje månad")),
    SelectChoice("once", _l("En gång")),
]


class TerminationForm(FlaskForm):
    organisation_id = SelectField(_l("Uppsagt av"), coerce=int, validate_choice=False)
    addressed_to_id = SelectField(_l("Till"), coerce=int, validate_choice=False)
    received_date = DateField(
        _l("Mottagen den"), validators=[InputRequired()], description=DATE_HINT
    )
    written = BooleanField(_l("Skriftlig uppsägning"), default=True)
    note = TextAreaField(_l("Anteckning"), validators=[Optional(), Length(max=5000)])
    letter = FileField(_l("Uppsägningsbrev (valfritt)"))
    submit = SubmitField(_l("Registrera uppsägning"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Skäl"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Återkalla"))


class ObligationForm(FlaskForm):
    title = StringField(_l("Skyldighet"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional()])
    recurrence = SelectField(_l("Återkommer"), choices=RECURRENCE_CHOICES)
    due_month = IntegerField(_l("Månad (1–12)"), validators=[Optional()])
    due_day = IntegerField(_l("Dag (1–31)"), validators=[Optional()])
    due_date = DateField(_l("Datum (en gång)"), validators=[Optional()], description=DATE_HINT)
    days_before = IntegerField(_l("Dagar före datumet (t.ex. 7)"), validators=[Optional()])
    relative_to_label = StringField(
        _l("Datumet avser (t.ex. försäkringen löper ut)"), validators=[Optional(), Length(max=200)]
    )
    responsible_organisation_id = SelectField(
        _l("Ansvarig part"), coerce=int, validate_choice=False
    )
    submit = SubmitField(_l("Spara skyldighet"))


class FulfilmentForm(FlaskForm):
    due_date = SelectField(_l("Tillfälle"), validate_choice=False)
    met_on = DateField(_l("Uppfylld den"), validators=[InputRequired()], description=DATE_HINT)
    note = StringField(_l("Anteckning"), validators=[Optional(), Length(max=2000)])
    file = FileField(_l("Fil (valfritt)"))
    submit = SubmitField(_l("Markera som uppfylld"))
