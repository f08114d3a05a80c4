"""Forms of the documents package: the draft's free texts, and a template upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from app.core.forms import FlaskForm
from app.documents.context import DECISIONS, MAX_TEXT_LENGTH, TEXT_LABELS


class DraftForm(FlaskForm):
    # A plain field (the page renders the choice itself from DECISION_LABELS).
    decision = StringField(_l("Beslut"), validators=[DataRequired(), AnyOf(DECISIONS)])
    as_of = DateField(_l("Per dag"), validators=[InputRequired()])
    verksamhet = TextAreaField(TEXT_LABELS["verksamhet"], validators=[Optional(), Length(max=300)])
    arendet = TextAreaField(TEXT_LABELS["arendet"], validators=[Length(max=MAX_TEXT_LENGTH)])
    bakgrund = TextAreaField(TEXT_LABELS["bakgrund"], validators=[Length(max=MAX_TEXT_LENGTH)])
    ekonomi_text = TextAreaField(
        TEXT_LABELS["ekonomi_text"], validators=[Length(max=MAX_TEXT_LENGTH)]
    )
    samrad = TextAreaField(TEXT_LABELS["samrad"], validators=[Length(max=MAX_TEXT_LENGTH)])
    barnkonsekvens = TextAreaField(
        TEXT_LABELS["barnkonsekvens"], validators=[Length(max=MAX_TEXT_LENGTH)]
    )
    mbl = TextAreaField(TEXT_LABELS["mbl"], validators=[Length(max=MAX_TEXT_LENGTH)])
    uppfoljning = TextAreaField(
        TEXT_LABELS["uppfoljning"], validators=[Length(max=MAX_TEXT_LENGTH)]
    )
    preview = SubmitField(_l("Förhandsgranska"))
    generate = SubmitField(_l("Skapa och ladda ner .docx"))


class TemplateUploadForm(FlaskForm):
    file = FileField(_l("Mall (.docx)"))
    submit = SubmitField(_l("Ladda upp mall"))


class ResetTemplateForm(FlaskForm):
    submit = SubmitField(_l("Återgå till standardmallen"))
