"""The organiser's inbox and the case page (shared by every staff role, scope-checked)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from tracker.auth.access import current_actor, role_required
from tracker.auth.forms import CsrfForm
from tracker.calendar.store import load_calendar
from tracker.cases import deadlines, lint, queries
from tracker.cases import operations as ops
from tracker.cases.canned import create_canned_answer, delete_own_canned_answer
from tracker.cases.history import ACTION_NAMES, Action, action_name, timeline
from tracker.cases.models import PAUSE_APPROVAL_NAMES, PAUSE_END_NAMES, Attachment
from tracker.cases.permissions import STAFF_OPERATIONS, available_actions
from tracker.cases.scope import can_see
from tracker.cases.states import (
    ANSWER_OUTCOMES,
    NOT_TAKEN_UP_OUTCOMES,
    OUTCOME_NAMES,
    STATE_NAMES,
)
from tracker.db import utcnow
from tracker.errors import DomainError, InvalidInput
from tracker.evidence import util as evidence
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.inbox import util
from tracker.inputs import whole_number
from tracker.organisations.models import Organisation
from tracker.web import case_list_context, page_number, safe_next

INBOX_QUEUES = ("open", "new", "in_progress", "due_soon", "overdue", "in_review", "sent_back", "closed")
#: actions that end the organiser's part without an answer: offered apart, and only once confirmed
CONFIRMED_ACTIONS = (Action.return_case, Action.close_not_taken_up)


@role_required("organiser")
def index():
    """The organiser's inbox: queues, filters, sorted by due time, ``?page=N``."""
    context = case_list_context(current_actor(), "open", INBOX_QUEUES, count_sent_back=True)
    return render_template("inbox/index.html", endpoint="inbox.index", **context)


@role_required("organiser")
def returned():
    """The cases this organisation returned (我退回的), with where each is now: ``?page=N``."""
    number = page_number(request.args)
    rows, has_next = util.returned_cases(db.session, current_actor().organisation, number)
    return render_template("inbox/returned.html", rows=rows, number=number, has_next=has_next,
                           state_names=STATE_NAMES)


@role_required("organiser")
def canned():
    """常用答复: the shared ones to use, and this organisation's own to add and remove."""
    actor = current_actor()
    form = CsrfForm()
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = request.form.to_dict()
        try:
            with db.transaction() as session:
                create_canned_answer(session, title=values.get("title", ""), body=values.get("body", ""),
                                     category_code=whole_number(values.get("category", "")),
                                     organisation_id=actor.organisation.id)
        except DomainError as exc:
            errors, status = {"add": exc.message(current_language())}, exc.status
        else:
            flash(_("已添加常用答复：%(title)s", title=values.get("title", "").strip()), "success")
            return redirect(url_for("inbox.canned"))
    return render_template("inbox/canned.html", answers=util.usable_canned_answers(db.session, actor),
                           categories=queries.categories(db.session), own_id=actor.organisation.id,
                           errors=errors, values=values, form=form), status


@role_required("organiser")
def delete_canned(answer_id: int):
    """Remove one of this organisation's own canned answers (a shared one is not found: 404)."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    with db.transaction() as session:
        delete_own_canned_answer(session, answer_id=answer_id, organisation_id=current_actor().organisation.id)
    flash(_("已删除常用答复。"), "success")
    return redirect(url_for("inbox.canned"))


def _case_page(case, *, errors: dict | None = None, status: int = 200, values: dict | None = None):
    actor = current_actor()
    details = util.case_details(db.session, case)
    pending = next((e for e in details["extensions"] if e.state == "pending"), None)
    calendar = load_calendar(db.session)
    draft = (values or {}).get("answer")
    return render_template(
        "inbox/case.html", case=case, actor=actor, **details, pending_extension=pending,
        pending_due=deadlines.extension_due(case, calendar, pending.workdays) if pending else None,
        timeline=timeline(details["events"]), sent_back=util.sent_back_reason(case, details["events"]),
        actions=available_actions(db.session, actor, case),
        canned=util.canned_answers(db.session, actor, case.category_code),
        organisers=queries.organisers_in_scope(db.session, actor) if actor.role != "organiser" else [],
        workdays_left=calendar.workdays_left(utcnow(), case.due_at) if case.is_open else None,
        state_names=STATE_NAMES, outcome_names=OUTCOME_NAMES, operation_names=ACTION_NAMES, action_name=action_name,
        answer_outcomes=ANSWER_OUTCOMES, not_taken_up_outcomes=NOT_TAKEN_UP_OUTCOMES,
        errors=errors or {}, values=values or {}, form=CsrfForm(), **_lint_context(case, draft),
        back=safe_next(""), **evidence.panel(db.session, actor, case),
        pending_pause=next((p for p in details["pauses"] if p.approval == "pending"), None),
        pause_end_names=PAUSE_END_NAMES, pause_approval_names=PAUSE_APPROVAL_NAMES,
    ), status


def _lint_context(case, draft: dict | None) -> dict:
    """The answer lint on the case page: the findings for the answer being written (``draft``,
    the form as submitted), and those recorded with the latest answer, for the reviewer."""
    text = (draft or {}).get("text", "").strip()
    return {
        "lint_checked": bool(text),
        "lint_findings": lint.lint_answer(db.session, case, text=text, outcome=draft.get("outcome", ""))
        if text else [],
        "answer_lint": lint.answer_findings(db.session, [case.id]).get(case.id, []),
    }


@role_required("organiser", "supervisor", "admin")
def case(tracking_number: str):
    """One case: report, screenshots, history, and the actions its state allows."""
    return _case_page(ops.get_case(db.session, current_actor(), tracking_number))


def _int(name: str, *, required: bool = True) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw and not required:
        return None
    number = whole_number(raw)
    if number is None:
        raise InvalidInput(_l("请填写数字。"), fields={name: [raw[:20]]})
    return number


def _arguments(operation: str) -> dict:
    """The operation's keyword arguments, read from the submitted form."""
    f = request.form
    if operation in CONFIRMED_ACTIONS and not f.get("confirm"):
        raise InvalidInput(_l("请勾选确认后再提交。"), fields={"confirm": ["required"]})
    if operation in ("answer",):
        return {"text": f.get("text", ""), "outcome": f.get("outcome", ""),  # no outcome is assumed
                "confirmed": f.get("confirm") == "1"}
    if operation == "add_note":
        return {"text": f.get("text", "")}
    if operation in ("return", "reject", "reopen", "pause"):
        return {"reason": f.get("reason", "")}
    if operation == "request_extension":
        return {"workdays": _int("workdays"), "reason": f.get("reason", "")}
    if operation == "close_not_taken_up":
        return {"outcome": f.get("outcome", ""), "reason": f.get("reason", "")}
    if operation == "approve":
        return {"note": f.get("note") or None}
    if operation in ("assign", "reroute"):
        return {"organiser_id": _int("organiser_id"), "note": f.get("note") or None}
    if operation == "decide_extension":
        return {"request_id": _int("request_id"), "approve": f.get("decision") == "approve",
                "note": f.get("note") or None}
    if operation == "chase":
        return {"message": f.get("message", "")}
    if operation == "decide_pause":
        return {"pause_id": _int("pause_id"), "approve": f.get("decision") == "approve", "note": f.get("note") or None}
    return {}


@role_required("organiser", "supervisor", "admin")
def act(tracking_number: str, operation: str):
    """Run one operation on a case. A refusal is shown next to its form, never as a 500."""
    actor = current_actor()
    case = ops.get_case(db.session, actor, tracking_number)  # 404 outside the scope
    if operation not in STAFF_OPERATIONS:
        abort(404)
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    if operation == "answer" and request.form.get("check"):
        # 检查答复: the form again, with the text kept and what the lint finds in it
        return _case_page(case, values={operation: request.form.to_dict()})
    if operation == Action.answer and "insert" in request.form \
            and operation in available_actions(db.session, actor, case):
        return _insert_canned(case)
    try:
        with db.transaction() as session:
            ops.perform(session, operation, case, actor, **_arguments(operation))
    except DomainError as exc:
        case = ops.get_case(db.session, actor, tracking_number)
        return _case_page(case, errors={operation: exc.message(current_language())}, status=exc.status,
                          values={operation: request.form.to_dict()})
    if not can_see(db.session, actor, case):  # handed on (a return): back to the list, never to a 404
        return _handed_on(case, actor, operation)
    flash(_("已完成：%(action)s", action=action_name(operation)), "success")
    return redirect(safe_next() or url_for("inbox.case", tracking_number=tracking_number))


def _handed_on(case, actor, operation: str):
    holder = db.session.get(Organisation, case.organiser_id or case.supervisor_id)
    if operation == Action.return_case:
        flash(_("留言%(number)s已退回，现由%(holder)s分办。可在“我退回的”中查看它的去向。",
                number=case.tracking_number, holder=holder.name if holder else "—"), "success")
    else:
        flash(_("已完成：%(action)s", action=action_name(operation)), "success")
    return redirect(url_for("inbox.index") if actor.role == "organiser" else url_for("supervise.index"))


def _insert_canned(case):
    """The answer form's 插入 button (it works without JavaScript): the chosen canned answer is added
    to the text typed so far, and the page comes back with the form filled in; nothing is saved."""
    actor = current_actor()
    chosen = util.canned_answer(db.session, actor, case.category_code, request.form.get("canned", ""))
    values = request.form.to_dict()
    if chosen is None:
        return _case_page(case, errors={"answer": _("请先选择一条常用答复。")}, status=422,
                          values={"answer": values})
    text = values.get("text", "").rstrip()
    values["text"] = f"{text}\n{chosen.body}" if text else chosen.body
    return _case_page(case, values={"answer": values})


@role_required("organiser", "supervisor", "admin")
def attachment(tracking_number: str, attachment_id: int):
    """A screenshot's bytes, only for staff who may see its case."""
    case = ops.get_case(db.session, current_actor(), tracking_number)
    row = db.session.exec(select(Attachment).where(Attachment.id == attachment_id,
                                                   Attachment.case_id == case.id)).first()
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f'inline; filename="{row.id}.{row.content_type.split("/")[-1]}"'
    return response

