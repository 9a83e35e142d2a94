"""Database migrations (Alembic, kept in ``migrations/``) and the ``tracker db`` commands."""
from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

from tracker import ROOT


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for ``url`` (the app's database by default)."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%"))
    return config


def upgrade(revision: str = "head", url: str | None = None) -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str, url: str | None = None) -> None:
    command.downgrade(alembic_config(url), revision)


@click.group("db")
def db_group():
    """Create, upgrade and downgrade the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision):
    """Upgrade the schema to REVISION (default: head)."""
    upgrade(revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision):
    """Downgrade the schema to REVISION (``base`` drops every table)."""
    downgrade(revision)
    click.echo(f"database at {revision}")


@db_group.command("current")
@with_appcontext
def current_command():
    """Show the schema's current revision."""
    command.current(alembic_config())


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_command(message):
    """Autogenerate a new migration from the models."""
    command.revision(alembic_config(), message=message, autogenerate=True)


commands = [db_group]
