"""Finance forms: a compensation line, calling off more årsarbetare, cost shares, statsbidrag."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import FlaskForm

ROUNDING_LABELS = {
    "final": _l("En gång (slutligt belopp)"),
    "yearly": _l("Varje år före nästa uppräkning"),
}


class MoneyChangeForm(FlaskForm):
    """A form that changes an agreement's money. ``version`` is the agreement's version when
    the page was opened: a change made meanwhile by someone else is refused (409), not
    overwritten."""

    version = HiddenField()


class CompensationItemForm(MoneyChangeForm):
    label = StringField(_l("Benämning"), validators=[DataRequired(), Length(max=200)])
    amount = StringField(_l("Belopp (kr)"), validators=[DataRequired()])
    price_level_year = IntegerField(_l("Prisnivå (år)"), validators=[InputRequired()])
    index_series = SelectField(_l("Indexserie"), choices=[], validate_choice=False)
    first_adjusted_year = IntegerField(_l("Första justeringsår"), validators=[Optional()])
    rounding = SelectField(
        _l("Avrundning"),
        choices=[SelectChoice(k, v) for k, v in ROUNDING_LABELS.items()],
        default="final",
    )
    fte_basis = StringField(_l("Årsarbetare som beloppet avser"), validators=[Optional()])
    submit = SubmitField(_l("Spara"))

    def data_for_service(self) -> dict:
        return {
            "label": self.label.data,
            "amount": self.amount.data,
            "price_level_year": self.price_level_year.data,
            "index_series": self.index_series.data or None,
            "first_adjusted_year": self.first_adjusted_year.data,
            "rounding": self.rounding.data,
            "fte_basis": self.fte_basis.data or None,
        }


class CallOffForm(MoneyChangeForm):
    fte = StringField(_l("Fler årsarbetare"), validators=[DataRequired()])
    from_year = StringField(_l("Från år"), validators=[DataRequired()])
    submit = SubmitField(_l("Avropa"))


class CostSharesForm(MoneyChangeForm):
    """The method and key label; each party's share or key value comes as share_<id> / key_<id>."""

    method = SelectField(
        _l("Fördelning"),
        choices=[
            SelectChoice("equal", _l("Lika delar")),
            SelectChoice("fraction", _l("Fasta andelar (t.ex. 1/3 eller 0,25)")),
            SelectChoice("key", _l("Fördelningsnyckel (invånare, klienter …)")),
            SelectChoice("none", _l("Ingen fördelning")),
        ],
    )
    key_label = StringField(_l("Nyckel"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Spara fördelning"))


class DeleteForm(MoneyChangeForm):
    submit = SubmitField(_l("Ta bort"))
