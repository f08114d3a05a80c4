"""Form helpers shared by every domain, and ``FlaskForm``, the base of every form: each of its
text fields refuses control characters (see ``app.core.text``), a text area taking newlines."""

from __future__ import annotations

import flask_wtf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from app.core.dates import date_out_of_range
from app.core.errors import DomainError
from app.core.text import has_control_characters

#: The largest whole number a form takes in any integer field (the databases' 32-bit INTEGER):
#: a larger one is refused beside its field instead of overflowing the database driver.
LARGEST_INTEGER = 2**31 - 1


def _normalise_newlines(value):
    """Browsers send a text area's line breaks as CRLF: keep them as LF."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class NoControlCharacters:
    """Refuse C0 control characters but tab (and newline when ``multiline``). Runs first and
    stops the chain, so ``Optional()`` cannot let a value made of control characters through."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        # The value after the filters (a text area's CRLF is LF by then).
        values = [field.data] if isinstance(field.data, str) else field.raw_data or []
        for value in values:
            if isinstance(value, str) and has_control_characters(value, self.multiline):
                field.errors[:] = []
                raise StopValidation(
                    _l(
                        "Texten innehåller otillåtna styrtecken (till exempel vagnretur eller "
                        "NUL). Skriv in texten igen utan dem."
                    )
                    if self.multiline
                    else _l(
                        "Texten innehåller radbrytningar eller andra otillåtna styrtecken. "
                        "Skriv den på en rad."
                    )
                )


def date_in_range(form, field) -> None:
    """Dates lie within 1900–2199, the reach of the rules (a year 9999 would overflow them)."""
    if field.data is not None and (message := date_out_of_range(field.data)):
        raise ValidationError(message)


def integer_fits(form, field) -> None:
    if field.errors:  # the field's own range said it first
        return
    if field.data is not None and abs(field.data) > LARGEST_INTEGER:
        raise ValidationError(_("Talet är för stort."))


#: WTForms' own Swedish catalogue garbles two messages ("Felaktigt val; kunde inte ceorce:a"),
#: shown when a select's value is not one of its choices: ours are used instead.
_WTFORMS_MESSAGES = {
    "Invalid Choice: could not coerce.": _l("Ogiltigt val."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l(
        "Ogiltigt val: ett eller flera av värdena finns inte bland valen."
    ),
}


class _WtformsTranslations:
    """WTForms' translations with :data:`_WTFORMS_MESSAGES` in place of its own."""

    def __init__(self, base) -> None:
        self.base = base

    def gettext(self, string: str) -> str:
        if string in _WTFORMS_MESSAGES:
            return str(_WTFORMS_MESSAGES[string])
        return self.base.gettext(string) if self.base is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self.base is not None:
            return self.base.ngettext(singular, plural, n)
        return singular if n == 1 else plural


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, with the control-character check on every text field, the date range
    on every date field and a size limit on every integer field."""

    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form):
            return _WtformsTranslations(super().get_translations(form))

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):
                multiline = isinstance(field, TextAreaField)
                if multiline:
                    field.filters = (_normalise_newlines, *field.filters)
                field.validators = [NoControlCharacters(multiline), *field.validators]
            elif isinstance(field, DateField):
                field.validators = [*field.validators, date_in_range]
            elif isinstance(field, IntegerField):
                field.validators = [*field.validators, integer_fits]
            return field


#: The description every date field carries, so the format it wants is written beside it.
DATE_HINT = _l("ÅÅÅÅ-MM-DD, t.ex. 2026-03-31")


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's field messages on the form's fields; the rest as form-level errors."""
    unplaced = []
    for name, message in exc.fields.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, dict):
                unplaced.append(message)
            else:
                field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    form.form_errors = [*form.form_errors, exc.message, *unplaced]


def version_conflict_message() -> str:
    return _(
        "Avtalet har ändrats av någon annan sedan du öppnade formuläret. Dina ändringar är inte "
        "sparade: öppna avtalet igen, se vad som ändrats och gör om dina ändringar."
    )
