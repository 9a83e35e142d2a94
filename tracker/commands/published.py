"""``tracker publish-report`` and ``tracker published show|diff``: published reports (通报)."""
from __future__ import annotations

import getpass
import json

import click
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.commands.reports import _chunks, _send
from tracker.db import db
from tracker.errors import DomainError
from tracker.organisations.models import Organisation
from tracker.published.operations import publish_report
from tracker.published.util import REASONS, diff, get_published, report_of, stored_lists
from tracker.reports.exports import write_xlsx
from tracker.reports.params import make_params, root_organisation


def _scope(session, code: str | None) -> Organisation:
    if not code:
        scope = root_organisation(session)
        if scope is None:
            raise click.UsageError("there are no organisations yet")
        return scope
    scope = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if scope is None:
        raise click.UsageError(f"no organisation with code {code}")
    return scope


@click.command("publish-report")
@click.option("--from", "date_from", required=True, help="first receipt date, YYYY-MM-DD (Beijing)")
@click.option("--to", "date_to", required=True, help="last receipt date, YYYY-MM-DD (Beijing), included")
@click.option("--scope", "scope_code", default=None, help="organisation code (default: the root)")
@click.option("--as-of", "as_of", default=None,
              help="ISO instant or date (default: now; the diff then compares with its own now)")
@click.option("--by", "by", type=click.Choice(["org", "site", "category"]), default="org")
@with_appcontext
def publish_report_command(date_from, date_to, scope_code, as_of, by):
    """Publish the report of a window (发布通报): freeze it and print the published report's id."""
    session = db.session
    try:
        params = make_params(date_from=date_from, date_to=date_to, scope_org=_scope(session, scope_code),
                             as_of=as_of, by=by)
        published = publish_report(session, params, fixed_as_of=bool(as_of),
                                   published_by=f"tracker publish-report ({getpass.getuser()})")
    except DomainError as exc:
        raise click.UsageError(exc.message("en")) from exc
    session.commit()
    click.echo(published.id)


@click.group("published")
def published():
    """Published reports: show one exactly as published, or compare it with now."""


def _get(session, report_id):
    try:
        return get_published(session, report_id)
    except DomainError as exc:
        raise click.UsageError(f"{exc.message('en')} ({report_id})") from exc


@published.command("show")
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file instead of standard output")
@with_appcontext
def show(report_id, fmt, output):
    """A published report exactly as published (json adds what was published with it)."""
    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx needs --output FILE")
    session = db.session
    snapshot = _get(session, report_id)
    report = report_of(snapshot)
    if fmt == "xlsx":
        write_xlsx(report, output)
    elif fmt == "json":
        lists = [{"row": row, "bucket": bucket, "case_ids": ids}
                 for (row, bucket), ids in sorted(stored_lists(session, snapshot).items())]
        data = {"id": snapshot.id, "from": snapshot.date_from.isoformat(), "to": snapshot.date_to.isoformat(),
                "scope": snapshot.scope_code, "as_of": snapshot.figures.get("as_of"), "as_of_rule": snapshot.as_of_rule,
                "published_at": snapshot.published_at.isoformat(), "published_by": snapshot.published_by,
                "rules_version": snapshot.rules_version, "calendar_version": snapshot.calendar_version,
                "sentence": snapshot.sentence, "report": snapshot.figures, "case_lists": lists}
        _send([(json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()], output)
    else:
        _send(_chunks(report, fmt), output)
    if output:
        click.echo(f"wrote {output}", err=True)


def diff_text(result: dict) -> str:
    """The diff as lines of text: the sentence then and now, each changed figure, each moved case."""
    lines = [f"published report {result['id']} (as of {result['published_as_of']}) against as of {result['as_of']}"]
    if result["unchanged"]:
        return "\n".join([*lines, "nothing changed: every figure reads as published", ""])
    if result["sentence_before"] != result["sentence_after"]:
        lines += [f"- {result['sentence_before']}", f"+ {result['sentence_after']}"]
    lines.append("figures:")
    for change in result["figures"]:
        where = "total" if change["section"] == "total" else f"{change['section']} {change['row']} {change['name']}"
        lines.append(f"  {where} {change['figure']}: {change['before']} -> {change['after']}")
    lines.append("cases:")
    for case in result["cases"]:
        was = f"{case['before']['row']} {'+'.join(case['before']['buckets'])}" if case["before"] else "-"
        now = f"{case['after']['row']} {'+'.join(case['after']['buckets'])}" if case["after"] else "-"
        why = ", ".join(f"{code} ({REASONS[code]})" for code in case["reasons"])
        lines.append(f"  {case['tracking_number']} (#{case['case_id']}): {was} -> {now}; {why}")
    return "\n".join(lines) + "\n"


@published.command("diff")
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def diff_command(report_id, fmt):
    """Recompute the published report's window and scope now and list what changed, and why."""
    session = db.session
    result = diff(session, _get(session, report_id))
    if fmt == "json":
        result = {**result, "cases": [{**c, "reasons": list(c["reasons"])} for c in result["cases"]]}
        result.pop("live")
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(diff_text(result), nl=False)


commands = [publish_report_command, published]
