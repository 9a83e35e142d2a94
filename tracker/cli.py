"""The ``tracker`` command: the app's Flask CLI group, plus every project command."""
from __future__ import annotations

import importlib

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from werkzeug.serving import WSGIRequestHandler

#: modules that expose ``commands``, a list of click commands to add to ``tracker``
COMMAND_MODULES = (
    "tracker.migrate",  # db upgrade / downgrade
    "tracker.commands.imports",  # import-records
    "tracker.demo",  # demo
    "tracker.commands.calendar",  # calendar load / status / due
    "tracker.commands.reports",  # report
    "tracker.commands.accounts",  # create-user and other account commands
    "tracker.commands.tokens",  # create-token, revoke-token
    "tracker.commands.background",  # sweep, relay, scheduler
)


def _server_header(_handler) -> str:
    return "tracker"


# ``tracker run`` serves with Werkzeug's development server, whose Server header would otherwise
# name Werkzeug's and Python's versions; it offers no setting for that, so its method is replaced.
WSGIRequestHandler.version_string = _server_header


def register_commands(app: Flask) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.commands:
            app.cli.add_command(command)


def _create_app():
    from tracker import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """Tracker: citizens' error reports about government websites (我为政府网站找错)."""


__all__ = ["main", "register_commands", "current_app"]
