"""Every case transition, in one place.

Each operation checks the actor's role and scope and the case's state, stamps the times, writes
a :class:`CaseEvent` and adds outbox rows to the same session. Operations flush but do not
commit: the caller commits once (``with db.transaction(): ...``), so the change, its event and
its side effects land together or not at all. A refusal is a :class:`tracker.errors.DomainError`
with a message in Chinese and English.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases import deadlines, history, lint
from tracker.cases.history import (
    Action,
    Answered,
    Assigned,
    Closing,
    ExtensionDecided,
    ExtensionRequested,
    PauseCounted,
    Paused,
    Rated,
    Reopened,
    Returned,
    Submitted,
    Triaged,
    record,
)
from tracker.cases.models import Case, CasePause, ExtensionRequest
from tracker.cases.numbers import hash_query_code, new_query_code, next_tracking_number
from tracker.cases.permissions import (
    active_category,
    can_rate,
    check,
    pause_used,
    pending_extension,
    running_pause,
    running_site,
)
from tracker.cases.scope import CITIZEN, SYSTEM, Actor, can_see
from tracker.cases.states import ANSWER_OUTCOMES, NOT_TAKEN_UP_OUTCOMES, Outcome, State
from tracker.cases.validation import Invalid, check_feedback_comment
from tracker.db import plain, utcnow
from tracker.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from tracker.organisations.models import Organisation, OrgKind, Site
from tracker.organisations.scope import is_within
from tracker.organisations.util import RoutedTo, resolve_route
from tracker.outbox import enqueue, enqueue_many
from tracker.users.models import Role
from tracker.workdays import WorkCalendar

# ---------------------------------------------------------------- helpers


def _require_text(value: str | None, field: str, max_length: int = 1000) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_l("请填写理由或内容。"), fields={field: ["必填 / required"]})
    if len(text) > max_length:
        raise InvalidInput(_l("内容不能超过%(n)s字。", n=max_length), fields={field: [f"≤ {max_length}"]})
    return text


def _decision_note(note: str | None, approve: bool) -> str:
    """A supervisor's note on a request (an extension, a pause): optional on approval, required
    on a denial, which says why (the organiser reads it on the case page and in the mail)."""
    if approve and not (note or "").strip():
        return ""
    return _require_text(note, "note")


def _notify(session: Session, topic: str, case: Case, **payload) -> None:
    enqueue(session, topic, case_id=case.id, payload=payload)


def _tell_citizen_due(session: Session, case: Case, change: str) -> None:
    """Tell a citizen who gave an email that the case's due time moved or was confirmed
    (``change``: ``extension``, ``reroute``, ``reopen`` or ``pause``)."""
    if case.contact_email:
        _notify(session, "case_due_changed", case, change=change)


#: the outbox topic that has the reported page fetched (:mod:`tracker.evidence`)
PAGE_CHECK_TOPIC = "page_check"


def _check_page(session: Session, case: Case, reason: str) -> None:
    """Have the reported page checked after commit, when page checks are on (``TRACKER_PROBE``)."""
    if current_app.config["PROBE"]:
        enqueue(session, PAGE_CHECK_TOPIC, case_id=case.id, payload={"reason": reason})


def _organiser_in_scope(session: Session, actor: Actor, organiser_id: int) -> Organisation:
    organiser = session.get(Organisation, organiser_id)
    if organiser is None or organiser.kind != OrgKind.organiser:
        raise InvalidInput(_l("请选择一个主办单位。"), fields={"organiser_id": ["?"]})
    if actor.role == Role.supervisor and not is_within(organiser, actor.organisation):
        raise NotAllowed(_l("只能改派给本辖区内的单位。"))
    return organiser


def _site_in_scope(session: Session, actor: Actor, site_id: int) -> Site:
    """A running site that a supervisor's subtree holds: its organiser and its supervisor both."""
    site = session.get(Site, site_id)
    if site is None:
        raise InvalidInput(_l("网站不存在。"), fields={"site_id": ["?"]})
    if not site.is_running:
        raise InvalidInput(_l("该网站已停止运行，不能改派到它。"), fields={"site_id": ["not running"]})
    if actor.role == Role.supervisor:
        for org_id in (site.organiser_id, site.supervisor_id):
            org = session.get(Organisation, org_id)
            if org is None or not is_within(org, actor.organisation):
                raise NotAllowed(_l("只能改派到本辖区内的网站。"))
    return site


def _sweep_later(session: Session, case: Case) -> None:
    deadlines.schedule_sweep(case, load_calendar(session))


# ---------------------------------------------------------------- operations


@dataclass
class Submission:
    case: Case
    query_code: str
    #: where it was routed: the site, its organiser and the supervisor, as loaded
    routed: RoutedTo | None = None


@dataclass
class Intake:
    """A new case as :func:`take_in` builds it, before anything is written: the case row, its
    events in order (their ``case_id`` set once the case has an id) and its outbox notices."""

    #: a plain stand-in of the case row (:func:`tracker.db.plain`) until :func:`submit` makes it a Case
    case: Case | SimpleNamespace
    #: event rows (:func:`tracker.cases.history.event`)
    events: list[dict]
    #: (topic, payload, written at) of each outbox row
    notices: list[tuple[str, dict, datetime]]
    query_code: str


def take_in(calendar: WorkCalendar, routed: RoutedTo, *, tracking_number: str, page_url: str, category: int,
            description: str, received_at: datetime, site_code: str | None = None, contact_name: str = "",
            contact_phone: str = "", contact_email: str = "", source: str = "web", external_id: str | None = None,
            actor: Actor = CITIZEN, notify: bool = True) -> Intake:
    """The rules of taking in a report that ``routed`` places, as rows: start its clock, assign it
    to the site's organiser or send it to triage, and say whom to tell. Reads and writes nothing:
    :func:`submit` writes one, the import a batch (:func:`write_intakes`)."""
    query_code = new_query_code()
    case = plain(
        Case, tracking_number=tracking_number,
        query_code_hash=hash_query_code(query_code),
        external_id=external_id, source=source, state=State.received,
        site_id=routed.site.id if routed.site else None,
        site_code_given=(site_code or None),
        supervisor_id=routed.supervisor.id,
        category_code=category, page_url=page_url, description=description,
        contact_name=contact_name or "", contact_phone=contact_phone or "",
        contact_email=contact_email or "",
        received_at=received_at, updated_at=received_at,
    )
    deadlines.start_answer_clock(case, calendar)
    events = [history.event(case, Action.submit, actor, None, public=True, now=received_at,
                            data=Submitted(route=routed.route.reason, candidates=list(routed.route.candidates),
                                           workdays=case.answer_workdays))]
    notices: list[tuple[str, dict, datetime]] = []
    if routed.site is not None:
        organiser_id = routed.site.organiser_id
        events.append(_assigned(case, SYSTEM, organiser_id, routed.organiser, now=received_at))
        if notify:
            notices.append(("case_assigned", {"organiser_id": organiser_id}, utcnow()))
    else:
        before = case.state
        case.state = State.triage
        case.triage_due_at = deadlines.triage_due(calendar, received_at)
        events.append(history.event(case, Action.triage, SYSTEM, before, now=received_at,
                                    data=Triaged(reason=routed.route.reason)))
        if notify:
            notices.append(("case_triage", {}, utcnow()))
    deadlines.schedule_sweep(case, calendar)
    if case.contact_email and notify:
        # the query code travels once, in the confirmation mail; the relay drops it once sent
        notices.append(("case_received", {"query_code": query_code}, utcnow()))
    return Intake(case, events, notices, query_code)


def write_intakes(session: Session, intakes: list[Intake]) -> None:
    """Write the events and outbox rows of ``intakes`` whose cases have their ids: one statement
    for all the events, one for all the outbox rows."""
    events, notices = [], []
    for intake in intakes:
        for row in intake.events:
            row["case_id"] = intake.case.id
        events.extend(intake.events)
        notices.extend((topic, intake.case.id, payload, at) for topic, payload, at in intake.notices)
    history.write(session.connection(), events)
    enqueue_many(session, notices)


def submit(session: Session, *, page_url: str, category: int, description: str, site_code: str | None = None,
           contact_name: str = "", contact_phone: str = "", contact_email: str = "",
           received_at: datetime | None = None, source: str = "web", external_id: str | None = None,
           actor: Actor = CITIZEN, notify: bool = True) -> Submission:
    """Take in a report (already validated at the edge), route it, and start its clock.

    ``notify=False`` writes no outbox rows: for replaying history that nobody is to hear of now.
    Imported records (``source="import"``) may carry a category that is no longer offered.
    The case is written once, as it ends up; one flush.
    """
    active_category(session, category, replaying=source == "import")
    received_at = received_at or utcnow()
    routed = resolve_route(session, site_code, page_url)
    if source != "import":  # a record of the past may name a site that has stopped since
        running_site(session, site_code, page_url, routed)
    intake = take_in(load_calendar(session), routed, tracking_number=next_tracking_number(session, received_at),
                     page_url=page_url, category=category, description=description, received_at=received_at,
                     site_code=site_code, contact_name=contact_name, contact_phone=contact_phone,
                     contact_email=contact_email, source=source, external_id=external_id, actor=actor,
                     notify=notify)
    intake.case = Case(**vars(intake.case))
    session.add(intake.case)
    session.flush()
    write_intakes(session, [intake])
    if notify:
        _check_page(session, intake.case, "intake")
    return Submission(intake.case, intake.query_code, routed)


def _assigned(case, actor: Actor, organiser_id: int, organiser: Organisation | None, *,
              action: Action = Action.assign, note: str | None = None, now: datetime) -> dict:
    """Hand ``case`` to ``organiser``: its new state, and the event row that says so (not written)."""
    before = case.state
    case.organiser_id = organiser_id
    case.state = State.assigned
    case.assigned_at = now
    case.accepted_at = None
    return history.event(case, action, actor, before, note=note, public=True, now=now,
                         data=Assigned(organiser_id=organiser_id, organiser=organiser.name if organiser else None))


def _assign(session: Session, case: Case, actor: Actor, organiser_id: int, *, action: Action = Action.assign,
            note: str | None = None) -> Case:
    organiser = session.get(Organisation, organiser_id)
    history.add(session, _assigned(case, actor, organiser_id, organiser, action=action, note=note, now=utcnow()))
    _notify(session, "case_assigned", case, organiser_id=organiser_id)
    return case


def assign(session: Session, case: Case, actor: Actor, *, organiser_id: int, note: str | None = None) -> Case:
    """Hand a case in triage to an organiser. The clock keeps running from receipt."""
    check(session, Action.assign, actor, case)
    _organiser_in_scope(session, actor, organiser_id)
    return _assign(session, case, actor, organiser_id, note=note)


def reroute(session: Session, case: Case, actor: Actor, *, organiser_id: int, site_id: int | None = None,
            note: str | None = None) -> Case:
    """Send a case to another organiser (改派). Re-routing does not restart the clock."""
    check(session, Action.reroute, actor, case)
    _organiser_in_scope(session, actor, organiser_id)
    if site_id is not None:
        case.site_id = _site_in_scope(session, actor, site_id).id
    case.sent_back_at = None
    _assign(session, case, actor, organiser_id, action=Action.reroute, note=note)
    _tell_citizen_due(session, case, "reroute")
    return case


def accept(session: Session, case: Case, actor: Actor) -> Case:
    """The organiser signs for the case (签收)."""
    check(session, Action.accept, actor, case)
    before = case.state
    case.state = State.in_progress
    case.accepted_at = utcnow()
    record(session, case, Action.accept, actor, before, public=True)
    return case


def _finish(session: Session, case: Case, actor: Actor, action: Action, *, note: str | None, public: bool,
            data: Closing) -> Case:
    """Send an answer or a not-taken-up decision to review, or close it when review is off."""
    before = case.state
    now = utcnow()
    case.answered_at = now
    case.sent_back_at = None
    if case.accepted_at is None:
        case.accepted_at = now
    if current_app.config["REVIEW_REQUIRED"]:
        case.state = State.in_review
        record(session, case, action, actor, before, note=note, public=False, data=data)
        _notify(session, "review_requested", case)
    else:
        case.state = State.closed
        case.closed_at = now
        record(session, case, action, actor, before, note=note, public=public, data=data)
        _notify(session, "case_answered", case)
    _sweep_later(session, case)
    return case


def answer(session: Session, case: Case, actor: Actor, *, text: str, outcome: str = Outcome.fixed,
           confirmed: bool = True) -> Case:
    """The organiser answers: the public text and whether the error was fixed or explained.

    The answer lint (:mod:`tracker.cases.lint`) reads it first: when a rule fires and the answer
    is not ``confirmed`` (仍然提交), it is refused with the rules' codes; otherwise the codes go
    into the answer's event, for the reviewer."""
    check(session, Action.answer, actor, case)
    if outcome not in {o.value for o in ANSWER_OUTCOMES}:
        raise InvalidInput(_l("答复结果应为“属实已整改”或“已核实说明”。"), fields={"outcome": ["fixed | explained"]})
    text = _require_text(text, "text", 2000)
    findings = [f.code for f in lint.lint_answer(session, case, text=text, outcome=outcome)]
    if findings and not confirmed:
        raise InvalidInput(_l("答复检查有提示：请修改答复，或确认仍然提交。"), fields={"lint": findings})
    case.answer = text
    case.outcome = outcome
    case.not_taken_up_reason = None
    if outcome == Outcome.fixed:  # the page is checked again: does it say what the answer says?
        _check_page(session, case, "answer")
    return _finish(session, case, actor, Action.answer, note=case.answer, public=True,
                   data=Answered(outcome=outcome, lint=findings))


def close_not_taken_up(session: Session, case: Case, actor: Actor, *, outcome: str, reason: str) -> Case:
    """Close as not taken up (不予受理): duplicate, out of scope, not a government site, or too little
    information. An organiser's decision goes to review; a supervisor's, from triage, closes."""
    check(session, Action.close_not_taken_up, actor, case)
    if outcome not in {o.value for o in NOT_TAKEN_UP_OUTCOMES}:
        raise InvalidInput(_l("请选择不予受理的类型。"),
                           fields={"outcome": [", ".join(o.value for o in NOT_TAKEN_UP_OUTCOMES)]})
    reason = _require_text(reason, "reason")
    case.outcome = outcome
    case.not_taken_up_reason = reason
    case.answer = reason
    if actor.role == Role.organiser:
        return _finish(session, case, actor, Action.close_not_taken_up, note=reason, public=True,
                       data=Closing(outcome=outcome))
    before = case.state
    now = utcnow()
    case.state = State.closed
    case.answered_at = case.closed_at = now
    record(session, case, Action.close_not_taken_up, actor, before, note=reason, public=True,
           data=Closing(outcome=outcome))
    _notify(session, "case_answered", case)
    _sweep_later(session, case)
    return case


def approve(session: Session, case: Case, actor: Actor, *, note: str | None = None) -> Case:
    """Final review (终审) passes: the answer is published and the case closes."""
    check(session, Action.approve, actor, case)
    before = case.state
    case.state = State.closed
    case.closed_at = utcnow()
    record(session, case, Action.approve, actor, before, note=note, public=True,
           data=Closing(outcome=case.outcome, answer=case.answer))
    _notify(session, "case_answered", case)
    _sweep_later(session, case)
    return case


def reject(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """Review sends the answer back to be redone (驳回重办). The due time does not move."""
    check(session, Action.reject, actor, case)
    reason = _require_text(reason, "reason")
    before = case.state
    case.state = State.in_progress
    case.answered_at = None
    case.sent_back_at = utcnow()
    record(session, case, Action.reject, actor, before, note=reason)
    _notify(session, "review_rejected", case, reason=reason)
    _sweep_later(session, case)
    return case


def return_case(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """The organiser hands back a case that is not theirs (退回); it goes to the supervisor's triage."""
    check(session, Action.return_case, actor, case)
    reason = _require_text(reason, "reason")
    before = case.state
    returned_by = case.organiser_id
    case.state = State.triage
    case.organiser_id = None
    case.accepted_at = None
    case.triage_due_at = deadlines.triage_due(load_calendar(session), utcnow())
    record(session, case, Action.return_case, actor, before, note=reason, data=Returned(returned_by=returned_by))
    _notify(session, "case_returned", case, reason=reason)
    return case


def request_extension(session: Session, case: Case, actor: Actor, *, workdays: int, reason: str) -> ExtensionRequest:
    """Ask the supervisor for more working days (延期)."""
    check(session, Action.request_extension, actor, case)
    reason = _require_text(reason, "reason")
    if isinstance(workdays, bool) or not isinstance(workdays, int) or not 1 <= workdays <= 30:
        raise InvalidInput(_l("延期天数应为1到30个工作日。"), fields={"workdays": ["1–30"]})
    if pending_extension(session, case) is not None:
        raise InvalidState(_l("已有一个延期申请在审批中。"))
    request = ExtensionRequest(case_id=case.id, requested_by_id=actor.user_id, reason=reason, workdays=workdays)
    session.add(request)
    session.flush()
    record(session, case, Action.request_extension, actor, case.state, note=reason,
           data=ExtensionRequested(workdays=workdays, request_id=request.id))
    _notify(session, "extension_requested", case, request_id=request.id)
    return request


def decide_extension(session: Session, case: Case, actor: Actor, *, request_id: int, approve: bool,
                     note: str | None = None) -> ExtensionRequest:
    """Approve (the due time moves by the days asked, from the current due date) or deny."""
    check(session, Action.decide_extension, actor, case)
    request = session.get(ExtensionRequest, request_id)
    if request is None or request.case_id != case.id:
        raise NotFound(_l("延期申请不存在。"))
    if request.state != "pending":
        raise InvalidState(_l("该延期申请已处理。"))
    note = _decision_note(note, approve)
    now = utcnow()
    request.state = "approved" if approve else "denied"
    request.decided_by_id = actor.user_id
    request.decided_at = now
    request.decision_note = note or None
    request.due_before = case.due_at
    if approve:
        calendar = load_calendar(session)
        deadlines.extended_due(case, calendar, request.workdays)
        deadlines.schedule_sweep(case, calendar)
    request.due_after = case.due_at
    record(session, case, Action.decide_extension, actor, case.state, note=request.decision_note,
           data=ExtensionDecided(request_id=request.id, approved=approve, workdays=request.workdays,
                                 due_before=request.due_before, due_after=case.due_at))
    _notify(session, "extension_decided", case, request_id=request.id, approved=approve,
            reason=request.decision_note)
    if approve:
        _tell_citizen_due(session, case, "extension")
    return request


def chase(session: Session, case: Case, actor: Actor, *, message: str) -> Case:
    """Press the organiser to act (督办): recorded and notified."""
    check(session, Action.chase, actor, case)
    message = _require_text(message, "message")
    record(session, case, Action.chase, actor, case.state, note=message)
    _notify(session, "case_chased", case, message=message)
    return case


def add_note(session: Session, case: Case, actor: Actor, *, text: str) -> Case:
    """An internal note, seen only by staff."""
    check(session, Action.add_note, actor, case)
    record(session, case, Action.add_note, actor, case.state, note=_require_text(text, "text", 2000))
    return case


def record_feedback(session: Session, case: Case, *, satisfied: bool, comment: str | None = None,
                    actor: Actor = CITIZEN) -> Case:
    """The citizen rates the answer, once, within the rating period after closing."""
    check(session, Action.record_feedback, actor, case)
    if case.feedback is not None:
        raise InvalidState(_l("您已评价过该留言。"))
    if not can_rate(case):
        raise InvalidState(_l("已超过评价期限。"))
    try:
        comment = check_feedback_comment(comment)
    except Invalid as exc:
        raise InvalidInput(exc.text, fields={"comment": [exc.message_en]}) from None
    if not satisfied and not comment:
        raise InvalidInput(_l("不满意时请说明原因。"), fields={"comment": ["必填 / required"]})
    case.feedback = "satisfied" if satisfied else "unsatisfied"
    case.feedback_comment = comment or None
    case.feedback_at = utcnow()
    record(session, case, Action.record_feedback, actor, case.state, note=comment or None, public=True,
           data=Rated(satisfied=satisfied))
    if not satisfied:
        _notify(session, "feedback_unsatisfied", case)
    return case


def reopen(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """Reopen a closed case (重办), usually after an unsatisfied rating: a new period starts now."""
    check(session, Action.reopen, actor, case)
    reason = _require_text(reason, "reason")
    if case.organiser_id is None:
        raise InvalidState(_l("该留言没有主办单位，请先分办。"))
    before = case.state
    now = utcnow()
    case.state = State.in_progress
    case.reopened_at = now
    if case.feedback == "unsatisfied":  # 重办: the report counts reopens that followed an unsatisfied rating
        case.redone_at = now
    case.closed_at = None
    case.answered_at = None
    case.outcome = None
    case.feedback = None
    case.feedback_comment = None
    case.feedback_at = None
    case.reminded_at = None
    case.overdue_at = None
    calendar = load_calendar(session)
    deadlines.start_reopen_clock(case, calendar, now)
    deadlines.schedule_sweep(case, calendar)
    # the event's time is the case's reopened_at: the report finds reopens by that column
    record(session, case, Action.reopen, actor, before, note=reason, public=True, now=now,
           data=Reopened(due_at=case.due_at, workdays=case.reopen_workdays))
    _notify(session, "case_reopened", case, reason=reason)
    _tell_citizen_due(session, case, "reopen")
    return case


def pause(session: Session, case: Case, actor: Actor, *, reason: str) -> CasePause:
    """Stop the clock while waiting for the citizen (挂起), for example for the exact page or a
    screenshot. The reason is shown to the citizen, who is told by mail when they gave an address.

    One pause per clock, and only before the due time. The pause stores its own rules (the limit
    ``PAUSE_LIMIT_WORKDAYS`` and whether ``PAUSE_NEEDS_APPROVAL``); it ends with the citizen's reply,
    the organiser's resume, or on its own at the limit (the deadline sweep)."""
    check(session, Action.pause, actor, case)
    reason = _require_text(reason, "reason")
    now = utcnow()
    if now >= case.due_at:
        raise InvalidState(_l("留言已超期，不能挂起。"))
    if pause_used(session, case):
        raise InvalidState(_l("本轮办理已挂起过一次，不能再次挂起。"))
    calendar = load_calendar(session)
    limit = deadlines.pause_limit()
    needs_approval = bool(current_app.config["PAUSE_NEEDS_APPROVAL"])
    created = CasePause(case_id=case.id, started_by_id=actor.user_id, reason=reason, started_at=now,
                        limit_workdays=limit, ends_at=deadlines.pause_ends(calendar, now, limit),
                        approval="pending" if needs_approval else "not_needed")
    session.add(created)
    session.flush()
    case.paused_at, case.pause_ends_at = now, created.ends_at
    case.first_paused_at = case.first_paused_at or now
    deadlines.schedule_sweep(case, calendar)
    record(session, case, Action.pause, actor, case.state, note=reason, public=True, now=now,
           data=Paused(pause_id=created.id, limit_workdays=limit, ends_at=created.ends_at,
                       needs_approval=needs_approval))
    if case.contact_email:
        _notify(session, "case_paused", case, pause_id=created.id, reason=reason)
    if needs_approval:
        _notify(session, "pause_requested", case, pause_id=created.id)
    return created


def resume(session: Session, case: Case, actor: Actor, *, reply: str | None = None,
           now: datetime | None = None) -> CasePause:
    """End the running pause: the citizen's reply (required from the citizen, shown to the
    organiser), the organiser's resume, or the limit (the sweep, as ``SYSTEM``, at the pause's end).
    The due time moves by the working days paused when the pause counts."""
    check(session, Action.resume, actor, case)
    running = running_pause(session, case)
    if running is None:
        raise InvalidState(_l("留言未挂起。"))
    if actor.role == "citizen":
        try:
            reply = check_feedback_comment(reply)
        except Invalid as exc:
            raise InvalidInput(exc.text, fields={"reply": [exc.message_en]}) from None
        if not reply:
            raise InvalidInput(_l("请填写补充说明。"), fields={"reply": ["必填 / required"]})
    by = {"citizen": "citizen", "system": "limit"}.get(str(actor.role), "organiser")
    now = now or utcnow()
    if by == "limit":
        now = min(now, running.ends_at)
    calendar = load_calendar(session)
    running.ended_at, running.end_reason = now, by
    running.reply = reply if by == "citizen" else None
    running.workdays = deadlines.pause_workdays(calendar, running, now)
    case.paused_at = case.pause_ends_at = None
    due_before = case.due_at
    moved = deadlines.paused_due(case, calendar, running, now)
    deadlines.schedule_sweep(case, calendar)
    record(session, case, Action.resume, actor, case.state, note=running.reply, public=True, now=now,
           data=PauseCounted(pause_id=running.id, by=by, workdays=running.workdays, due_before=due_before,
                             due_after=case.due_at if moved is not None else None))
    _notify(session, "case_resumed", case, pause_id=running.id, by=by)
    if case.due_at != due_before:
        _tell_citizen_due(session, case, "pause")
    return running


def decide_pause(session: Session, case: Case, actor: Actor, *, pause_id: int, approve: bool,
                 note: str | None = None) -> CasePause:
    """Approve a pause (it counts: the due time moves once it has ended) or deny it (it does not
    count), where ``PAUSE_NEEDS_APPROVAL`` is set. A denial says why."""
    check(session, Action.decide_pause, actor, case)
    decided = session.get(CasePause, pause_id)
    if decided is None or decided.case_id != case.id:
        raise NotFound(_l("挂起记录不存在。"))
    if decided.approval != "pending":
        raise InvalidState(_l("该挂起已审批。"))
    note = _decision_note(note, approve)
    now = utcnow()
    decided.approval = "approved" if approve else "denied"
    decided.decided_by_id, decided.decided_at, decided.decision_note = actor.user_id, now, note or None
    due_before = case.due_at
    calendar = load_calendar(session)
    moved = deadlines.paused_due(case, calendar, decided, now) if case.state != State.closed else None
    if moved is not None:
        deadlines.schedule_sweep(case, calendar)
    record(session, case, Action.decide_pause, actor, case.state, note=note or None, now=now,
           data=PauseCounted(pause_id=decided.id, approved=approve, workdays=decided.workdays,
                             due_before=due_before, due_after=case.due_at if moved is not None else None))
    if case.due_at != due_before:
        _tell_citizen_due(session, case, "pause")
    return decided


def close_with_platform_answer(case, calendar: WorkCalendar, *, outcome: str, answer: str | None,
                               answered_at: datetime, handled_by: str | None = None, data: dict | None = None,
                               actor: Actor = SYSTEM) -> dict:
    """The rules of :func:`record_platform_answer` (the caller checks the actor first) on a Case or
    a plain stand-in of one: the case's new state, and its event row, not yet written."""
    if outcome not in {o.value for o in Outcome}:
        raise InvalidInput(_l("答复结果无效。", outcome=outcome), fields={"outcome": [str(outcome)]})
    if answered_at.tzinfo is None:
        raise InvalidInput(_l("答复时间须带时区。"), fields={"answered_at": ["?"]})
    if answered_at < case.received_at:
        raise InvalidInput(_l("答复时间早于收到时间。"), fields={"answered_at": [answered_at.isoformat()]})
    answer = (answer or "").strip() or None
    before = case.state
    case.state = State.closed
    case.outcome = outcome
    case.answer = answer
    case.not_taken_up_reason = answer[:1000] if answer and outcome in NOT_TAKEN_UP_OUTCOMES else None
    case.answered_at = case.closed_at = answered_at
    if case.accepted_at is None:
        case.accepted_at = answered_at
    created = history.event(case, Action.import_answer, actor, before, note=answer, public=True, now=answered_at,
                            data=Closing(outcome=outcome, handled_by=handled_by, extra=dict(data or {})))
    deadlines.schedule_sweep(case, calendar)
    return created


def record_platform_answer(session: Session, case: Case, *, outcome: str, answer: str | None,
                           answered_at: datetime, handled_by: str | None = None,
                           data: dict | None = None, actor: Actor = SYSTEM) -> Case:
    """Close an imported case with the answer the national platform already published.

    The answer was given and approved on the platform, so the case closes at ``answered_at``
    without review. Nobody is notified: the citizen and the organiser saw it there long ago.
    ``handled_by`` (the platform's 办理单位) and ``data`` are kept in the event.
    """
    check(session, Action.import_answer, actor, case)
    history.add(session, close_with_platform_answer(case, load_calendar(session), outcome=outcome, answer=answer,
                                           answered_at=answered_at, handled_by=handled_by, data=data, actor=actor))
    return case


def get_case(session: Session, actor: Actor, tracking_number: str) -> Case:
    """The case with this number if ``actor`` may see it; otherwise NotFound (never a hint it exists)."""
    case = session.exec(select(Case).where(Case.tracking_number == tracking_number)).first()
    if case is None or not can_see(session, actor, case):
        raise NotFound(_l("留言不存在。"))
    return case


#: the staff operations by name (the API and generic forms)
OPERATIONS = {
    Action.assign: assign, Action.reroute: reroute, Action.accept: accept, Action.answer: answer,
    Action.approve: approve, Action.reject: reject, Action.return_case: return_case,
    Action.request_extension: request_extension, Action.decide_extension: decide_extension,
    Action.chase: chase, Action.close_not_taken_up: close_not_taken_up, Action.reopen: reopen,
    Action.add_note: add_note, Action.pause: pause, Action.resume: resume, Action.decide_pause: decide_pause,
}


def perform(session: Session, operation: str, case: Case, actor: Actor, **arguments):
    """Run a staff operation by name (for the API and generic forms)."""
    try:
        function = OPERATIONS[Action(operation)]
    except (ValueError, KeyError):
        raise NotFound(_l("没有这个操作。", operation=operation)) from None
    return function(session, case, actor, **arguments)


def follow_site(session: Session, site: Site, actor: Actor, *, old_organiser_id: int, old_supervisor_id: int) -> int:
    """After an admin moved ``site`` to another organiser or supervisor, its open cases follow it:
    a case with the old supervisor goes to the new one (its triage included); a case still with
    the old organiser and not yet answered is handed to the new organiser (改派: the clock keeps
    running); a case under review stays with the organiser that answered it. Each moved case gets
    an event. Returns how many cases moved; the access rows follow on flush."""
    cases = session.exec(select(Case).where(Case.site_id == site.id, Case.state != State.closed)
                         .order_by(Case.id)).all()
    new_supervisor = session.get(Organisation, site.supervisor_id)
    moved = 0
    for case in cases:
        hand_over = (site.organiser_id != old_organiser_id and case.organiser_id == old_organiser_id
                     and case.state in (State.assigned, State.in_progress))
        supervise = site.supervisor_id != old_supervisor_id and case.supervisor_id == old_supervisor_id
        if not (hand_over or supervise):
            continue
        note = f"网站迁移 / site moved: {site.code}"
        if supervise:
            case.supervisor_id = site.supervisor_id
            note += f" → {new_supervisor.name}"
        if hand_over:
            case.sent_back_at = None
            _assign(session, case, actor, site.organiser_id, action=Action.reroute, note=note)
        else:
            history.record(session, case, Action.add_note, actor, case.state, note=note)
        moved += 1
    session.flush()
    return moved
