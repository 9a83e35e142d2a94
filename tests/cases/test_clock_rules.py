"""Clock rules of the case lifecycle (DESIGN.md, "Deadlines"), with dates worked out by hand.

2024: 04-28 (Sunday) was a working day; 05-01…05-05 a holiday; 09-29 (Sunday) a working day;
10-01…10-07 a holiday; Spring Festival 02-10…02-17 with 02-18 (Sunday) a working day.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from tracker.calendar.operations import read_year_csv
from tracker.cases import operations as ops
from tracker.cases.deadlines import load_year
from tracker.cases.models import CaseEvent
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.outbox.models import Outbox
from tracker.users.models import User


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture()
def people(session, factory):
    province = factory.province()
    organiser = factory.org(parent=province)
    other = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)

    def staff(role, org):
        user = User(email=f"{role}{org.code}@clock.example.cn", role=role, password_hash="!", organisation_id=org.id)
        session.add(user)
        session.flush()
        return Actor.of(user, session)

    return {"site": site, "other": other, "organiser": staff("organiser", organiser),
            "supervisor": staff("supervisor", province)}


def received(factory, people, when: str):
    return factory.case(site=people["site"], received_at=at(when))


def answered(session, case, people, when: str, text: str = "已更正。"):
    with frozen_clock(at(when)):
        return ops.answer(session, case, people["organiser"], text=text)


def test_reroute_does_not_restart_the_clock(session, factory, people):
    case = received(factory, people, "2024-04-26T10:00:00+08:00")
    assert case.due_at == at("2024-05-01T00:00:00+08:00")  # 04-28 Sun (1), 04-29 (2), 04-30 (3)
    with frozen_clock(at("2024-04-29T09:00:00+08:00")):
        ops.accept(session, case, people["organiser"])
    with frozen_clock(at("2024-04-29T15:00:00+08:00")):
        ops.reroute(session, case, people["supervisor"], organiser_id=people["other"].id, note="改派")
    assert case.state == "assigned" and case.organiser_id == people["other"].id
    assert case.assigned_at == at("2024-04-29T15:00:00+08:00")
    assert case.due_at == at("2024-05-01T00:00:00+08:00")


def test_assign_from_triage_keeps_the_receipt_clock(session, factory, people):
    case = factory.case(site_code="4400009999", page_url="https://nobody.example.cn/",
                        received_at=at("2024-04-26T10:00:00+08:00"))
    assert case.state == "triage"
    assert case.triage_due_at == at("2024-04-29T00:00:00+08:00")  # 1 working day: 04-28 (Sunday, 调休)
    with frozen_clock(at("2024-04-29T11:00:00+08:00")):
        ops.assign(session, case, people["supervisor"], organiser_id=people["other"].id)
    assert case.due_at == at("2024-05-01T00:00:00+08:00")


def request_and_decide(session, case, people, workdays: int, approve: bool, when: str):
    with frozen_clock(at(when)):
        request = ops.request_extension(session, case, people["organiser"], workdays=workdays,
                                        reason="需要外包公司修复")
        ops.decide_extension(session, case, people["supervisor"], request_id=request.id, approve=approve,
                             note=None if approve else "理由不充分")
    return request


def test_approved_extension_counts_from_the_due_date_across_may_day(session, factory, people):
    case = received(factory, people, "2024-04-26T10:00:00+08:00")
    request = request_and_decide(session, case, people, 2, True, "2024-04-29T10:00:00+08:00")
    # from the due date 04-30: 05-01…05-05 holiday, 05-06 (1), 05-07 (2)
    assert case.due_at == at("2024-05-08T00:00:00+08:00")
    assert (request.state, request.due_before, request.due_after) == (
        "approved", at("2024-05-01T00:00:00+08:00"), at("2024-05-08T00:00:00+08:00"))
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.action == "decide_extension")).one()
    assert event.data["approved"] is True and event.data["workdays"] == 2
    assert session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "extension_decided")).one()


def test_approved_extension_across_spring_festival(session, factory, people):
    case = received(factory, people, "2024-02-07T10:00:00+08:00")
    # 02-08 (1), 02-09 除夕 (2), 02-10…02-17 holiday, 02-18 Sunday 调休 (3)
    assert case.due_at == at("2024-02-19T00:00:00+08:00")
    request_and_decide(session, case, people, 1, True, "2024-02-08T10:00:00+08:00")
    assert case.due_at == at("2024-02-20T00:00:00+08:00")  # 02-19 Monday


def test_denied_extension_leaves_the_due_time(session, factory, people):
    case = received(factory, people, "2024-04-26T10:00:00+08:00")
    request = request_and_decide(session, case, people, 5, False, "2024-04-29T10:00:00+08:00")
    assert request.state == "denied"
    assert case.due_at == at("2024-05-01T00:00:00+08:00")
    assert request.due_before == request.due_after == case.due_at


def test_reopen_sets_three_working_days_after_the_reopen(session, factory, people):
    case = received(factory, people, "2024-09-20T10:00:00+08:00")
    answered(session, case, people, "2024-09-23T10:00:00+08:00")
    with frozen_clock(at("2024-09-24T10:00:00+08:00")):
        ops.approve(session, case, people["supervisor"])
    with frozen_clock(at("2024-09-27T15:00:00+08:00")):  # a Friday
        ops.reopen(session, case, people["supervisor"], reason="网民不满意")
    # 09-28 Sat no, 09-29 Sun 调休 (1), 09-30 (2), 10-01…10-07 holiday, 10-08 (3)
    assert case.state == "in_progress"
    assert case.due_at == at("2024-10-09T00:00:00+08:00")
    assert case.reopened_at == at("2024-09-27T15:00:00+08:00")
    assert case.answered_at is None and case.closed_at is None
    # answered in the new period, the reopened case closes on time
    answered(session, case, people, "2024-10-08T18:00:00+08:00")
    with frozen_clock(at("2024-10-10T10:00:00+08:00")):
        ops.approve(session, case, people["supervisor"])
    assert case.is_closed_on_time


@pytest.mark.parametrize("answered_at,on_time", [
    ("2024-04-30T23:59:59+08:00", True),  # the last second of the due date
    ("2024-05-01T00:00:00+08:00", False),  # exactly due_at: late
    ("2024-05-06T09:00:00+08:00", False),
])
def test_closed_on_time_is_the_answer_not_the_approval(session, factory, people, answered_at, on_time):
    case = received(factory, people, "2024-04-26T10:00:00+08:00")
    answered(session, case, people, answered_at)
    with frozen_clock(at("2024-05-07T10:00:00+08:00")):  # approved after the due time either way
        ops.approve(session, case, people["supervisor"])
    assert case.state == "closed"
    assert case.answered_at == at(answered_at)
    assert case.is_closed_on_time is on_time


def test_rejected_then_redone_uses_the_redo(session, factory, people):
    late = received(factory, people, "2024-04-26T10:00:00+08:00")
    answered(session, late, people, "2024-04-29T10:00:00+08:00")  # on time...
    with frozen_clock(at("2024-04-30T10:00:00+08:00")):
        ops.reject(session, late, people["supervisor"], reason="答复不完整")
    assert late.state == "in_progress" and late.answered_at is None
    answered(session, late, people, "2024-05-06T10:00:00+08:00", "已全部更正。")  # ...redone late
    with frozen_clock(at("2024-05-06T11:00:00+08:00")):
        ops.approve(session, late, people["supervisor"])
    assert late.answered_at == at("2024-05-06T10:00:00+08:00")
    assert not late.is_closed_on_time

    timely = received(factory, people, "2024-04-26T11:00:00+08:00")
    answered(session, timely, people, "2024-04-28T10:00:00+08:00")
    with frozen_clock(at("2024-04-29T10:00:00+08:00")):
        ops.reject(session, timely, people["supervisor"], reason="答复不完整")
    answered(session, timely, people, "2024-04-30T20:00:00+08:00", "已全部更正。")
    with frozen_clock(at("2024-05-08T10:00:00+08:00")):
        ops.approve(session, timely, people["supervisor"])
    assert timely.is_closed_on_time


def test_review_off_closes_on_answer(app, session, factory, people):
    app.config["REVIEW_REQUIRED"] = False
    case = received(factory, people, "2024-04-26T10:00:00+08:00")
    answered(session, case, people, "2024-04-30T10:00:00+08:00")
    assert case.state == "closed"
    assert case.closed_at == case.answered_at == at("2024-04-30T10:00:00+08:00")
    assert case.is_closed_on_time
    topics = session.exec(select(Outbox.topic).where(Outbox.case_id == case.id)).all()
    assert "case_answered" in topics and "review_requested" not in topics
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "answer")).one()
    assert (event.state_before, event.state_after) == ("assigned", "closed")


def test_recompute_keeps_an_approved_extension(session, factory, people):
    case = received(factory, people, "2026-12-30T10:00:00+08:00")
    assert case.due_is_provisional and case.due_at == at("2027-01-05T00:00:00+08:00")
    request_and_decide(session, case, people, 2, True, "2026-12-31T10:00:00+08:00")
    # fallback: from 01-04, 01-05 (1), 01-06 (2)
    assert case.due_at == at("2027-01-07T00:00:00+08:00") and case.due_is_provisional
    load_year(session, read_year_csv("date,kind,name\n2027-01-01,holiday,元旦\n"), "notice")
    # loaded: due 01-05, then 01-06 (1), 01-07 (2)
    assert case.due_at == at("2027-01-08T00:00:00+08:00") and not case.due_is_provisional
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.action == "recompute_due")).one()
    assert at(event.data["due_before"]) == at("2027-01-07T00:00:00+08:00")
