"""CLI commands of this package, added to ``tracker`` by tracker.cli.

``tracker calendar load FILE.csv [--source TEXT]``, ``tracker calendar status`` and
``tracker calendar due RECEIVED_AT [--days N]``.
"""
from __future__ import annotations

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.calendar.operations import read_year_csv
from tracker.calendar.status import missing_year_warning, year_statuses
from tracker.cases.deadlines import answer_due, load_year
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import in_language


class CalendarError(click.ClickException):
    """A bad file or argument: ``Error: <message>`` on stderr and exit code 2."""

    exit_code = 2


@click.group("calendar")
def calendar_group():
    """The working-day calendar (节假日安排): load a year, show what is known, compute a due time."""


@calendar_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default="", help="Where the schedule comes from: the notice's title or address.")
@with_appcontext
def load_command(file, source):
    """Load one year's schedule from FILE.csv (header ``date,kind,name``; kind holiday|workday).

    Days not listed follow the weekday rule. Loading a year again replaces it. Open cases whose
    deadlines were provisional are recomputed.
    """
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise CalendarError(f"{file}: not UTF-8 text") from None
    try:
        rows = read_year_csv(text)
    except ValueError as exc:
        raise CalendarError(f"{file}: {exc}") from None
    try:
        with db.transaction():
            result = load_year(db.session, rows, source)
    except DomainError as exc:
        raise CalendarError(f"{file}: {exc.message_en.removeprefix('The holiday file is not valid: ')}") from None
    verb = "replaced" if result.replaced else "loaded"
    click.echo(f"{result.year} {verb}: {result.holidays} holidays, {result.workdays} make-up working days"
               + (f" (source: {source})" if source else ""))
    click.echo(f"provisional deadlines recomputed: {result.recomputed} open cases, {result.moved} moved")


@calendar_group.command("status")
@with_appcontext
def status_command():
    """Each known year and where it comes from; warns when a needed year is missing."""
    for status in year_statuses(db.session):
        click.echo(f"{status.year}  {status.source:<8}  {status.detail}")
    warning = missing_year_warning(db.session)
    if warning is not None:  # in both languages
        click.echo(f"警告：{in_language(warning, 'zh')}")
        click.echo(f"Warning: {in_language(warning, 'en')}")
        click.echo("Load it with: tracker calendar load FILE.csv --source TITLE (or on the admin pages, 节假日安排)")


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CalendarError(f"RECEIVED_AT {value!r} is not an ISO 8601 instant "
                            "(for example 2024-04-26T10:00:00+08:00)") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError(f"RECEIVED_AT {value!r} has no UTC offset: write it as "
                            "2024-04-26T10:00:00+08:00 (Beijing) or ...Z (UTC)")
    return instant


@calendar_group.command("due")
@click.argument("received_at")
@click.option("--days", type=click.IntRange(1, 366), default=None,
              help="Working days (default: the configured answer period, ANSWER_WORKDAYS).")
@with_appcontext
def due_command(received_at, days):
    """When a case received at RECEIVED_AT (ISO 8601 with an offset) is due, as one JSON line."""
    instant = parse_instant(received_at)
    n = days if days is not None else current_app.config["ANSWER_WORKDAYS"]
    click.echo(json.dumps(answer_due(db.session, instant, n).as_dict(), ensure_ascii=False))


commands = [calendar_group]
