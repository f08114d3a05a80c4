"""Index forms: a new series, a year's value (preliminary or final)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import FlaskForm


class SeriesForm(FlaskForm):
    code = StringField(_l("Kod"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Namn"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Skapa serie"))


class ValueForm(FlaskForm):
    year = IntegerField(_l("År"), validators=[InputRequired()])
    percent = StringField(_l("Förändring (%)"), validators=[DataRequired()])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("preliminary", _l("Preliminärt")),
            SelectChoice("final", _l("Slutligt")),
        ],
    )
    note = StringField(_l("Källa/anteckning"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Spara värde"))
