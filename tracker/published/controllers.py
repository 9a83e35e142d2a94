"""Views of published reports (通报).

Staff (supervisors for their organisation and below, admins for all): publish from the report page
after a confirmation, the list, one report with the case lists behind its figures, the diff against
now (与发布时比较), and CSV/XLSX exactly as published. The public: the list and each report's
sentence and totals (no case lists), with the same CSV/XLSX.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from tracker.auth.access import current_actor, role_required
from tracker.cases.models import Case
from tracker.cases.states import OUTCOME_NAMES, Outcome
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.organisations.scope import is_within
from tracker.published import util
from tracker.published.models import AS_OF_FIXED, PublishedReport
from tracker.published.operations import can_publish, publish_report
from tracker.reports import params as report_params
from tracker.reports.exports import to_csv, to_xlsx
from tracker.reports.figures import compute
from tracker.reports.notice import percent
from tracker.users.models import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the figures of the public page and the staff list, beside the sentence
SHOWN_TOTALS = ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "open_not_due",
                "completion_rate", "on_time_rate")


def _own_scope() -> Organisation | None:
    """The organisation whose subtree the user sees (None for an admin: everything)."""
    actor = current_actor()
    if actor.role == Role.admin:
        return None
    if actor.organisation is None:
        abort(404)
    return actor.organisation


def _staff_report(report_id: int) -> PublishedReport:
    """The published report, when its scope lies in the user's subtree (404 otherwise)."""
    published = util.get_published(db.session, report_id)
    own = _own_scope()
    scope = db.session.get(Organisation, published.scope_id)
    if own is not None and (scope is None or not is_within(scope, own)):
        abort(404)
    return published


def outcome_name(value: str) -> str:
    return str(OUTCOME_NAMES[Outcome(value)]) if value in Outcome.__members__ else value


def _common() -> dict:
    return {"headings": report_params.HEADINGS, "percent": percent, "rate_keys": report_params.RATE_KEYS,
            "shown_totals": SHOWN_TOTALS, "total_label": report_params.TOTAL_LABEL, "reasons": util.REASONS}


def _download(published: PublishedReport, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    report = util.report_of(published)
    name = (f"published-{published.id}-{published.scope_code}-"
            f"{published.date_from:%Y%m%d}-{published.date_to:%Y%m%d}.{fmt}")
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    if fmt == "csv":
        return Response(to_csv(report), mimetype="text/csv; charset=utf-8", headers=headers)
    return Response(to_xlsx(report), mimetype=XLSX, headers=headers)


# ---------------------------------------------------------------- staff


def _asked(values) -> report_params.Params:
    """The report to publish, as the report page asks for it (``from``, ``to``, ``scope``, ``by`` and
    an optional ``as_of``); a scope outside the user's subtree is not found."""
    scope = db.session.exec(select(Organisation).where(Organisation.code == values.get("scope", ""))).first()
    if scope is None:
        abort(404)
    params = report_params.make_params(date_from=values.get("from", ""), date_to=values.get("to", ""),
                                       scope_org=scope, as_of=values.get("as_of") or None,
                                       by=values.get("by") or "org")
    if not can_publish(current_actor(), params):
        abort(404)
    return params


@role_required(Role.supervisor, Role.admin)
def confirm_page():
    """What would be published (the report page's parameters), and the button that publishes it."""
    params = _asked(request.args)
    report = compute(db.session, params)
    return render_template("published/confirm.html", report=report, params=params,
                           as_of_given=request.args.get("as_of", ""), **_common())


@role_required(Role.supervisor, Role.admin)
def publish():
    """Publish (POST, after the confirmation page): freeze the report and show it."""
    params = _asked(request.form)
    published = publish_report(db.session, params, fixed_as_of=bool(request.form.get("as_of")),
                               actor=current_actor())
    db.session.commit()
    flash(_("通报已发布。"), "success")
    return redirect(url_for("published.staff_report", report_id=published.id))


@role_required(Role.supervisor, Role.admin)
def staff_list():
    """The published reports of the user's organisation and below, newest first."""
    reports = util.published_list(db.session, _own_scope())
    return render_template("published/staff_list.html", reports=reports, **_common())


@role_required(Role.supervisor, Role.admin)
def staff_report(report_id: int):
    """One published report as published, with how many cases stand behind each figure."""
    published = _staff_report(report_id)
    lists = util.stored_lists(db.session, published)
    return render_template("published/staff_report.html", published=published, report=util.report_of(published),
                           lists=lists, count_keys=report_params.COUNT_KEYS, fixed=published.as_of_rule == AS_OF_FIXED,
                           outcome_name=outcome_name, **_common())


@role_required(Role.supervisor, Role.admin)
def staff_cases(report_id: int):
    """The cases behind one figure of one row, as they were at publication (their current numbers)."""
    published = _staff_report(report_id)
    row, bucket = request.args.get("row", ""), request.args.get("bucket", "")
    lists = util.stored_lists(db.session, published)
    if (row, bucket) not in lists:
        abort(404)
    ids = lists[(row, bucket)]
    cases = db.session.exec(select(Case).where(Case.id.in_(ids or [-1])).order_by(Case.received_at, Case.id)).all()
    name = util.list_name(published.figures, row)
    return render_template("published/staff_cases.html", published=published, cases=cases, row=row, row_name=name,
                           bucket=bucket, **_common())


@role_required(Role.supervisor, Role.admin)
def staff_diff(report_id: int):
    """与发布时比较: the same report recomputed now, every figure that changed and every case that moved."""
    published = _staff_report(report_id)
    result = util.diff(db.session, published)
    return render_template("published/diff.html", published=published, result=result, outcome_name=outcome_name,
                           **_common())


@role_required(Role.supervisor, Role.admin)
def staff_export(report_id: int, fmt: str):
    return _download(_staff_report(report_id), fmt)


# ---------------------------------------------------------------- public


def public_list():
    """Every published report: its sentence and totals."""
    reports = util.published_list(db.session)
    return render_template("published/public_list.html", reports=reports, totals=util.totals, **_common())


def public_report(report_id: int):
    """One published report for the public: the sentence, the totals and the rows' figures."""
    published = util.get_published(db.session, report_id)
    return render_template("published/public_report.html", published=published, report=util.report_of(published),
                           **_common())


def public_export(report_id: int, fmt: str):
    return _download(util.get_published(db.session, report_id), fmt)
