"""Forms for organisations and people."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import FlaskForm
from app.parties.models import ORGANISATION_KINDS
from app.parties.services import MAX_POPULATION

KIND_LABELS = {
    "kommun": _l("Kommun"),
    "region": _l("Region"),
    "samordningsforbund": _l("Samordningsförbund"),
    "forening": _l("Förening"),
    "stiftelse": _l("Stiftelse"),
    "foretag": _l("Företag"),
    "myndighet": _l("Myndighet"),
}


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Ange organisationens namn.")), Length(max=200)]
    )
    kind = SelectField(_l("Typ"), choices=[(k, KIND_LABELS[k]) for k in ORGANISATION_KINDS])
    organisation_number = StringField(
        _l("Organisationsnummer"), validators=[Optional(), Length(max=20)]
    )
    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=50)])
    address = TextAreaField(_l("Adress"), validators=[Optional()])
    population = IntegerField(
        _l("Invånarantal (för kostnadsfördelning)"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_POPULATION,
                message=_l(
                    "Invånarantalet måste vara ett heltal från 0 till %(max)s.", max=MAX_POPULATION
                ),
            ),
        ],
    )
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional()])
    submit = SubmitField(_l("Spara"))


class UnitForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Ange enhetens namn.")), Length(max=200)]
    )
    kind = SelectField(
        _l("Typ"), choices=[("namnd", _l("Nämnd")), ("forvaltning", _l("Förvaltning"))]
    )
    submit = SubmitField(_l("Lägg till"))


class PersonForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Ange personens namn.")), Length(max=200)]
    )
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=50)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Spara"))
