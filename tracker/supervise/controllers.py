"""The supervisor's queues and the case list of the whole subtree."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.auth.access import current_actor, role_required
from tracker.auth.forms import CsrfForm
from tracker.calendar.status import missing_year_warning
from tracker.calendar.store import load_calendar
from tracker.cases import deadlines, lint
from tracker.cases import operations as ops
from tracker.cases.history import ACTION_NAMES
from tracker.cases.states import OUTCOME_NAMES, STATE_NAMES
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.evidence.util import review_evidence
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.supervise import util
from tracker.web import case_list_context

SUPERVISE_QUEUES = ("open", "triage", "due_soon", "overdue", "in_review", "sent_back", "closed", "all")
#: at most this many cases are chased by one submission (a queue shows at most util.QUEUE_LIMIT)
CHASE_LIMIT = util.QUEUE_LIMIT


def _index_page(*, errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    now = utcnow()
    session = db.session
    calendar = load_calendar(session)
    triage = util.triage(session, actor)
    overdue = util.overdue(session, actor, now)
    extensions = util.extension_requests(session, actor)
    review = util.in_review(session, actor)
    return render_template(
        "supervise/index.html", actor=actor,
        triage=triage, returns=util.return_notes(session, triage),
        unsatisfied=util.unsatisfied(session, actor), review=review, **review_evidence(session, review),
        review_lint=lint.answer_findings(session, [c.id for c in review]),
        extensions=extensions,
        extension_dues={x.id: deadlines.extension_due(c, calendar, x.workdays) for x, c in extensions},
        overdue=overdue, chases=util.chasing(session, overdue),
        organiser_names=util.organisation_names(session, [c.organiser_id for c in overdue]),
        days_overdue={c.id: -calendar.workdays_left(now, c.due_at) for c in overdue},
        overview=util.overview(session, actor, now),
        warning=missing_year_warning(session, now), form=CsrfForm(), here=request.full_path.rstrip("?"),
        state_names=STATE_NAMES, outcome_names=OUTCOME_NAMES, operation_names=ACTION_NAMES,
        errors=errors or {}, values=values or {},
    ), status


@role_required("supervisor", "admin")
def index():
    """Triage, review, extension requests, chasing, and the load per organisation."""
    return _index_page()


#: a flash message lives in the session cookie: it names at most this many cases
FLASH_NAMES = 10


def _listed(items: list[str], separator: str) -> str:
    shown = separator.join(items[:FLASH_NAMES])
    return shown if len(items) <= FLASH_NAMES else shown + separator + _("等%(n)s条", n=len(items))


@role_required("supervisor", "admin")
def chase_many():
    """Chase (督办) the ticked cases with one message. Each goes through the chase operation on
    its own: a case outside the scope, or one that cannot be chased now, is refused by name and
    does not stop the others."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    numbers = list(dict.fromkeys(n.strip() for n in request.form.getlist("case") if n.strip()))
    message = request.form.get("message", "").strip()
    values = {"message": message[:1000], "cases": numbers}
    if not numbers:
        return _index_page(errors={"chase": _("请至少勾选一条留言。")}, values=values, status=422)
    if len(numbers) > CHASE_LIMIT:
        return _index_page(errors={"chase": _("一次最多督办%(n)s条留言。", n=CHASE_LIMIT)}, values=values,
                           status=422)
    if not message:
        return _index_page(errors={"chase": _("请填写督办意见。")}, values=values, status=422)
    actor = current_actor()
    chased, refused = [], []
    for number in numbers:
        try:
            with db.transaction() as session:
                ops.chase(session, ops.get_case(session, actor, number[:32]), actor, message=message)
            chased.append(number)
        except DomainError as exc:
            refused.append(f"{number[:32]}：{exc.message(current_language())}")
    if chased:
        flash(_("已督办%(n)s条留言：%(numbers)s", n=len(chased), numbers=_listed(chased, "、")), "success")
    if refused:
        flash(_("未督办%(n)s条：%(reasons)s", n=len(refused), reasons=_listed(refused, "；")), "error")
    return redirect(url_for("supervise.index") + "#chase", code=303)


@role_required("supervisor", "admin")
def cases():
    """Every case in the subtree, with the inbox's filters and paging."""
    actor = current_actor()
    context = case_list_context(actor, "open", SUPERVISE_QUEUES)
    return render_template("supervise/cases.html", endpoint="supervise.cases",
                           warning=missing_year_warning(db.session), **context)
