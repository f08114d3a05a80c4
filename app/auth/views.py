"""Login and logout, the user's own profile, and user administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import oidc, permission_required
from app.auth.forms import (
    ROLE_LABELS,
    LoginForm,
    PersonLinkForm,
    ProfileForm,
    RoleForm,
    UserForm,
)
from app.auth.models import User
from app.auth.services import create_user, issue_token, link_person
from app.core.errors import ValidationError
from app.core.forms import apply_errors
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _login_name_key() -> str:
    """Throttle per user name, from whatever address: guessing one account's password from
    many machines is slowed down, while colleagues behind the same NAT still log in."""
    return "login-name:" + (request.form.get("username") or "").strip().lower()[:150]


def _login_address_key() -> str:
    """Throttle per address, whatever the name: spraying one password over many accounts is
    slowed down too (a looser limit, since colleagues may share an address behind NAT)."""
    return "login-address:" + (get_remote_address() or "")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_name_key)
@limiter.limit(_address_limit, methods=["POST"], key_func=_login_address_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("deadlines.dashboard"))
    form = LoginForm()
    if not oidc.local_login_allowed():
        if request.method == "POST":
            flash(_("Inloggning med lösenord är avstängd. Logga in med kommunens konto."), "danger")
            return render_template("auth/login.html", form=None, sso=oidc.enabled()), 403
        return render_template("auth/login.html", form=None, sso=oidc.enabled())
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).filter_by(username=form.username.data.strip())
        ).scalar_one_or_none()
        if user is None or not user.active or not user.check_password(form.password.data):
            flash(_("Fel användarnamn eller lösenord."), "danger")
        else:
            lang = session.get("lang")  # a language chosen on the login page survives login
            session.clear()
            if lang:
                session["lang"] = lang
            if not user.session_token:
                user.rotate_sessions()
            login_user(user, remember=form.remember.data)
            db.session.commit()
            target = request.args.get("next", "")
            # Only ever redirect within the app.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("deadlines.dashboard")
            return redirect(target)
    return render_template("auth/login.html", form=form, sso=oidc.enabled())


bp.add_url_rule("/login/sso", "login_sso", oidc.start)
bp.add_url_rule("/login/sso/callback", "login_sso_callback", oidc.callback)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    id_token = session.get(oidc.ID_TOKEN) if session.get("sso") else None
    provider_logout = oidc.logout_url(id_token) if session.get("sso") else None
    # A new session token: this session and any copy of its cookies (or of the remember
    # cookie) open nothing from now on, on every device.
    current_user.rotate_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(provider_logout or url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@permission_required("self")
def profile():
    form = ProfileForm(locale=current_user.locale or "sv")
    if current_user.is_sso:  # signs in with the municipality's account: no password here
        del form.current_password, form.new_password, form.confirm
    if form.validate_on_submit():
        if "new_password" in form and form.new_password.data:
            if not current_user.check_password(form.current_password.data or ""):
                form.current_password.errors.append(_("Nuvarande lösenord stämmer inte."))
                return render_template("auth/profile.html", form=form, role_labels=ROLE_LABELS), 422
            current_user.set_password(form.new_password.data)  # ends the other sessions
            login_user(current_user._get_current_object())  # this one continues
        current_user.locale = form.locale.data
        session["lang"] = form.locale.data
        db.session.commit()
        flash(_("Dina inställningar är sparade."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, role_labels=ROLE_LABELS)


@bp.route("/admin/users", methods=["GET"])
@permission_required("admin")
def users():
    rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    return render_template(
        "auth/users.html",
        users=rows,
        form=UserForm(),
        role_labels=ROLE_LABELS,
        people=people_choices(),
    )


@bp.route("/admin/users", methods=["POST"])
@permission_required("admin")
def create():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.username.data,
                form.role.data,
                form.password.data,
                form.name.data,
                form.email.data or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Användaren %(name)s är skapad.", name=user.username), "success")
            return redirect(url_for("auth.users"))
    rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    return render_template(
        "auth/users.html", users=rows, form=form, role_labels=ROLE_LABELS, people=people_choices()
    ), 422


@bp.route("/admin/users/<int:user_id>", methods=["POST"])
@permission_required("admin")
def update(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            # Beside the user's own role, with the page as it was (nothing saved).
            rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
            return render_template(
                "auth/users.html",
                users=rows,
                form=UserForm(formdata=None),
                role_labels=ROLE_LABELS,
                role_errors={user.id: _("Du kan inte ta bort din egen administratörsroll.")},
            ), 422
        user.role = form.role.data
        user.active = form.active.data
        db.session.commit()
        flash(_("Användaren %(name)s är uppdaterad.", name=user.username), "success")
    return redirect(url_for("auth.users"))


def people_choices() -> list[tuple[int, str]]:
    """Every person for the users page's link select (0: no person)."""
    from app.parties.models import Person

    rows = db.session.execute(
        db.select(Person.id, Person.name, Person.email).order_by(Person.name, Person.id)
    ).all()
    return [(0, "–")] + [(r.id, f"{r.name} ({r.email})" if r.email else r.name) for r in rows]


@bp.route("/admin/users/<int:user_id>/person", methods=["POST"])
@permission_required("admin")
def link(user_id: int):
    """Link the login to a person: their inbox, calendar feed and reminder settings."""
    user = db.get_or_404(User, user_id)
    form = PersonLinkForm()
    if form.validate_on_submit():
        try:
            link_person(user, form.person_id.data or None)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.fields.get("person_id") or exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Användaren %(name)s är uppdaterad.", name=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<int:user_id>/token", methods=["POST"])
@permission_required("admin")
def token(user_id: int):
    user = db.get_or_404(User, user_id)
    value = issue_token(user)
    db.session.commit()
    return render_template("auth/token.html", user=user, token=value)
