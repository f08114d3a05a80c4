"""Form helpers shared by every domain."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app.core.errors import DomainError

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
