"""The form for a tilläggsavtal: its record, and the terms in force that the user may change."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.core.forms import FlaskForm


class AmendmentForm(FlaskForm):
    version = HiddenField()
    effective_date = DateField(_l("Gäller från"), validators=[InputRequired()])
    signed_date = DateField(_l("Undertecknat"), validators=[Optional()])
    diarienummer = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=100)])
    description = TextAreaField(
        _l("Vad tilläggsavtalet gäller"), validators=[Optional(), Length(max=5000)]
    )
    attachment = FileField(_l("Det undertecknade tilläggsavtalet (valfritt)"))

    end_date = DateField(_l("Nuvarande period slutar"), validators=[Optional()])
    open_ended = BooleanField(_l("Gäller tills vidare från den dagen"))
    notice_period_months = IntegerField(
        _l("Uppsägningstid (månader)"), validators=[Optional(), NumberRange(min=1, max=120)]
    )
    notice_period_days = IntegerField(
        _l("Uppsägningstid (dagar)"), validators=[Optional(), NumberRange(min=1, max=3660)]
    )
    notice_must_be_written = BooleanField(_l("Uppsägningen ska vara skriftlig"))
    notice_ends_at_month_end = BooleanField(_l("Upphör vid månadens slut"))
    extension_months = IntegerField(
        _l("Förlängning (månader)"), validators=[Optional(), NumberRange(min=1, max=120)]
    )
    max_extensions = IntegerField(
        _l("Högst antal förlängningar härefter"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )
    continues_open_ended = BooleanField(_l("Därefter tills vidare"))
    fte = DecimalField(
        _l("Årsarbetare"), places=2, validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    submit = SubmitField(_l("Spara tilläggsavtalet"))


class AmendmentWithdrawForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Återkalla tilläggsavtalet"))
