"""``tracker report``: the SLA report on the command line (text, json, csv or xlsx)."""
from __future__ import annotations

import json
from collections.abc import Iterable

import click
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.db import db
from tracker.errors import DomainError
from tracker.organisations.models import Organisation
from tracker.reports.exports import csv_chunks, headings, table_rows, write_xlsx
from tracker.reports.figures import sla_report
from tracker.reports.notice import percent
from tracker.reports.params import FIGURE_KEYS, RATE_KEYS, root_organisation


def text_table(report: dict) -> str:
    """The sentence, then a plain aligned table with the totals row last."""
    header = headings(report)
    body = [[row["key"], row["name"], *(percent(row[k]) if k in RATE_KEYS else
                                        ("" if row[k] is None else str(row[k])) for k in FIGURE_KEYS)]
            for row in table_rows(report)]

    def width(text: str) -> int:  # CJK characters take two columns
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(line)).rstrip()
             for line in [header, *body]]
    return report["sentence"] + "\n\n" + "\n".join(lines) + "\n"


@click.command("report")
@click.option("--from", "date_from", required=True, help="first receipt date, YYYY-MM-DD (Beijing)")
@click.option("--to", "date_to", required=True, help="last receipt date, YYYY-MM-DD (Beijing), included")
@click.option("--scope", "scope_code", default=None, help="organisation code (default: the root)")
@click.option("--as-of", "as_of", default=None, help="ISO instant or date (default: now)")
@click.option("--by", "by", type=click.Choice(["org", "site", "category"]), default="org")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file instead of standard output")
@click.option("--with-satisfaction", is_flag=True, help="the notice sentence gives 参评率 and 满意率 too")
@with_appcontext
def report(date_from, date_to, scope_code, as_of, by, fmt, output, with_satisfaction):
    """The SLA figures for a window of receipt dates (办结率, 按期办结率 and the notice sentence)."""
    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx needs --output FILE")
    session = db.session
    if scope_code:
        scope = session.exec(select(Organisation).where(Organisation.code == scope_code)).first()
        if scope is None:
            raise click.UsageError(f"no organisation with code {scope_code}")
    else:
        scope = root_organisation(session)
        if scope is None:
            raise click.UsageError("there are no organisations yet")
    try:
        data = sla_report(session, date_from=date_from, date_to=date_to, scope_org=scope, as_of=as_of, by=by,
                          with_satisfaction=with_satisfaction)
    except DomainError as exc:
        raise click.UsageError(exc.message("en")) from exc
    if fmt == "xlsx":  # written in openpyxl's write-only mode, straight to the file
        write_xlsx(data, output)
    else:
        _send(_chunks(data, fmt), output)
    if output:
        click.echo(f"wrote {output}", err=True)


def _chunks(data: dict, fmt: str) -> Iterable[bytes]:
    """The report as text, JSON or CSV (a line at a time), encoded."""
    if fmt == "json":
        return [(json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()]
    if fmt == "text":
        return [text_table(data).encode()]
    return csv_chunks(data)


def _send(chunks: Iterable[bytes], output: str | None) -> None:
    """Write ``chunks`` to the file ``output``, or to standard output, as they come."""
    if output:
        with open(output, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False)


commands = [report]
