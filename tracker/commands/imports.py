"""CLI commands of this package, added to ``tracker`` by tracker.cli."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from tracker.cases.imports import import_lines, read_lines
from tracker.extensions import db


@click.command("import-records")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_records(path: Path) -> None:
    """Import the national platform's public records (JSON lines, plain or .gz) as cases.

    Records already imported (same platform id) are counted and left alone. Malformed lines are
    reported as ``line N: reason`` and skipped. The last line is the summary; the exit status is 1
    when any line was skipped.
    """

    errors: list[str] = []
    lines = read_lines(path)
    if sys.stdout.isatty():
        total = sum(1 for _ in read_lines(path))
        lines = tqdm(lines, total=total, unit=" records", file=sys.stderr)
    summary = import_lines(db.session, lines)
    for number, message in summary.errors:
        errors.append(f"line {number}: {message}")
    for line in errors:
        click.echo(line)
    click.echo(summary.summary_line)
    if summary.errors:
        sys.exit(1)


commands: list = [import_records]
