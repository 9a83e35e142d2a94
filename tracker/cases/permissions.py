"""Who may do what to a case, now: the one table behind the operations, the inbox, the supervisor
pages and the API, and the citizen's own rights (looking a case up, rating it).
"""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.cases.history import Action, action_name
from tracker.cases.models import Case, CasePause, Category, ExtensionRequest
from tracker.cases.numbers import hash_query_code
from tracker.cases.scope import Actor, can_see
from tracker.cases.states import OPEN_STATES, STATE_NAMES, State
from tracker.db import utcnow
from tracker.errors import InvalidInput, InvalidState, NotAllowed
from tracker.i18n import lowercase
from tracker.organisations.util import stopped_site
from tracker.users.models import Role

S = State
_ANY_OPEN = frozenset(OPEN_STATES)
_STAFF_SUPERVISING = (Role.supervisor, Role.admin)

#: operation -> role -> states in which that role may perform it. The transition matrix.
ALLOWED: dict[Action, dict[str, frozenset]] = {
    Action.assign: {"system": frozenset({S.received, S.triage}),
                    **{r: frozenset({S.triage}) for r in _STAFF_SUPERVISING}},
    Action.reroute: {r: frozenset({S.triage, S.assigned, S.in_progress}) for r in _STAFF_SUPERVISING},
    Action.accept: {Role.organiser: frozenset({S.assigned})},
    Action.answer: {Role.organiser: frozenset({S.assigned, S.in_progress})},
    Action.approve: {r: frozenset({S.in_review}) for r in _STAFF_SUPERVISING},
    Action.reject: {r: frozenset({S.in_review}) for r in _STAFF_SUPERVISING},
    Action.return_case: {Role.organiser: frozenset({S.assigned, S.in_progress})},
    Action.request_extension: {Role.organiser: frozenset({S.assigned, S.in_progress})},
    Action.decide_extension: {r: _ANY_OPEN for r in _STAFF_SUPERVISING},
    Action.chase: {r: frozenset({S.assigned, S.in_progress, S.in_review}) for r in _STAFF_SUPERVISING},
    Action.close_not_taken_up: {Role.organiser: frozenset({S.assigned, S.in_progress}),
                                **{r: frozenset({S.triage}) for r in _STAFF_SUPERVISING}},
    Action.record_feedback: {"citizen": frozenset({S.closed})},
    Action.reopen: {r: frozenset({S.closed}) for r in _STAFF_SUPERVISING},
    Action.add_note: {r: frozenset(State) for r in (Role.organiser, Role.supervisor, Role.admin)},
    # replaying the national platform's published answer onto an imported case
    Action.import_answer: {"system": _ANY_OPEN},
    # 挂起: the organiser waits for the citizen; the citizen's reply, the organiser or the limit resumes
    Action.pause: {Role.organiser: frozenset({S.in_progress})},
    Action.resume: {Role.organiser: frozenset({S.in_progress}), "citizen": frozenset({S.in_progress}),
                    "system": frozenset({S.in_progress})},
    Action.decide_pause: {r: _ANY_OPEN for r in _STAFF_SUPERVISING},
}

#: operations refused while the clock is paused (挂起): the organiser resumes it first
BLOCKED_WHILE_PAUSED = frozenset({Action.pause, Action.answer, Action.return_case, Action.request_extension,
                                  Action.close_not_taken_up, Action.reroute})

#: operations staff perform on a case page or through the API, in the order they are offered
STAFF_OPERATIONS = (Action.accept, Action.answer, Action.add_note, Action.request_extension,
                    Action.pause, Action.resume, Action.return_case, Action.close_not_taken_up, Action.assign,
                    Action.reroute, Action.approve, Action.reject, Action.decide_extension, Action.decide_pause,
                    Action.chase, Action.reopen)


def check(session: Session, operation: Action, actor: Actor, case: Case) -> None:
    """Role, then scope, then state; raise the matching refusal."""
    name = action_name(operation)
    roles = ALLOWED[operation]
    if actor.role not in roles:
        raise NotAllowed(_l("您的角色不能执行“%(action)s”。", action=name, verb=lowercase(name)))
    if actor.role != "citizen" and not can_see(session, actor, case):
        raise NotAllowed(_l("该留言不在您的管辖范围内。"))
    if case.state not in roles[actor.role]:
        state = STATE_NAMES[State(case.state)]
        raise InvalidState(_l("留言当前状态为“%(state)s”，不能执行“%(action)s”。", state=state, action=name,
                              state_lower=lowercase(state)))
    refusal = _pause_refusal(operation, case)
    if refusal is not None:
        raise InvalidState(refusal)


def _pause_refusal(operation: Action, case: Case):
    """Why ``operation`` cannot run given the case's pause (挂起), or None."""
    if operation == Action.resume and case.paused_at is None:
        return _l("留言未挂起。")
    if operation in BLOCKED_WHILE_PAUSED and case.paused_at is not None:
        return _l("留言已挂起，等待网民补充；请先恢复计时。")
    return None


def running_pause(session: Session, case: Case) -> CasePause | None:
    """The pause of ``case`` that is running now, if any."""
    if case.paused_at is None:
        return None
    return session.exec(select(CasePause).where(CasePause.case_id == case.id, CasePause.ended_at.is_(None))
                        .order_by(CasePause.id.desc())).first()


def case_pauses(session: Session, case: Case) -> list[CasePause]:
    """Every pause of ``case``, oldest first (the case page, the tracking page, the API)."""
    return list(session.exec(select(CasePause).where(CasePause.case_id == case.id).order_by(CasePause.id)).all())


def pending_pause(session: Session, case: Case) -> CasePause | None:
    """The pause of ``case`` awaiting a supervisor's decision, if any."""
    return session.exec(select(CasePause).where(CasePause.case_id == case.id, CasePause.approval == "pending")
                        .order_by(CasePause.id.desc())).first()


def pause_used(session: Session, case: Case) -> bool:
    """One pause per clock: whether the case was paused since its current clock started (receipt,
    or the last reopen)."""
    start = case.reopened_at or case.received_at
    return session.exec(select(CasePause.id).where(CasePause.case_id == case.id,
                                                   CasePause.started_at >= start)).first() is not None


def pending_extension(session: Session, case: Case) -> ExtensionRequest | None:
    """The extension request of ``case`` awaiting a decision, if any (at most one)."""
    return session.exec(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.state == "pending")).first()


def available_actions(session: Session, actor: Actor, case: Case) -> list[str]:
    """The staff operations ``actor`` may perform on ``case`` now: role, scope and state allow it,
    and an extension can be decided only while one is pending, and requested only while none is."""
    if not can_see(session, actor, case):
        return []
    pending = None
    result = []
    for operation in STAFF_OPERATIONS:
        if case.state not in ALLOWED[operation].get(actor.role, frozenset()):
            continue
        if operation in (Action.decide_extension, Action.request_extension):
            pending = pending or pending_extension(session, case)
            if (operation == Action.decide_extension) != (pending is not None):
                continue
        if _pause_refusal(operation, case) is not None:
            continue
        if operation == Action.decide_pause and pending_pause(session, case) is None:
            continue
        if operation == Action.pause and (pause_used(session, case) or utcnow() >= case.due_at):
            continue
        result.append(operation.value)
    return result


# ---------------------------------------------------------------- the citizen


def query_code_matches(case: Case, code: str | None) -> bool:
    """Constant-time check of a citizen's query code."""
    if not code:
        return False
    return hmac.compare_digest(case.query_code_hash, hash_query_code(code))


def citizen_case(session: Session, number: str | None, code: str | None) -> Case | None:
    """The case a citizen may see with this tracking number and query code; None otherwise (the
    same for either failure, so an answer never says which one was wrong)."""
    number = (number or "").strip().upper()
    if not number or len(number) > 32:
        return None
    case = session.exec(select(Case).where(Case.tracking_number == number)).first()
    if case is None or not query_code_matches(case, code):
        return None
    return case


def rating_deadline(case: Case) -> datetime | None:
    """Until when the citizen may rate the answer (``RATING_DAYS`` after closing)."""
    if case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=current_app.config["RATING_DAYS"])


def can_rate(case: Case, now: datetime | None = None) -> bool:
    """The citizen may rate: the case is closed, not rated yet, and the rating period runs."""
    deadline = rating_deadline(case)
    return (case.state == State.closed and case.feedback is None and deadline is not None
            and (now or utcnow()) <= deadline)


def active_category(session: Session, code, *, replaying: bool = False) -> Category:
    """The category a new report may use: it must exist and be active. A record of the past
    (``replaying``, an import) may carry a category that is no longer offered."""
    category = session.get(Category, code) if isinstance(code, int) and not isinstance(code, bool) else None
    if category is None or not (category.is_active or replaying):
        raise InvalidInput(_l("问题类型不存在或已停用。"), fields={"category": ["?"]})
    return category


def running_site(session: Session, site_code: str | None, page_url: str, routed) -> None:
    """A new report may not be about a site that has stopped running (停止运行): named by its code,
    or at an address that only that site serves. The refusal is on the field that names it."""
    stopped = stopped_site(session, site_code, page_url, routed)
    if stopped is not None:
        field, site = stopped
        message = _l("网站“%(name)s”（%(code)s）已停止运行，不再受理新的留言。", name=site.name, code=site.code)
        raise InvalidInput(message, fields={field: [site.code]})
