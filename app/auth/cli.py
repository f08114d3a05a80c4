"""``flask users …``: create users, print API tokens, make the first admin."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth.models import ROLES, User
from app.auth.services import (
    create_user,
    generate_password,
    issue_token,
    link_person,
    set_password,
)
from app.core.errors import ValidationError
from app.extensions import db

users_cli = AppGroup("users", help="Manage users and API tokens.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
@click.option("--name", default="", help="Full name shown in the app.")
@click.option("--email", default=None)
def create(username: str, role: str, name: str, email: str | None) -> None:
    """Create a user; the password is read from standard input or asked for."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = create_user(username, role, password, name=name, email=email)
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(exc.fields.values()) or exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}).")


@users_cli.command("set-password")
@click.argument("username")
def set_password_command(username: str) -> None:
    """Give USERNAME a new password (a lost password); read from standard input or asked for.
    Recorded in the change log."""
    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = set_password(username, password, by="CLI")
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(exc.fields.values()) or exc.message) from exc
    db.session.commit()
    click.echo(f"New password set for {user.username} ({user.role}).")


@users_cli.command("token")
@click.argument("username")
def token(username: str) -> None:
    """Print a new API token for USERNAME (the last line of the output)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    value = issue_token(user)
    db.session.commit()
    click.echo(f"New token for {user.username} ({user.role}); it is shown only once:")
    click.echo(value)


@users_cli.command("link")
@click.argument("username")
@click.argument("person_id", type=int, required=False)
@click.option("--email", default=None, help="Pick the person by this e-mail (one person only).")
@click.option("--unlink", is_flag=True, help="Remove the link.")
def link(username: str, person_id: int | None, email: str | None, unlink: bool) -> None:
    """Link USERNAME to the person it is (by PERSON_ID or --email): their inbox, calendar feed
    and reminder settings. A login is never linked by matching e-mail on its own."""
    from sqlalchemy import func

    from app.parties.models import Person

    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    if sum(bool(x) for x in (person_id is not None, email, unlink)) != 1:
        raise click.UsageError("Give exactly one of PERSON_ID, --email or --unlink.")
    if email:
        found = (
            db.session.execute(
                db.select(Person).where(func.lower(Person.email) == email.strip().lower())
            )
            .scalars()
            .all()
        )
        if len(found) != 1:
            raise click.ClickException(
                f"{len(found)} people have the e-mail {email}; give the PERSON_ID instead."
            )
        person_id = found[0].id
    try:
        link_person(user, None if unlink else person_id)
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.fields.get("person_id") or exc.message) from exc
    db.session.commit()
    if user.person is None:
        click.echo(f"{user.username} is linked to no person.")
    else:
        click.echo(f"{user.username} is linked to {user.person.name} (person {user.person.id}).")


@users_cli.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def ensure_admin(username: str) -> None:
    """Create a first admin when there are no users, printing its password once."""
    if db.session.execute(db.select(User.id).limit(1)).first():
        click.echo("Users exist already; no admin created.")
        return
    password = generate_password()
    create_user(username, "admin", password, name="Administratör")
    db.session.commit()
    click.echo("=" * 60)
    click.echo(f"First admin created. Log in as '{username}' with password: {password}")
    click.echo("This password is shown only once; change it under your profile.")
    click.echo("=" * 60)
