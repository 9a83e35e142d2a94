"""Views of the SLA report: the table and chart, the downloads, the drill-down and the assessment.

Thin: they read the parameters, check the scope and call :mod:`tracker.reports.figures`.
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, render_template, request, stream_with_context, url_for
from sqlmodel import select
from werkzeug.wsgi import wrap_file

from tracker.auth.access import current_actor, role_required
from tracker.calendar.store import load_calendar
from tracker.cases.states import OUTCOME_NAMES, STATE_NAMES, Outcome, State
from tracker.db import utcnow
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.organisations.scope import is_within
from tracker.reports import assessment, figures
from tracker.reports import params as report_params
from tracker.reports.buckets import days_late
from tracker.reports.exports import csv_chunks, xlsx_file
from tracker.reports.notice import percent
from tracker.users.models import Role
from tracker.web import page_number
from tracker.workdays import BEIJING

PAGE_SIZE = 100


def outcome_name(value: str) -> str:
    return str(OUTCOME_NAMES[Outcome(value)]) if value in Outcome.__members__ else value


def state_name(value: str) -> str:
    return str(STATE_NAMES[State(value)]) if value in State.__members__ else value


def _scope() -> Organisation:
    """``?scope=CODE`` within the user's subtree (404 otherwise); default the user's organisation
    (for an admin, the root)."""
    session = db.session
    actor = current_actor()
    own = actor.organisation if actor.role != Role.admin else None
    code = request.args.get("scope", "").strip()
    if not code:
        scope = own or report_params.root_organisation(session)
        if scope is None:
            abort(404)
        return scope
    scope = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if scope is None or (actor.role != Role.admin and (own is None or not is_within(scope, own))):
        abort(404)
    return scope


def _window(today: date) -> tuple:
    """The receipt dates asked for: a year and quarter (``period=quarter``, or ``year`` and
    ``quarter`` without dates), else ``from``/``to``; by default this quarter so far."""
    args = request.args
    period = args.get("period", "")
    if period == "quarter" or (period != "custom" and args.get("quarter") and not args.get("from")):
        return report_params.quarter_window(args.get("year", ""), args.get("quarter", ""), today)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return args.get("from") or quarter_start, args.get("to") or today


def _params() -> report_params.Params:
    date_from, date_to = _window(utcnow().astimezone(BEIJING).date())
    return report_params.make_params(
        date_from=date_from,
        date_to=date_to,
        scope_org=_scope(),
        as_of=request.args.get("as_of") or None,
        by=request.args.get("by") or "org",
        with_satisfaction=request.args.get("with_satisfaction") in ("1", "on", "true"),
    )


def _query_args(params: report_params.Params) -> dict:
    """The parameters of a report, with the as-of moment pinned so that links show the same figures."""
    args = {"from": params.date_from.isoformat(), "to": params.date_to.isoformat(),
            "scope": params.scope.code, "as_of": params.as_of.astimezone(BEIJING).isoformat(),
            "by": params.by}
    if params.with_satisfaction:
        args["with_satisfaction"] = "1"
    return args


def _chart(rows: list[dict], target: float) -> dict:
    """Geometry of the server-rendered SVG bar chart of on-time rates (no script, no style): the
    rows ranked best first (no rate last), a line at the ``target`` rate (percent), and the rows
    below it marked weak."""
    label_width, bar_width, bar_height, gap = 220, 360, 18, 8
    ranked = sorted(rows, key=lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), r["key"]))
    bars = []
    for index, row in enumerate(ranked):
        value = row["on_time_rate"]
        bars.append({"name": row["name"], "key": row["key"], "rank": index + 1, "y": index * (bar_height + gap),
                     "width": round(bar_width * (value or 0), 1), "label": percent(value),
                     "weak": is_weak(value, target)})
    height = max(len(rows), 1) * (bar_height + gap)
    return {"bars": bars, "label_width": label_width, "bar_width": bar_width, "bar_height": bar_height,
            "height": height, "total_width": label_width + bar_width + 110,
            "target": target, "target_x": round(label_width + bar_width * target / 100, 1),
            "target_label": percent(target / 100)}


def is_weak(rate: float | None, target: float) -> bool:
    """A unit below the target on-time rate (``target`` in percent); one with no rate is not."""
    return rate is not None and rate * 100 < target


def is_slow_review(share: float | None) -> bool:
    """Answers that waited in the final review for more than half their working days: the
    reviewers are the bottleneck of that row."""
    return share is not None and share > report_params.REVIEW_BOTTLENECK


@role_required(Role.supervisor, Role.admin)
def report_page():
    """The report table with its totals row, chart, sentence, footnote and download links."""
    params = _params()
    data = figures.compute(db.session, params)
    args = _query_args(params)
    children = db.session.exec(select(Organisation).where(Organisation.parent_id == params.scope.id)
                               .order_by(Organisation.code)).all()
    target = float(current_app.config["REPORT_TARGET"])
    today = utcnow().astimezone(BEIJING).date()
    return render_template("sla/report.html", report=data, params=params, args=args,
                           chart=_chart(data["rows"], target), is_weak=lambda rate: is_weak(rate, target),
                           picked=report_params.quarter_of(params.date_from, params.date_to) or (
                               today.year, (today.month - 1) // 3 + 1),
                           years=range(today.year, 2014, -1), quarters=report_params.QUARTERS,
                           keys=report_params.TABLE_KEYS, count_keys=report_params.COUNT_KEYS,
                           rate_keys=report_params.RATE_KEYS, review_keys=report_params.REVIEW_KEYS,
                           is_slow_review=is_slow_review, review_footnote=report_params.REVIEW_FOOTNOTE,
                           headings=report_params.HEADINGS, group_heading=report_params.GROUP_HEADINGS[params.by],
                           total_label=report_params.TOTAL_LABEL, percent=percent, children=children,
                           footnote=report_params.FOOTNOTE, outcome_name=outcome_name,
                           satisfaction_keys=report_params.SATISFACTION_KEYS,
                           satisfaction_footnote=report_params.SATISFACTION_FOOTNOTE)


@role_required(Role.supervisor, Role.admin)
def report_export(fmt: str):
    """The same report as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    params = _params()
    data = figures.compute(db.session, params)
    name = f"sla-report-{params.scope.code}-{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    if fmt == "csv":  # written a line at a time as the response is sent
        return Response(stream_with_context(csv_chunks(data)), mimetype="text/csv; charset=utf-8", headers=headers)
    file, size = xlsx_file(data)  # sent in chunks; the response closes, and so removes, it
    return Response(wrap_file(request.environ, file), direct_passthrough=True,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={**headers, "Content-Length": str(size)})


@role_required(Role.supervisor, Role.admin)
def report_cases():
    """The cases behind one number of the report (``bucket`` in the row ``key``, or the totals)."""
    params = _params()
    bucket = request.args.get("bucket", "received")
    key = request.args.get("key") or None
    outcome = request.args.get("outcome") or None
    page = page_number(request.args)
    query = figures.bucket_filter(db.session, params, bucket, key, outcome)
    cases = db.session.exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    args = _query_args(params)
    shown = cases[:PAGE_SIZE]
    calendar = load_calendar(db.session)
    organisers = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({c.organiser_id for c in shown if c.organiser_id}))).all()) if shown else {}
    return render_template("sla/cases.html", cases=shown, has_next=len(cases) > PAGE_SIZE,
                           organisers=organisers, late={c.id: days_late(calendar, c, params.as_of) for c in shown},
                           here=request.full_path.rstrip("?"),
                           page=page, params=params, args=args, bucket=bucket, key=key, outcome=outcome,
                           heading=report_params.HEADINGS[bucket], back=url_for("sla.report", **args),
                           state_name=state_name, outcome_name=outcome_name)


@role_required(Role.supervisor, Role.admin)
def assessment_page():
    """The annual assessment: per organisation, cases not closed and closed after a month, and points."""
    year = request.args.get("year", type=int) or utcnow().astimezone(BEIJING).year
    if not 2000 <= year <= 2100:
        abort(404)
    data = assessment.assessment(db.session, year=year, scope_org=_scope(), as_of=request.args.get("as_of") or None)
    return render_template("sla/assessment.html", data=data, year=year)
