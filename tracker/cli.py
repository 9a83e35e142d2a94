"""The ``tracker`` command: the app's Flask CLI group, plus every project command.

``tracker --help`` (and any command's ``--help``) needs no configuration: the project's commands
belong to the group itself, so listing them builds no app. A command that needs the app builds it
then; a configuration it cannot use is reported as one line (``Error: configuration: …``), not
a traceback.
"""
from __future__ import annotations

import importlib
from functools import cache

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from werkzeug.serving import WSGIRequestHandler

from tracker.config import ConfigError

#: modules that expose ``commands``, a list of click commands to add to ``tracker``
COMMAND_MODULES = (
    "tracker.migrate",  # db upgrade / downgrade
    "tracker.commands.imports",  # import-records
    "tracker.demo",  # demo
    "tracker.commands.calendar",  # calendar load / status / due
    "tracker.commands.reports",  # report
    "tracker.commands.published",  # publish-report, published show / diff
    "tracker.commands.accounts",  # create-user and other account commands
    "tracker.commands.tokens",  # create-token, revoke-token
    "tracker.commands.background",  # sweep, relay, scheduler
)


def _server_header(_handler) -> str:
    return "tracker"


# ``tracker run`` serves with Werkzeug's development server, whose Server header would otherwise
# name Werkzeug's and Python's versions; it offers no setting for that, so its method is replaced.
WSGIRequestHandler.version_string = _server_header


class ConfigurationProblem(click.ClickException):
    """A setting that cannot be used: ``Error: configuration: <what is wrong>`` and exit code 2."""

    exit_code = 2

    def __init__(self, error: Exception):
        super().__init__(f"configuration: {error}")


@cache
def project_commands() -> dict[str, click.Command]:
    """Every project command by name (importing their modules builds no app)."""
    found = {}
    for name in COMMAND_MODULES:
        for command in importlib.import_module(name).commands:
            found[command.name] = command
    return found


def register_commands(app: Flask) -> None:
    for command in project_commands().values():
        app.cli.add_command(command)


def _create_app():
    from tracker import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise ConfigurationProblem(exc) from None


class TrackerGroup(FlaskGroup):
    """Flask's group, whose listing and look-up of the project's commands need no app."""

    def _commands(self) -> dict[str, click.Command]:
        try:
            return project_commands()
        except ConfigError as exc:  # a setting read on import (the broker's URL)
            raise ConfigurationProblem(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(set(click.Group.list_commands(self, ctx)) | set(self._commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = click.Group.get_command(self, ctx, name) or self._commands().get(name)
        if command is not None:
            return command
        try:  # an extension's command (``limiter``): only the app knows it
            return super().get_command(ctx, name)
        except ConfigError as exc:
            raise ConfigurationProblem(exc) from None


@click.group(cls=TrackerGroup, create_app=_create_app, add_version_option=False)
def main():
    """Tracker: citizens' error reports about government websites (我为政府网站找错)."""


__all__ = ["main", "register_commands", "current_app"]
