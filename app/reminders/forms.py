"""Forms of the reminders package: a person's reminder settings and the admin log filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import FlaskForm
from app.deadlines.models import DEADLINE_KINDS

KIND_CHOICES = [
    ("last_notice", _l("Sista dag för uppsägning")),
    ("term_end", _l("Avtalsperioden slutar")),
    ("extension", _l("Automatisk förlängning")),
    ("obligation_due", _l("Skyldighet förfaller")),
    ("index_missing", _l("Indexvärde saknas")),
    ("grant_application", _l("Statsbidrag: ansökan och redovisning")),
]
assert {k for k, _ in KIND_CHOICES} == set(DEADLINE_KINDS)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferenceForm(FlaskForm):
    kinds = MultiCheckboxField(_l("Påminn mig om"), choices=KIND_CHOICES)
    email = BooleanField(_l("Skicka påminnelser med e-post"))
    digest = BooleanField(_l("Samla e-postpåminnelserna i ett brev per körning (sammandrag)"))
    submit = SubmitField(_l("Spara"))


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            ("", _l("Alla")),
            ("pending", _l("Väntar")),
            ("sending", _l("Skickas")),
            ("sent", _l("Skickad")),
            ("failed", _l("Misslyckad")),
            ("retried", _l("Försökt igen")),
            ("skipped", _l("Överhoppad")),
            ("cancelled", _l("Avbruten")),
        ],
        default="",
    )
    channel = SelectField(
        _l("Kanal"),
        choices=[("", _l("Alla")), ("email", _l("E-post")), ("inbox", _l("Inkorg"))],
        default="",
    )
    q = StringField(_l("Sök (mottagare, frist)"))
