"""Grants forms: a statsbidrag rate, a year's statistics (the reasons as a small table of
rows, read by the view), Länsstyrelsen's decision for one agreement, and one decision split over
several agreements of a huvudman."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import FlaskForm


class GrantRateForm(FlaskForm):
    year = IntegerField(_l("År"), validators=[InputRequired()])
    amount_per_fte = StringField(
        _l("Statsbidrag per årsarbetare (kr)"), validators=[DataRequired()]
    )
    note = StringField(_l("Källa/anteckning"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Spara"))


class StatisticsForm(FlaskForm):
    """The counts; the reasons and persons per municipality come as rows (see the view)."""

    year = IntegerField(_l("År"), validators=[InputRequired()])
    persons_women = IntegerField(_l("Kvinnor"), validators=[Optional()], default=0)
    persons_men = IntegerField(_l("Män"), validators=[Optional()], default=0)
    persons_other = IntegerField(_l("Annat/ej angivet"), validators=[Optional()], default=0)
    new_persons = IntegerField(_l("Nya personer"), validators=[Optional()], default=0)
    ended_persons = IntegerField(_l("Avslutade personer"), validators=[Optional()], default=0)
    hours_per_week = StringField(
        _l("Timmar per vecka och person (snitt)"), validators=[Optional(), Length(max=20)]
    )
    note = StringField(_l("Anteckning"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Spara statistik"))


class DecisionForm(FlaskForm):
    year = IntegerField(_l("År"), validators=[InputRequired(), NumberRange(1900, 2200)])
    granted = StringField(_l("Beviljat belopp (kr)"), validators=[DataRequired()])
    decided_on = DateField(_l("Beslutsdatum"), validators=[Optional()])
    diarienummer = StringField(
        _l("Länsstyrelsens diarienummer"), validators=[Optional(), Length(max=100)]
    )
    paid = StringField(_l("Utbetalt belopp (kr)"), validators=[Optional()])
    submit = SubmitField(_l("Spara beslut"))


class SplitDecisionForm(DecisionForm):
    organisation_id = SelectField(_l("Huvudman"), coerce=int)
    agreement_ids = SelectMultipleField(_l("Avtal"), coerce=int)
    submit = SubmitField(_l("Fördela och spara"))


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    organisation_id = SelectField(_l("Huvudman"), coerce=int)
    year = IntegerField(_l("År"), validators=[InputRequired(), NumberRange(1900, 2200)])
    submit = SubmitField(_l("Visa"))
