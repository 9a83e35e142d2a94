"""The transition matrix: every state × operation × actor is either allowed or refused.

An allowed combination must change the state as expected, write a CaseEvent, and (for operations
with side effects) an Outbox row. A refused one must raise NotAllowed (role or scope) or
InvalidState (state), carry a message in Chinese and English, and change nothing. Any other
exception, or a call that neither raises nor records anything, fails the test.

The expected table below is written from DESIGN.md's workflow, independently of
``permissions.ALLOWED``; a separate test checks that the two agree.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.cases import operations as ops
from tracker.cases import permissions
from tracker.cases.models import Case, CaseEvent, CasePause, ExtensionRequest
from tracker.cases.scope import CITIZEN, SYSTEM, Actor
from tracker.cases.states import State
from tracker.db import utcnow
from tracker.errors import DomainError, InvalidState, NotAllowed
from tracker.outbox.models import Outbox
from tracker.users.models import User

R, T, A, P, V, C = (State.received, State.triage, State.assigned, State.in_progress, State.in_review,
                    State.closed)
OPEN = {R, T, A, P, V}
ALL = OPEN | {C}
SUPERVISING = ("supervisor", "admin")

#: operation -> role -> states in which the role may perform it (from DESIGN.md's workflow)
EXPECTED: dict[str, dict[str, set]] = {
    "assign": {"system": {R, T}, "supervisor": {T}, "admin": {T}},
    "reroute": {role: {T, A, P} for role in SUPERVISING},
    "accept": {"organiser": {A}},
    "answer": {"organiser": {A, P}},
    "approve": {role: {V} for role in SUPERVISING},
    "reject": {role: {V} for role in SUPERVISING},
    "return": {"organiser": {A, P}},
    "request_extension": {"organiser": {A, P}},
    "decide_extension": {role: set(OPEN) for role in SUPERVISING},
    "chase": {role: {A, P, V} for role in SUPERVISING},
    "close_not_taken_up": {"organiser": {A, P}, "supervisor": {T}, "admin": {T}},
    "record_feedback": {"citizen": {C}},
    "reopen": {role: {C} for role in SUPERVISING},
    "add_note": {role: set(ALL) for role in ("organiser", "supervisor", "admin")},
    # 挂起: the organiser pauses a case in progress; the citizen's reply, the organiser or the limit resumes it
    "pause": {"organiser": {P}},
    "resume": {"organiser": {P}, "citizen": {P}, "system": {P}},
    "decide_pause": {role: set(OPEN) for role in SUPERVISING},
}
if "import_answer" in permissions.ALLOWED:  # replaying the national platform's answers (imports)
    EXPECTED["import_answer"] = {"system": set(OPEN)}

#: what an allowed operation leads to: (state after, outbox topic or None) — None keeps the state
RESULT = {
    "assign": (A, "case_assigned"),
    "reroute": (A, "case_assigned"),
    "accept": (P, None),
    "answer": (V, "review_requested"),
    "approve": (C, "case_answered"),
    "reject": (P, "review_rejected"),
    "return": (T, "case_returned"),
    "request_extension": (None, "extension_requested"),
    "decide_extension": (None, "extension_decided"),
    "chase": (None, "case_chased"),
    "record_feedback": (C, "feedback_unsatisfied"),
    "reopen": (P, "case_reopened"),
    "add_note": (None, None),
    "import_answer": (C, None),
    "pause": (None, None),  # the citizen is mailed only when they gave an address (none here)
    "resume": (None, "case_resumed"),
    "decide_pause": (None, None),
    "close_not_taken_up": None,  # depends on who: see check_allowed
}

ACTORS = ("citizen", "system", "organiser_in", "organiser_out", "supervisor_in", "supervisor_out", "admin")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def world(session, factory):
    province = factory.province()
    other_province = factory.org("450000", kind="supervisor", name="广西壮族自治区人民政府办公厅")
    organiser = factory.org(parent=province)
    other_organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province, host="matrix.gd.gov.cn")

    def staff(role, org):
        # built directly: the matrix needs no passwords, and argon2 would make it slow
        user = User(email=f"{role}{org.code if org else ''}@matrix.example.cn", role=role, password_hash="!",
                    organisation_id=org.id if org else None)
        session.add(user)
        session.flush()
        return Actor.of(user, session)

    actors = {
        "citizen": CITIZEN,
        "system": SYSTEM,
        "organiser_in": staff("organiser", organiser),
        "organiser_out": staff("organiser", factory.org(parent=other_province)),
        "supervisor_in": staff("supervisor", province),
        "supervisor_out": staff("supervisor", other_province),
        "admin": staff("admin", None),
    }
    return {"site": site, "organiser": organiser, "other_organiser": other_organiser, "actors": actors,
            "supervisor": actors["supervisor_in"]}


def make_case(session, factory, world, state: State) -> Case:
    """A case brought to ``state`` by the operations themselves."""
    if state in (R, T):
        # a valid code nobody registered and an unknown host: no match, triage in Guangdong
        case = factory.case(site_code="4400009999", page_url="https://unknown.example.cn/")
        assert case.state == T
        if state == R:  # the instant before routing
            case.state = R
            session.flush()
        return case
    case = factory.case(site=world["site"])
    organiser, supervisor = world["actors"]["organiser_in"], world["supervisor"]
    if state in (P, V, C):
        ops.accept(session, case, organiser)
    if state in (V, C):
        ops.answer(session, case, organiser, text="已更正。")
    if state == C:
        ops.approve(session, case, supervisor)
    session.flush()
    assert case.state == state
    return case


def _paused(session, case: Case, approval: str) -> CasePause:
    """A running pause of ``case``, so that only role, scope and state decide."""
    now = utcnow()
    pause = CasePause(case_id=case.id, reason="需要截图", started_at=now, limit_workdays=5,
                      ends_at=now + timedelta(days=7), approval=approval)
    session.add(pause)
    case.paused_at, case.pause_ends_at = now, pause.ends_at
    session.flush()
    return pause


def arguments(session, operation: str, case: Case, world) -> dict:
    if operation == "resume":
        _paused(session, case, "not_needed")
        return {"reply": "截图已补充"}
    if operation == "decide_pause":
        return {"pause_id": _paused(session, case, "pending").id, "approve": True}
    if operation == "decide_extension":
        # a pending request, so that only role, scope and state decide
        request = ExtensionRequest(case_id=case.id, reason="需要协调", workdays=2)
        session.add(request)
        session.flush()
        return {"request_id": request.id, "approve": True}
    return {
        "assign": {"organiser_id": world["other_organiser"].id},
        "reroute": {"organiser_id": world["other_organiser"].id},
        "accept": {},
        "answer": {"text": "已更正，感谢指出。"},
        "approve": {},
        "reject": {"reason": "答复不完整"},
        "return": {"reason": "不是本单位网站"},
        "request_extension": {"workdays": 2, "reason": "需要技术公司配合"},
        "chase": {"message": "请尽快办理"},
        "close_not_taken_up": {"outcome": "duplicate", "reason": "与上一条留言重复"},
        "record_feedback": {"satisfied": False, "comment": "没有改"},
        "reopen": {"reason": "网民不满意"},
        "add_note": {"text": "内部备注"},
        "pause": {"reason": "请提供出错位置的截图"},
        "import_answer": {"outcome": "fixed", "answer": "已整改", "answered_at": case.received_at + timedelta(hours=1)},
    }[operation]


def call(session, operation: str, case: Case, actor, kwargs):
    if operation == "record_feedback":
        return ops.record_feedback(session, case, actor=actor, **kwargs)
    if operation == "import_answer":
        return ops.record_platform_answer(session, case, actor=actor, **kwargs)
    if operation == "resume":  # the citizen resumes too: not a staff-only operation
        return ops.resume(session, case, actor, **kwargs)
    return ops.perform(session, operation, case, actor, **kwargs)


def expected_outcome(operation: str, state: State, who: str):
    """"allowed", NotAllowed or InvalidState, from the table and the scope rules."""
    role = who.split("_")[0]
    roles = EXPECTED[operation]
    if role not in roles:
        return NotAllowed
    in_scope = {
        "citizen": True, "system": True, "admin": True, "supervisor_in": True,
        "organiser_in": state not in (R, T),  # before assignment nobody's case is an organiser's
        "organiser_out": False, "supervisor_out": False,
    }[who]
    if not in_scope:
        return NotAllowed
    return "allowed" if state in roles[role] else InvalidState


def counts(session, case_id: int) -> tuple[int, list[str]]:
    events = session.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one()
    topics = session.exec(select(Outbox.topic).where(Outbox.case_id == case_id).order_by(Outbox.id)).all()
    return events, list(topics)


@pytest.mark.parametrize("state", [R, T, A, P, V, C], ids=lambda s: s.value)
def test_transition_matrix(session, factory, world, state):
    failures = []
    tested = set()
    case_id = make_case(session, factory, world, state).id
    for operation in EXPECTED:
        for who in ACTORS:
            nested = session.begin_nested()  # each combination starts from the same case
            case = session.get(Case, case_id)
            assert case.state == state
            kwargs = arguments(session, operation, case, world)
            events_before, topics_before = counts(session, case.id)
            expected = expected_outcome(operation, state, who)
            label = f"{state.value} × {operation} × {who}"
            try:
                call(session, operation, case, world["actors"][who], kwargs)
                session.flush()
            except DomainError as error:
                if type(error) is not expected:
                    failures.append(f"{label}: expected {getattr(expected, '__name__', expected)}, "
                                    f"got {type(error).__name__}: {error.message_en}")
                elif not (CJK.search(error.message_zh) and error.message_en and not CJK.search(error.message_en)):
                    failures.append(f"{label}: message not in zh and en: {error.message_zh!r} / {error.message_en!r}")
                else:
                    after = counts(session, case.id)
                    if after != (events_before, topics_before) or case.state != state:
                        failures.append(f"{label}: refused but changed something")
            except Exception as error:  # noqa: BLE001 - any other exception is a failure
                failures.append(f"{label}: raised {type(error).__name__}: {error}")
            else:
                if expected != "allowed":
                    failures.append(f"{label}: allowed, expected {expected.__name__}")
                else:
                    failures.extend(check_allowed(session, label, operation, case, state, who,
                                                  events_before, topics_before))
            tested.add((operation, who))
            nested.rollback()
            session.expire_all()
    assert not failures, "\n".join(failures)
    # every operation × actor in this state: 15 × 7 = 105 (14 × 7 = 98 without import_answer)
    assert len(tested) == len(EXPECTED) * len(ACTORS) and len(EXPECTED) >= 14


def check_allowed(session, label, operation, case, state, who, events_before, topics_before) -> list[str]:
    problems = []
    if operation == "close_not_taken_up":  # an organiser's goes to review; a supervisor's closes
        after_state, topic = (V, "review_requested") if who == "organiser_in" else (C, "case_answered")
    else:
        after_state, topic = RESULT[operation]
    after_state = after_state or state
    if case.state != after_state:
        problems.append(f"{label}: state {case.state}, expected {after_state}")
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                          .order_by(CaseEvent.id.desc())).all()
    if len(events) != events_before + 1:
        problems.append(f"{label}: {len(events) - events_before} events written, expected 1")
    elif events[0].action != operation or events[0].state_before != state or events[0].state_after != after_state:
        problems.append(f"{label}: event {events[0].action} {events[0].state_before}->{events[0].state_after}")
    _events, topics = counts(session, case.id)
    new_topics = topics[len(topics_before):]
    if new_topics != ([topic] if topic else []):
        problems.append(f"{label}: outbox {new_topics}, expected {[topic] if topic else []}")
    return problems


def test_expected_table_agrees_with_operations():
    allowed = {op: {str(role): set(states) for role, states in roles.items()}
               for op, roles in permissions.ALLOWED.items()}
    assert allowed == EXPECTED
