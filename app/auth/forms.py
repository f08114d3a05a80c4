"""Login, profile and user administration forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.models import ROLES
from app.core.forms import FlaskForm

ROLE_LABELS = {
    "admin": _l("Administratör"),
    "editor": _l("Handläggare (avtal)"),
    "finance": _l("Ekonomi"),
    "reader": _l("Läsare"),
}


class LoginForm(FlaskForm):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired()])
    remember = BooleanField(_l("Kom ihåg mig"))
    submit = SubmitField(_l("Logga in"))


class ProfileForm(FlaskForm):
    locale = SelectField(_l("Språk"), choices=[("sv", "Svenska"), ("en", "English")])
    current_password = PasswordField(_l("Nuvarande lösenord"), validators=[Optional()])
    new_password = PasswordField(_l("Nytt lösenord"), validators=[Optional(), Length(min=10)])
    confirm = PasswordField(
        _l("Upprepa nytt lösenord"),
        validators=[EqualTo("new_password", message=_l("Lösenorden skiljer sig."))],
    )
    submit = SubmitField(_l("Spara"))


class UserForm(FlaskForm):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(), Length(max=80)])
    name = StringField(_l("Namn"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-post"), validators=[Optional(), Length(max=254)])
    # A new user may read; an admin gives more deliberately.
    role = SelectField(_l("Roll"), choices=[(r, ROLE_LABELS[r]) for r in ROLES], default="reader")
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(), Length(min=10)])
    submit = SubmitField(_l("Skapa användare"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Roll"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    active = BooleanField(_l("Aktiv"))
    submit = SubmitField(_l("Spara"))


class PersonLinkForm(FlaskForm):
    """Which person a login is (0: none); the choices are filled in by the view."""

    person_id = SelectField(_l("Person"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Koppla"))
