"""Every case transition, in one place.

Each operation checks the actor's role and scope and the case's state, stamps the times, writes
a :class:`CaseEvent` and adds outbox rows to the same session. Operations flush but do not
commit: the caller commits once (``with db.transaction(): ...``), so the change, its event and
its side effects land together or not at all. A refusal is a :class:`tracker.errors.DomainError`
with a message in Chinese and English.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from tracker.cases.models import Case, CaseEvent, Category, ExtensionRequest, TrackingSequence
from tracker.cases.scope import CITIZEN, SYSTEM, Actor, can_see
from tracker.cases.states import ANSWER_OUTCOMES, NOT_TAKEN_UP_OUTCOMES, OPEN_STATES, Outcome, State
from tracker.db import utcnow
from tracker.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from tracker.notifications.outbox import enqueue
from tracker.organisations.models import Organisation, OrgKind, Site
from tracker.organisations.util import resolve_route
from tracker.sla.deadlines import load_calendar, schedule_sweep
from tracker.users.models import Role
from tracker.workdays import BEIJING

S = State
_ANY_OPEN = frozenset(OPEN_STATES)
_STAFF_SUPERVISING = (Role.supervisor, Role.admin)

#: operation -> role -> states in which that role may perform it. The transition matrix.
ALLOWED: dict[str, dict[str, frozenset]] = {
    "assign": {"system": frozenset({S.received, S.triage}),
               **{r: frozenset({S.triage}) for r in _STAFF_SUPERVISING}},
    "reroute": {r: frozenset({S.triage, S.assigned, S.in_progress}) for r in _STAFF_SUPERVISING},
    "accept": {Role.organiser: frozenset({S.assigned})},
    "answer": {Role.organiser: frozenset({S.assigned, S.in_progress})},
    "approve": {r: frozenset({S.in_review}) for r in _STAFF_SUPERVISING},
    "reject": {r: frozenset({S.in_review}) for r in _STAFF_SUPERVISING},
    "return": {Role.organiser: frozenset({S.assigned, S.in_progress})},
    "request_extension": {Role.organiser: frozenset({S.assigned, S.in_progress})},
    "decide_extension": {r: _ANY_OPEN for r in _STAFF_SUPERVISING},
    "chase": {r: frozenset({S.assigned, S.in_progress, S.in_review}) for r in _STAFF_SUPERVISING},
    "close_not_taken_up": {Role.organiser: frozenset({S.assigned, S.in_progress}),
                           **{r: frozenset({S.triage}) for r in _STAFF_SUPERVISING}},
    "record_feedback": {"citizen": frozenset({S.closed})},
    "reopen": {r: frozenset({S.closed}) for r in _STAFF_SUPERVISING},
    "add_note": {r: frozenset(State) for r in (Role.organiser, Role.supervisor, Role.admin)},
    # replaying the national platform's published answer onto an imported case
    "import_answer": {"system": _ANY_OPEN},
}

OPERATION_NAMES = {
    "submit": ("提交留言", "Submit"),
    "assign": ("分办", "Assign"),
    "triage": ("转入待分办", "Sent to triage"),
    "reroute": ("改派", "Re-route"),
    "accept": ("签收", "Accept"),
    "answer": ("答复", "Answer"),
    "approve": ("审核通过", "Approve"),
    "reject": ("驳回重办", "Reject"),
    "return": ("退回", "Return"),
    "request_extension": ("申请延期", "Request extension"),
    "decide_extension": ("审批延期", "Decide extension"),
    "chase": ("督办", "Chase"),
    "close_not_taken_up": ("不予受理", "Close as not taken up"),
    "record_feedback": ("评价", "Rate"),
    "reopen": ("重办", "Reopen"),
    "add_note": ("内部备注", "Internal note"),
    "recompute_due": ("重新计算期限", "Deadline recomputed"),
    "import": ("导入", "Imported"),
    "import_answer": ("导入平台答复", "Platform answer imported"),
}

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QUERY_CODE_LENGTH = 16  # 31**16, about 79 bits


# ---------------------------------------------------------------- helpers


def hash_query_code(code: str) -> str:
    normalised = "".join(code.split()).upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def query_code_matches(case: Case, code: str | None) -> bool:
    """Constant-time check of a citizen's query code."""
    if not code:
        return False
    return hmac.compare_digest(case.query_code_hash, hash_query_code(code))


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def next_tracking_number(session: Session, received_at: datetime) -> str:
    """``ZC`` + receipt date in Beijing + ``-`` + that day's next sequence (at least 4 digits).

    One atomic upsert, so concurrent submissions never get the same number.
    """
    day = received_at.astimezone(BEIJING).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = TrackingSequence.__table__
    statement = (
        insert(table)
        .values(day=day, last_value=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    value = session.execute(statement).scalar_one()
    return f"ZC{day}-{value:04d}"


def _record(session: Session, case: Case, action: str, actor: Actor, before: str | None, *,
            note: str | None = None, public: bool = False, data: dict | None = None,
            now: datetime | None = None) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id, action=action, actor_user_id=actor.user_id, actor_label=actor.label,
        state_before=before, state_after=case.state, note=note, is_public=public,
        data=data or {}, created_at=now or utcnow(),
    )
    case.updated_at = event.created_at
    session.add(event)
    return event


def _check(session: Session, operation: str, actor: Actor, case: Case) -> None:
    """Role, then scope, then state; raise the matching refusal."""
    name_zh, name_en = OPERATION_NAMES[operation]
    roles = ALLOWED[operation]
    if actor.role not in roles:
        raise NotAllowed(f"您的角色不能执行“{name_zh}”。", f"Your role may not {name_en.lower()} a case.")
    if actor.role != "citizen" and not can_see(session, actor, case):
        raise NotAllowed("该留言不在您的管辖范围内。", "This case is outside your organisation's scope.")
    if case.state not in roles[actor.role]:
        from tracker.cases.states import STATE_NAMES

        state_zh, state_en = STATE_NAMES[State(case.state)]
        raise InvalidState(
            f"留言当前状态为“{state_zh}”，不能执行“{name_zh}”。",
            f"The case is {state_en.lower()}: “{name_en}” is not possible in this state.",
        )


def _require_text(value: str | None, field: str, max_length: int = 1000) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("请填写理由或内容。", "Please give a reason or text.",
                           fields={field: ["必填 / required"]})
    if len(text) > max_length:
        raise InvalidInput(f"内容不能超过{max_length}字。", f"At most {max_length} characters.",
                           fields={field: [f"≤ {max_length}"]})
    return text


def _notify(session: Session, topic: str, case: Case, **payload) -> None:
    enqueue(session, topic, case_id=case.id, payload=payload)


def _organiser_in_scope(session: Session, actor: Actor, organiser_id: int) -> Organisation:
    organiser = session.get(Organisation, organiser_id)
    if organiser is None or organiser.kind != OrgKind.organiser:
        raise InvalidInput("请选择一个主办单位。", "Choose an organiser.", fields={"organiser_id": ["?"]})
    if actor.role == Role.supervisor and not organiser.path.startswith(actor.organisation.path):
        raise NotAllowed("只能改派给本辖区内的单位。", "You may only route to organisers in your subtree.")
    return organiser


def _set_due(session: Session, case: Case, due) -> None:
    case.due_at = due.due_at
    case.due_is_provisional = due.provisional
    schedule_sweep(case, load_calendar(session))


# ---------------------------------------------------------------- operations


@dataclass
class Submission:
    case: Case
    query_code: str


def submit(session: Session, *, page_url: str, category: int, description: str, site_code: str | None = None,
           contact_name: str = "", contact_phone: str = "", contact_email: str = "",
           received_at: datetime | None = None, source: str = "web", external_id: str | None = None,
           actor: Actor = CITIZEN) -> Submission:
    """Take in a report (already validated at the edge), route it, and start its clock."""
    if session.get(Category, category) is None:
        raise InvalidInput("问题类型不存在。", "Unknown category.", fields={"category": ["?"]})
    received_at = received_at or utcnow()
    query_code = new_query_code()
    decided = resolve_route(session, site_code, page_url)
    calendar = load_calendar(session)
    due = calendar.due(received_at, current_app.config["ANSWER_WORKDAYS"])
    case = Case(
        tracking_number=next_tracking_number(session, received_at),
        query_code_hash=hash_query_code(query_code),
        external_id=external_id, source=source, state=State.received,
        site_id=decided.site.id if decided.site else None,
        site_code_given=(site_code or None),
        supervisor_id=decided.supervisor.id,
        category_code=category, page_url=page_url, description=description,
        contact_name=contact_name or "", contact_phone=contact_phone or "",
        contact_email=contact_email or "",
        received_at=received_at, due_at=due.due_at, due_is_provisional=due.provisional,
        updated_at=received_at,
    )
    session.add(case)
    session.flush()
    _record(session, case, "submit", actor, None, public=True, now=received_at,
            data={"route": decided.route.reason, "candidates": list(decided.route.candidates)})
    if decided.site is not None:
        _assign(session, case, SYSTEM, decided.site.organiser_id, now=received_at)
    else:
        before = case.state
        case.state = State.triage
        case.triage_due_at = calendar.due(received_at, current_app.config["TRIAGE_WORKDAYS"]).due_at
        _record(session, case, "triage", SYSTEM, before, now=received_at,
                data={"reason": decided.route.reason})
        _notify(session, "case_triage", case)
    schedule_sweep(case, calendar)
    if case.contact_email:
        # the query code travels once, in the confirmation mail; the relay drops it once sent
        _notify(session, "case_received", case, query_code=query_code)
    session.flush()
    return Submission(case, query_code)


def _assign(session: Session, case: Case, actor: Actor, organiser_id: int, *, action: str = "assign",
            note: str | None = None, now: datetime | None = None) -> Case:
    now = now or utcnow()
    before = case.state
    organiser = session.get(Organisation, organiser_id)
    case.organiser_id = organiser_id
    case.state = State.assigned
    case.assigned_at = now
    case.accepted_at = None
    _record(session, case, action, actor, before, note=note, public=True, now=now,
            data={"organiser_id": organiser_id, "organiser": organiser.name if organiser else None})
    _notify(session, "case_assigned", case, organiser_id=organiser_id)
    return case


def assign(session: Session, case: Case, actor: Actor, *, organiser_id: int, note: str | None = None) -> Case:
    """Hand a case in triage to an organiser. The clock keeps running from receipt."""
    _check(session, "assign", actor, case)
    _organiser_in_scope(session, actor, organiser_id)
    return _assign(session, case, actor, organiser_id, note=note)


def reroute(session: Session, case: Case, actor: Actor, *, organiser_id: int, site_id: int | None = None,
            note: str | None = None) -> Case:
    """Send a case to another organiser (改派). Re-routing does not restart the clock."""
    _check(session, "reroute", actor, case)
    _organiser_in_scope(session, actor, organiser_id)
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None:
            raise InvalidInput("网站不存在。", "Unknown site.", fields={"site_id": ["?"]})
        case.site_id = site.id
    case.sent_back_at = None
    return _assign(session, case, actor, organiser_id, action="reroute", note=note)


def accept(session: Session, case: Case, actor: Actor) -> Case:
    """The organiser signs for the case (签收)."""
    _check(session, "accept", actor, case)
    before = case.state
    case.state = State.in_progress
    case.accepted_at = utcnow()
    _record(session, case, "accept", actor, before, public=True)
    return case


def _finish(session: Session, case: Case, actor: Actor, action: str, *, note: str | None, public: bool,
            data: dict) -> Case:
    """Send an answer or a not-taken-up decision to review, or close it when review is off."""
    before = case.state
    now = utcnow()
    case.answered_at = now
    case.sent_back_at = None
    if case.accepted_at is None:
        case.accepted_at = now
    if current_app.config["REVIEW_REQUIRED"]:
        case.state = State.in_review
        _record(session, case, action, actor, before, note=note, public=False, data=data)
        _notify(session, "review_requested", case)
    else:
        case.state = State.closed
        case.closed_at = now
        _record(session, case, action, actor, before, note=note, public=public, data=data)
        _notify(session, "case_answered", case)
    schedule_sweep(case, load_calendar(session))
    return case


def answer(session: Session, case: Case, actor: Actor, *, text: str, outcome: str = Outcome.fixed) -> Case:
    """The organiser answers: the public text and whether the error was fixed or explained."""
    _check(session, "answer", actor, case)
    if outcome not in {o.value for o in ANSWER_OUTCOMES}:
        raise InvalidInput("答复结果应为“属实已整改”或“已核实说明”。", "The outcome must be fixed or explained.",
                           fields={"outcome": ["fixed | explained"]})
    case.answer = _require_text(text, "text", 2000)
    case.outcome = outcome
    case.not_taken_up_reason = None
    return _finish(session, case, actor, "answer", note=case.answer, public=True, data={"outcome": outcome})


def close_not_taken_up(session: Session, case: Case, actor: Actor, *, outcome: str, reason: str) -> Case:
    """Close as not taken up (不予受理): duplicate, out of scope, not a government site, or too little
    information. An organiser's decision goes to review; a supervisor's, from triage, closes."""
    _check(session, "close_not_taken_up", actor, case)
    if outcome not in {o.value for o in NOT_TAKEN_UP_OUTCOMES}:
        raise InvalidInput("请选择不予受理的类型。", "Choose a not-taken-up outcome.",
                           fields={"outcome": [", ".join(o.value for o in NOT_TAKEN_UP_OUTCOMES)]})
    reason = _require_text(reason, "reason")
    case.outcome = outcome
    case.not_taken_up_reason = reason
    case.answer = reason
    if actor.role == Role.organiser:
        return _finish(session, case, actor, "close_not_taken_up", note=reason, public=True,
                       data={"outcome": outcome})
    before = case.state
    now = utcnow()
    case.state = State.closed
    case.answered_at = case.closed_at = now
    _record(session, case, "close_not_taken_up", actor, before, note=reason, public=True,
            data={"outcome": outcome})
    _notify(session, "case_answered", case)
    schedule_sweep(case, load_calendar(session))
    return case


def approve(session: Session, case: Case, actor: Actor, *, note: str | None = None) -> Case:
    """Final review (终审) passes: the answer is published and the case closes."""
    _check(session, "approve", actor, case)
    before = case.state
    case.state = State.closed
    case.closed_at = utcnow()
    _record(session, case, "approve", actor, before, note=note, public=True,
            data={"outcome": case.outcome, "answer": case.answer})
    _notify(session, "case_answered", case)
    schedule_sweep(case, load_calendar(session))
    return case


def reject(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """Review sends the answer back to be redone (驳回重办). The due time does not move."""
    _check(session, "reject", actor, case)
    reason = _require_text(reason, "reason")
    before = case.state
    case.state = State.in_progress
    case.answered_at = None
    case.sent_back_at = utcnow()
    _record(session, case, "reject", actor, before, note=reason)
    _notify(session, "review_rejected", case, reason=reason)
    schedule_sweep(case, load_calendar(session))
    return case


def return_case(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """The organiser hands back a case that is not theirs (退回); it goes to the supervisor's triage."""
    _check(session, "return", actor, case)
    reason = _require_text(reason, "reason")
    before = case.state
    returned_by = case.organiser_id
    case.state = State.triage
    case.organiser_id = None
    case.accepted_at = None
    case.triage_due_at = load_calendar(session).due(utcnow(), current_app.config["TRIAGE_WORKDAYS"]).due_at
    _record(session, case, "return", actor, before, note=reason, data={"returned_by": returned_by})
    _notify(session, "case_returned", case, reason=reason)
    return case


def request_extension(session: Session, case: Case, actor: Actor, *, workdays: int, reason: str) -> ExtensionRequest:
    """Ask the supervisor for more working days (延期)."""
    _check(session, "request_extension", actor, case)
    reason = _require_text(reason, "reason")
    if isinstance(workdays, bool) or not isinstance(workdays, int) or not 1 <= workdays <= 30:
        raise InvalidInput("延期天数应为1到30个工作日。", "Ask for 1 to 30 working days.",
                           fields={"workdays": ["1–30"]})
    pending = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.state == "pending")).first()
    if pending is not None:
        raise InvalidState("已有一个延期申请在审批中。", "An extension request is already pending.")
    request = ExtensionRequest(case_id=case.id, requested_by_id=actor.user_id, reason=reason, workdays=workdays)
    session.add(request)
    session.flush()
    _record(session, case, "request_extension", actor, case.state, note=reason,
            data={"workdays": workdays, "request_id": request.id})
    _notify(session, "extension_requested", case, request_id=request.id)
    return request


def decide_extension(session: Session, case: Case, actor: Actor, *, request_id: int, approve: bool,
                     note: str | None = None) -> ExtensionRequest:
    """Approve (the due time moves by the days asked, from the current due date) or deny."""
    _check(session, "decide_extension", actor, case)
    request = session.get(ExtensionRequest, request_id)
    if request is None or request.case_id != case.id:
        raise NotFound("延期申请不存在。", "No such extension request.")
    if request.state != "pending":
        raise InvalidState("该延期申请已处理。", "This extension request has already been decided.")
    now = utcnow()
    request.state = "approved" if approve else "denied"
    request.decided_by_id = actor.user_id
    request.decided_at = now
    request.decision_note = (note or "").strip() or None
    request.due_before = case.due_at
    if approve:
        _set_due(session, case, load_calendar(session).extend(case.due_at, request.workdays))
    request.due_after = case.due_at
    _record(session, case, "decide_extension", actor, case.state, note=request.decision_note,
            data={"request_id": request.id, "approved": approve, "workdays": request.workdays,
                  "due_before": request.due_before.isoformat(), "due_after": case.due_at.isoformat()})
    _notify(session, "extension_decided", case, request_id=request.id, approved=approve)
    return request


def chase(session: Session, case: Case, actor: Actor, *, message: str) -> Case:
    """Press the organiser to act (督办): recorded and notified."""
    _check(session, "chase", actor, case)
    message = _require_text(message, "message")
    _record(session, case, "chase", actor, case.state, note=message)
    _notify(session, "case_chased", case, message=message)
    return case


def add_note(session: Session, case: Case, actor: Actor, *, text: str) -> Case:
    """An internal note, seen only by staff."""
    _check(session, "add_note", actor, case)
    _record(session, case, "add_note", actor, case.state, note=_require_text(text, "text", 2000))
    return case


def record_feedback(session: Session, case: Case, *, satisfied: bool, comment: str | None = None,
                    actor: Actor = CITIZEN) -> Case:
    """The citizen rates the answer, once, within the rating period after closing."""
    _check(session, "record_feedback", actor, case)
    if case.feedback is not None:
        raise InvalidState("您已评价过该留言。", "You have already rated this case.")
    if utcnow() > case.closed_at + timedelta(days=current_app.config["RATING_DAYS"]):
        raise InvalidState("已超过评价期限。", "The rating period has ended.")
    comment = (comment or "").strip()
    if not satisfied and not comment:
        raise InvalidInput("不满意时请说明原因。", "Please say why you are not satisfied.",
                           fields={"comment": ["必填 / required"]})
    if len(comment) > 1000:
        raise InvalidInput("说明不能超过1000字。", "At most 1000 characters.", fields={"comment": ["≤ 1000"]})
    case.feedback = "satisfied" if satisfied else "unsatisfied"
    case.feedback_comment = comment or None
    case.feedback_at = utcnow()
    _record(session, case, "record_feedback", actor, case.state, note=comment or None, public=True,
            data={"satisfied": satisfied})
    if not satisfied:
        _notify(session, "feedback_unsatisfied", case)
    return case


def reopen(session: Session, case: Case, actor: Actor, *, reason: str) -> Case:
    """Reopen a closed case (重办), usually after an unsatisfied rating: a new period starts now."""
    _check(session, "reopen", actor, case)
    reason = _require_text(reason, "reason")
    if case.organiser_id is None:
        raise InvalidState("该留言没有主办单位，请先分办。", "The case has no organiser; assign it instead.")
    before = case.state
    now = utcnow()
    case.state = State.in_progress
    case.reopened_at = now
    case.closed_at = None
    case.answered_at = None
    case.outcome = None
    case.feedback = None
    case.feedback_comment = None
    case.feedback_at = None
    case.reminded_at = None
    case.overdue_at = None
    _set_due(session, case, load_calendar(session).due(now, current_app.config["REOPEN_WORKDAYS"]))
    _record(session, case, "reopen", actor, before, note=reason, public=True,
            data={"due_at": case.due_at.isoformat()})
    _notify(session, "case_reopened", case, reason=reason)
    return case


def recompute_due(session: Session, case: Case, *, reason: str) -> bool:
    """Recompute a provisional due time after a calendar year is loaded. True when it moved."""
    if case.state == State.closed or not case.due_is_provisional:
        return False
    calendar = load_calendar(session)
    base = case.reopened_at or case.received_at
    period = current_app.config["REOPEN_WORKDAYS" if case.reopened_at else "ANSWER_WORKDAYS"]
    due = calendar.due(base, period)
    approved = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.state == "approved",
        ExtensionRequest.decided_at >= base).order_by(ExtensionRequest.decided_at)).all()
    for request in approved:
        extended = calendar.extend(due.due_at, request.workdays)
        due = type(due)(extended.due_date, extended.due_at, due.provisional or extended.provisional)
    before_due = case.due_at
    moved = due.due_at != before_due
    _set_due(session, case, due)
    if moved or not due.provisional:
        _record(session, case, "recompute_due", SYSTEM, case.state, note=reason,
                data={"due_before": before_due.isoformat(), "due_after": case.due_at.isoformat(),
                      "provisional": due.provisional})
    return moved


def record_platform_answer(session: Session, case: Case, *, outcome: str, answer: str | None,
                           answered_at: datetime, handled_by: str | None = None,
                           data: dict | None = None, actor: Actor = SYSTEM) -> Case:
    """Close an imported case with the answer the national platform already published.

    The answer was given and approved on the platform, so the case closes at ``answered_at``
    without review. Nobody is notified: the citizen and the organiser saw it there long ago.
    ``handled_by`` (the platform's 办理单位) and ``data`` are kept in the event.
    """
    _check(session, "import_answer", actor, case)
    if outcome not in {o.value for o in Outcome}:
        raise InvalidInput("答复结果无效。", f"Unknown outcome {outcome!r}.", fields={"outcome": [str(outcome)]})
    if answered_at.tzinfo is None:
        raise InvalidInput("答复时间须带时区。", "answered_at must carry an offset.", fields={"answered_at": ["?"]})
    if answered_at < case.received_at:
        raise InvalidInput("答复时间早于收到时间。", "The answer cannot precede the receipt.",
                           fields={"answered_at": [answered_at.isoformat()]})
    answer = (answer or "").strip() or None
    before = case.state
    case.state = State.closed
    case.outcome = outcome
    case.answer = answer
    case.not_taken_up_reason = answer[:1000] if answer and outcome in NOT_TAKEN_UP_OUTCOMES else None
    case.answered_at = case.closed_at = answered_at
    if case.accepted_at is None:
        case.accepted_at = answered_at
    _record(session, case, "import_answer", actor, before, note=answer, public=True, now=answered_at,
            data={"outcome": outcome, "handled_by": handled_by, **(data or {})})
    schedule_sweep(case, load_calendar(session))
    return case


def get_case(session: Session, actor: Actor, tracking_number: str) -> Case:
    """The case with this number if ``actor`` may see it; otherwise NotFound (never a hint it exists)."""
    case = session.exec(select(Case).where(Case.tracking_number == tracking_number)).first()
    if case is None or not can_see(session, actor, case):
        raise NotFound("留言不存在。", "No such case.")
    return case


def perform(session: Session, operation: str, case: Case, actor: Actor, **arguments):
    """Run a staff operation by name (for the API and generic forms)."""
    functions = {
        "assign": assign, "reroute": reroute, "accept": accept, "answer": answer, "approve": approve,
        "reject": reject, "return": return_case, "request_extension": request_extension,
        "decide_extension": decide_extension, "chase": chase, "close_not_taken_up": close_not_taken_up,
        "reopen": reopen, "add_note": add_note,
    }
    function = functions.get(operation)
    if function is None:
        raise NotFound("没有这个操作。", f"No operation named {operation!r}.")
    return function(session, case, actor, **arguments)
