"""CLI commands for accounts and for admin tasks, added to ``tracker`` by tracker.cli.

Admin tasks on the command line: create-user, create-org, import-sites, require-totp,
create-category, add-canned-answer. The same tasks have admin web pages under /admin; the per-user
reset-totp and set-password are on the command line only.
"""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.admin.operations import create_canned_answer, create_category, import_sites
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, Site
from tracker.organisations.operations import create_organisation
from tracker.users.models import User
from tracker.users.operations import create_user, reset_totp, set_password, set_role_policy


def _fail(exc: DomainError):
    raise click.ClickException(exc.message_en)


@contextmanager
def _writing():
    """One transaction; a refusal ends the command with ``Error: <message>`` and exit status 1."""
    try:
        with db.transaction() as session:
            yield session
    except DomainError as exc:
        _fail(exc)


def _user(session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True, help="at least 10 characters")
@click.option("--role", required=True, type=click.Choice(["organiser", "supervisor", "admin"]))
@click.option("--org", "org_code", help="organisation code")
@click.option("--site", "site_code", help="site code: the user joins that site's organiser")
@click.option("--name", default="")
@with_appcontext
def create_user_command(email, password, role, org_code, site_code, name):
    """Add a member of staff (--org CODE, or --site SITECODE meaning the organiser of that site)."""
    if org_code and site_code:
        raise click.UsageError("give --org or --site, not both")
    organisation = None
    if site_code:
        site = db.session.exec(select(Site).where(Site.code == site_code)).first()
        if site is None:
            raise click.ClickException(f"no site with code {site_code}")
        organisation = db.session.get(Organisation, site.organiser_id)
    elif org_code:
        organisation = db.session.exec(select(Organisation).where(Organisation.code == org_code)).first()
        if organisation is None:
            raise click.ClickException(f"no organisation with code {org_code}")
    elif role != "admin":
        raise click.UsageError("organisers and supervisors need --org or --site")
    with _writing() as session:
        user = create_user(session, email=email, password=password, role=role,
                           organisation=organisation, name=name)
    where = f" of {organisation.code} {organisation.name}" if organisation else ""
    click.echo(f"created {user.role} {user.email}{where}")


@click.command("create-org")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(["supervisor", "organiser"]))
@click.option("--parent", "parent_code", help="code of the supervising organisation")
@with_appcontext
def create_org_command(code, name, kind, parent_code):
    """Add an organisation to the tree."""
    parent = None
    if parent_code:
        parent = db.session.exec(select(Organisation).where(Organisation.code == parent_code)).first()
        if parent is None:
            raise click.ClickException(f"no organisation with code {parent_code}")
    with _writing() as session:
        org = create_organisation(session, code=code, name=name, kind=kind, parent=parent)
    click.echo(f"created {org.kind} {org.code} {org.path}")


@click.command("import-sites")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_sites_command(csv_file):
    """Import sites from CSV: code,name,organiser_code,supervisor_code,hosts."""
    with _writing() as session:
        result = import_sites(session, csv_file.read())
    click.echo(f"created {result.created} sites, updated {result.updated}")


@click.command("require-totp")
@click.argument("role", type=click.Choice(["organiser", "supervisor", "admin"]))
@click.option("--off", is_flag=True, help="stop requiring it")
@with_appcontext
def require_totp_command(role, off):
    """Require a TOTP second factor for every user of ROLE (users without one enrol at next login)."""
    with db.transaction() as session:
        set_role_policy(session, role, totp_required=not off)
    click.echo(f"TOTP {'not ' if off else ''}required for {role}")


@click.command("reset-totp")
@click.option("--email", required=True)
@with_appcontext
def reset_totp_command(email):
    """Forget a user's TOTP secret (lost phone); they enrol again if their role requires it."""
    with db.transaction() as session:
        reset_totp(session, _user(session, email))
    click.echo(f"TOTP reset for {email}; their sessions are ended")


@click.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="at least 10 characters (asked for when not given)")
@with_appcontext
def set_password_command(email, password):
    """Give a user a new password (forgotten or leaked); their sessions end."""
    with _writing() as session:
        set_password(session, _user(session, email), password)
    click.echo(f"password set for {email}; their sessions are ended")


@click.command("create-category")
@click.option("--code", required=True, type=int)
@click.option("--name-zh", required=True)
@click.option("--name-en", default="")
@with_appcontext
def create_category_command(code, name_zh, name_en):
    """Add an error category."""
    with _writing() as session:
        create_category(session, code=code, name_zh=name_zh, name_en=name_en)
    click.echo(f"created category {code}")


@click.command("add-canned-answer")
@click.option("--category", type=int, help="category code (none: every category)")
@click.option("--title", required=True)
@click.option("--body", required=True)
@with_appcontext
def add_canned_answer_command(category, title, body):
    """Add a canned answer text that organisers can insert into their answers."""
    with _writing() as session:
        create_canned_answer(session, title=title, body=body, category_code=category)
    click.echo("created canned answer")


commands = [create_user_command, create_org_command, import_sites_command, require_totp_command,
            reset_totp_command, set_password_command, create_category_command, add_canned_answer_command]
