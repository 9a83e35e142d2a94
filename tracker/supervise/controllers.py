"""The supervisor's queues and the case list of the whole subtree."""
from __future__ import annotations

from flask import render_template, request

from tracker.auth.access import current_actor, role_required
from tracker.auth.forms import CsrfForm
from tracker.calendar.status import missing_year_warning
from tracker.cases.history import ACTION_NAMES
from tracker.cases.states import STATE_NAMES
from tracker.db import utcnow
from tracker.extensions import db
from tracker.supervise import util
from tracker.web import case_list_context

SUPERVISE_QUEUES = ("open", "triage", "due_soon", "overdue", "in_review", "sent_back", "closed", "all")


@role_required("supervisor", "admin")
def index():
    """Triage, review, extension requests, chasing, and the load per organisation."""
    actor = current_actor()
    now = utcnow()
    return render_template(
        "supervise/index.html", actor=actor,
        triage=util.triage(db.session, actor), unsatisfied=util.unsatisfied(db.session, actor),
        review=util.in_review(db.session, actor), extensions=util.extension_requests(db.session, actor),
        overdue=util.overdue(db.session, actor, now), overview=util.overview(db.session, actor, now),
        warning=missing_year_warning(db.session, now), form=CsrfForm(), here=request.full_path.rstrip("?"),
        state_names=STATE_NAMES, operation_names=ACTION_NAMES,
    )


@role_required("supervisor", "admin")
def cases():
    """Every case in the subtree, with the inbox's filters and paging."""
    actor = current_actor()
    context = case_list_context(actor, "open", SUPERVISE_QUEUES)
    return render_template("supervise/cases.html", endpoint="supervise.cases",
                           warning=missing_year_warning(db.session), **context)
