"""The pause (挂起): the deadline moves by the working days paused, at the boundary instants, and
the report follows the moved deadline.

2024 calendar facts used: 4/27 Saturday a rest day, 4/28 Sunday a 调休 working day, 5/1–5/5 Labour
Day, 5/11 Saturday a working day. Answer period 3 working days, receipt day not counted.

A case received Thu 4/25 10:00 is due 4/29 24:00 (4/26, 4/28 调休, 4/29). The working days a pause
lasted are those after the day it started up to and including the day it ended:

| paused | resumed | working days | due (24:00) |
|---|---|---|---|
| Fri 4/26 10:00 | Mon 4/29 09:00 | 2 (4/28 调休, 4/29) | 5/6 (4/30, then 5/6 after the holiday) |
| Fri 4/26 10:00 | Sun 4/28 23:59:59 | 1 (4/28) | 4/30 |
| Thu 4/25 23:59:59 | Mon 4/29 09:00 | 3 (4/26, 4/28, 4/29) | 5/7 |
| Fri 4/26 00:00 | Mon 4/29 09:00 | 2 | 5/6 |
| Sat 4/27 00:00 | Mon 4/29 00:00 | 2 | 5/6 |
| Fri 4/26 10:00 | (limit, 5 working days: 4/28, 4/29, 4/30, 5/6, 5/7) 5/7 24:00 | 5 | 5/9 |
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from tests.report.conftest import bj
from tracker.cases import operations as ops
from tracker.cases.history import Action
from tracker.cases.models import CaseEvent, CasePause
from tracker.cases.permissions import available_actions
from tracker.cases.scope import CITIZEN, SYSTEM
from tracker.db import frozen_clock
from tracker.errors import InvalidInput, InvalidState
from tracker.reports.figures import sla_report

WINDOW = {"date_from": "2024-04-01", "date_to": "2024-04-30"}


def paused_case(tree, paused: datetime, received: datetime | None = None):
    received = received or bj(4, 25, 10)
    case = tree.submit(received, site=tree.gz_site)
    tree.do(received, ops.accept, case, tree.gz_staff)
    tree.do(paused, ops.pause, case, tree.gz_staff, reason="请提供出错页面的截图。")
    return case


@pytest.mark.parametrize(("paused", "resumed", "workdays", "due"), [
    (bj(4, 26, 10), bj(4, 29, 9), 2, bj(5, 7, 0)),
    (bj(4, 26, 10), datetime(2024, 4, 28, 23, 59, 59, tzinfo=bj(1, 1).tzinfo), 1, bj(5, 1, 0)),
    (datetime(2024, 4, 25, 23, 59, 59, tzinfo=bj(1, 1).tzinfo), bj(4, 29, 9), 3, bj(5, 8, 0)),
    (bj(4, 26, 0), bj(4, 29, 9), 2, bj(5, 7, 0)),
    (bj(4, 27, 0), bj(4, 29, 0), 2, bj(5, 7, 0)),
])
def test_the_due_time_moves_by_the_working_days_paused(tree, paused, resumed, workdays, due):
    case = paused_case(tree, paused)
    assert case.due_at == bj(4, 30, 0)
    assert case.paused_at is not None
    pause = tree.do(resumed, ops.resume, case, CITIZEN, reply="截图已上传到网盘，链接见此。")
    assert (pause.workdays, pause.end_reason, pause.reply) == (workdays, "citizen", "截图已上传到网盘，链接见此。")
    assert case.due_at == due and pause.due_before == bj(4, 30, 0) and pause.due_after == due
    assert case.paused_at is None and case.first_paused_at == paused


def test_paused_two_working_days_over_the_tiaoxiu_weekend_judged_on_time_to_the_instant(tree):
    on_time, late = paused_case(tree, bj(4, 26, 10)), paused_case(tree, bj(4, 26, 10))
    for case in (on_time, late):
        tree.do(bj(4, 29, 9), ops.resume, case, tree.gz_staff)
        assert case.due_at == bj(5, 7, 0)  # moved by exactly 2 working days: 4/30, then 5/6
    tree.answer(on_time, datetime(2024, 5, 6, 23, 59, 59, tzinfo=bj(1, 1).tzinfo), bj(5, 7, 9))
    tree.answer(late, bj(5, 7, 0), bj(5, 7, 9))
    report = sla_report(tree.session, **WINDOW, scope_org=tree.province, as_of=bj(5, 10, 12))
    assert (report["closed_on_time"], report["closed_late"], report["paused"]) == (1, 1, 2)
    # as of a moment inside the pause: open, the clock standing still, not overdue
    during = sla_report(tree.session, **WINDOW, scope_org=tree.province, as_of=bj(4, 28, 12))
    assert (during["open_not_due"], during["open_overdue"], during["paused"]) == (2, 0, 2)
    # as of a moment before the pause: not yet paused
    before = sla_report(tree.session, **WINDOW, scope_org=tree.province, as_of=bj(4, 25, 12))
    assert (before["received"], before["paused"]) == (2, 0)


def test_a_pause_ends_on_its_own_at_its_limit_through_the_sweep(tree):
    from tracker.calendar.store import load_calendar
    from tracker.cases.sweep import _look_at

    case = paused_case(tree, bj(4, 26, 10))
    assert case.pause_ends_at == bj(5, 8, 0) and case.sweep_at == bj(5, 8, 0)
    stats = {"cases": 0, "reminders": 0, "overdue": 0}
    calendar = load_calendar(tree.session)
    with frozen_clock(bj(5, 7, 23)):
        _look_at(tree.session, case, calendar, bj(5, 7, 23), stats)
    assert case.paused_at is not None  # not yet
    with frozen_clock(bj(5, 8, 3)):
        _look_at(tree.session, case, calendar, bj(5, 8, 3), stats)
    pause = tree.session.exec(select(CasePause).where(CasePause.case_id == case.id)).one()
    assert (pause.end_reason, pause.workdays, pause.ended_at) == ("limit", 5, bj(5, 8, 0))
    assert case.paused_at is None and case.due_at == bj(5, 10, 0)  # 4/29 + 5: 4/30, 5/6, 5/7, 5/8, 5/9


def test_one_pause_per_clock_before_the_due_time_and_nothing_else_while_paused(tree):
    case = paused_case(tree, bj(4, 26, 10))
    assert available_actions(tree.session, tree.gz_staff, case) == ["add_note", "resume"]
    with pytest.raises(InvalidState):
        tree.do(bj(4, 26, 11), ops.answer, case, tree.gz_staff, text="已处理，页面已更新。")
    tree.do(bj(4, 26, 12), ops.resume, case, tree.gz_staff)
    assert case.due_at == bj(4, 30, 0)  # resumed the same day: no working day lost
    assert "pause" not in available_actions(tree.session, tree.gz_staff, case)
    with pytest.raises(InvalidState):
        tree.do(bj(4, 26, 13), ops.pause, case, tree.gz_staff, reason="再次需要补充。")
    late = tree.submit(bj(4, 25, 10), site=tree.gz_site)
    tree.do(bj(4, 25, 11), ops.accept, late, tree.gz_staff)
    with pytest.raises(InvalidState):
        tree.do(bj(4, 30, 0), ops.pause, late, tree.gz_staff, reason="需要截图。")
    with pytest.raises(InvalidInput):
        tree.do(bj(4, 29, 9), ops.pause, late, tree.gz_staff, reason="  ")


def test_the_citizen_must_say_something_and_the_history_shows_the_pause(tree):
    case = paused_case(tree, bj(4, 26, 10))
    with pytest.raises(InvalidInput):
        tree.do(bj(4, 29, 9), ops.resume, case, CITIZEN, reply="   ")
    tree.do(bj(4, 29, 9), ops.resume, case, CITIZEN, reply="出错页面是首页的通知公告栏。")
    events = tree.session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.action.in_(["pause", "resume"]))
                               .order_by(CaseEvent.id)).all()
    assert [(e.action, e.note, e.is_public) for e in events] == [
        ("pause", "请提供出错页面的截图。", True), ("resume", "出错页面是首页的通知公告栏。", True)]
    assert events[1].data["workdays"] == 2 and events[1].data["by"] == "citizen"


def test_with_approval_needed_a_pause_counts_only_once_approved(tree, app):
    app.config["PAUSE_NEEDS_APPROVAL"] = True
    denied, approved = paused_case(tree, bj(4, 26, 10)), paused_case(tree, bj(4, 26, 10))
    for case in (denied, approved):
        tree.do(bj(4, 29, 9), ops.resume, case, tree.gz_staff)
        assert case.due_at == bj(4, 30, 0)  # not yet approved: nothing moves
        assert "decide_pause" in available_actions(tree.session, tree.supervisor, case)
    pause = tree.session.exec(select(CasePause).where(CasePause.case_id == denied.id)).one()
    with pytest.raises(InvalidInput):  # a denial says why
        tree.do(bj(4, 29, 10), ops.decide_pause, denied, tree.supervisor, pause_id=pause.id, approve=False)
    tree.do(bj(4, 29, 10), ops.decide_pause, denied, tree.supervisor, pause_id=pause.id, approve=False,
            note="截图并非必要。")
    assert denied.due_at == bj(4, 30, 0)
    pause = tree.session.exec(select(CasePause).where(CasePause.case_id == approved.id)).one()
    tree.do(bj(4, 29, 10), ops.decide_pause, approved, tree.supervisor, pause_id=pause.id, approve=True)
    assert approved.due_at == bj(5, 7, 0) and pause.due_after == bj(5, 7, 0)
    assert "decide_pause" not in available_actions(tree.session, tree.supervisor, approved)


def test_a_reopened_case_replayed_as_of_before_the_reopen_keeps_its_paused_due_time(tree):
    case = paused_case(tree, bj(4, 26, 10))
    tree.do(bj(4, 29, 9), ops.resume, case, CITIZEN, reply="补充：页面地址见附件说明。")
    tree.answer(case, bj(5, 6, 15), bj(5, 6, 16))
    tree.do(bj(5, 20, 9), ops.reopen, case, tree.supervisor, reason="复查后重办。")
    report = sla_report(tree.session, **WINDOW, scope_org=tree.province, as_of=bj(5, 10, 12))
    assert (report["closed_on_time"], report["closed_late"], report["paused"]) == (1, 0, 1)


def test_the_sweep_actor_ends_only_a_pause_that_reached_its_limit(tree):
    case = paused_case(tree, bj(4, 26, 10))
    pause = tree.do(bj(5, 9, 9), ops.resume, case, SYSTEM)
    assert pause.ended_at == bj(5, 8, 0) and pause.workdays == 5
    assert tree.session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action == Action.resume)).one().data["by"] == "limit"
