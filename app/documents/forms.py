"""Forms of the documents package: the draft's choices and free texts, and a template upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from app.core.forms import FlaskForm
from app.documents.context import (
    BARN_CHOICES,
    DECISIONS,
    MAX_TEXT_LENGTH,
    MBL_CHOICES,
    SAMRAD_CHOICES,
    TEXT_LABELS,
)


def _coerce_id(value):
    return int(value) if value not in (None, "", "None") else None


class DraftForm(FlaskForm):
    # A plain field (the page renders the choice itself from DECISION_LABELS).
    decision = StringField(_l("Beslut"), validators=[DataRequired(), AnyOf(DECISIONS)])
    as_of = DateField(_l("Skrivelsens datum"), validators=[InputRequired()])
    decision_date = DateField(_l("Nämndens beslutsdag"), validators=[Optional()])
    samrad = SelectField(_l("Samråd"), choices=list(SAMRAD_CHOICES.items()), validate_choice=False)
    mbl = SelectField(_l("MBL"), choices=list(MBL_CHOICES.items()), validate_choice=False)
    barn = SelectField(
        _l("Barnkonsekvensanalys / Barnets bästa"),
        choices=list(BARN_CHOICES.items()),
        validate_choice=False,
    )
    second_signatory_id = SelectField(
        _l("Undertecknas även av"), coerce=_coerce_id, choices=[], validate_choice=False
    )
    extra_recipients = TextAreaField(
        _l("Fler mottagare (en per rad, för kännedom)"), validators=[Length(max=2000)]
    )
    include_description = BooleanField(_l("Ta med avtalets beskrivning i bakgrunden"))
    verksamhet = TextAreaField(TEXT_LABELS["verksamhet"], validators=[Optional(), Length(max=300)])
    arendet = TextAreaField(TEXT_LABELS["arendet"], validators=[Length(max=MAX_TEXT_LENGTH)])
    bakgrund = TextAreaField(TEXT_LABELS["bakgrund"], validators=[Length(max=MAX_TEXT_LENGTH)])
    ekonomi_text = TextAreaField(
        TEXT_LABELS["ekonomi_text"], validators=[Length(max=MAX_TEXT_LENGTH)]
    )
    uppfoljning = TextAreaField(
        TEXT_LABELS["uppfoljning"], validators=[Length(max=MAX_TEXT_LENGTH)]
    )
    preview = SubmitField(_l("Förhandsgranska"))
    download = SubmitField(_l("Ladda ner .docx"))
    save = SubmitField(_l("Spara utkast"))


class TemplateUploadForm(FlaskForm):
    file = FileField(_l("Mall (.docx)"))
    submit = SubmitField(_l("Ladda upp mall"))


class ResetTemplateForm(FlaskForm):
    submit = SubmitField(_l("Återgå till standardmallen"))
