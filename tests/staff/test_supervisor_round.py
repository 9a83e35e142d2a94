"""The supervisor's queues over HTTP: the return reason in triage, one routing form with nothing
pre-selected, the overdue list with its chasing, chasing several cases at once, the extension's
resulting due date and the denial's reason, and the complaint beside the answer in review."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from tests.staff.conftest import sign_in
from tracker.cases import operations as ops
from tracker.cases.models import Case, CaseEvent, ExtensionRequest
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.notifications.messages import render
from tracker.outbox import Outbox

BJ = ZoneInfo("Asia/Shanghai")


def bj(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=BJ)


def _case(session, number) -> Case:
    session.expire_all()
    return session.exec(select(Case).where(Case.tracking_number == number)).one()


def _chases(session, case) -> list[CaseEvent]:
    return session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "chase")).all()


def test_triage_shows_the_return_reason_and_one_routing_form_with_nothing_chosen(client, world, session):
    ops.return_case(session, world.case_a, Actor.of(world.organiser_a, session), reason="该网站不归本单位运维")
    session.commit()
    number = world.case_a.tracking_number
    sign_in(client, world.supervisor)
    queue = client.get("/supervise").text
    item = re.search(rf'<p class="return-reason" data-case="{number}">(.*?)</p>', queue, re.S)
    assert item and "退回理由" in item.group(1) and "该网站不归本单位运维" in item.group(1)
    assert world.org_a.name in item.group(1)

    page = client.get(f"/cases/{number}").text
    assert page.count('name="organiser_id"') == 1  # assign only: re-routing a case in triage is the same form
    assert 'id="form-assign"' in page and 'id="form-reroute"' not in page
    assert "该网站不归本单位运维" in page
    select_html = re.search(r'<select id="assign-org".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>", select_html) == [
        '<option value="" selected disabled>']  # the placeholder; no organiser is chosen for the supervisor
    missing = client.post(f"/cases/{number}/act/assign", data={"organiser_id": ""})
    assert missing.status_code == 422 and 'id="err-assign"' in missing.text
    assert _case(session, number).state == "triage"
    assert client.post(f"/cases/{number}/act/assign", data={"organiser_id": str(world.org_b.id)}).status_code == 302
    assert _case(session, number).organiser_id == world.org_b.id


def test_an_assigned_case_offers_re_routing_without_a_preselected_organiser(client, world):
    sign_in(client, world.supervisor)
    page = client.get(f"/cases/{world.case_b.tracking_number}").text
    select_html = re.search(r'<select id="reroute-org".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*selected[^>]*>", select_html) == ['<option value="" selected disabled>']
    assert f"{world.org_b.name}（当前）" in select_html


def _overdue_world(factory, world, session):
    """Two cases received on Monday 2024-04-22 (due Thursday 04-25 24:00), one chased on 04-26."""
    first = factory.case(site=world.site_a, received_at=bj(4, 22))
    second = factory.case(site=world.site_b, received_at=bj(4, 22, 11))
    with frozen_clock(bj(4, 26, 15)):
        ops.chase(session, second, Actor.of(world.supervisor, session), message="请尽快办理")
    session.commit()
    return first, second


def test_the_overdue_list_shows_organiser_days_overdue_and_chasing(client, world, session, factory):
    first, second = _overdue_world(factory, world, session)
    sign_in(client, world.supervisor)
    with frozen_clock(bj(4, 29, 10)):  # Monday; Sunday 04-28 was a working day (调休)
        page = client.get("/supervise").text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-case="([^"]+)">(.*?)</tr>', page, re.S)}

    def field(number, name):
        return re.search(rf'data-field="{name}"[^>]*>(.*?)</td>', rows[number], re.S).group(1).strip()

    assert field(first.tracking_number, "organiser") == world.org_a.name
    assert field(second.tracking_number, "organiser") == world.org_b.name
    # due 04-25 24:00; overdue on 04-26, 04-28 and 04-29
    assert field(first.tracking_number, "overdue") == "3个工作日"
    assert "2024-04-25 24:00" in rows[first.tracking_number]
    assert (field(first.tracking_number, "chase-count"), field(first.tracking_number, "chased-at")) == ("0", "—")
    assert field(second.tracking_number, "chase-count") == "1"
    assert field(second.tracking_number, "chased-at").startswith("2024-04-26 15:00")


def test_several_cases_are_chased_at_once_and_refusals_do_not_block(client, world, session, factory):
    first, second = _overdue_world(factory, world, session)
    ops.return_case(session, world.case_a, Actor.of(world.organiser_a, session), reason="不是本单位的")
    session.commit()
    sign_in(client, world.supervisor)
    numbers = [first.tracking_number, second.tracking_number, world.case_c.tracking_number,
               world.case_a.tracking_number, "ZC00000000-0000"]
    with frozen_clock(bj(4, 29, 10)):
        response = client.post("/supervise/chase", data={"case": numbers, "message": "请今日内答复"},
                               follow_redirects=True)
    assert response.status_code == 200
    text = response.text
    assert f"已督办2条留言：{first.tracking_number}、{second.tracking_number}" in text
    assert "未督办3条" in text
    assert f"{world.case_c.tracking_number}：留言不存在。" in text  # another province's case: not even a hint
    assert f"{world.case_a.tracking_number}：留言当前状态为“待分办”，不能执行“督办”。" in text
    assert [e.note for e in _chases(session, first)] == ["请今日内答复"]
    assert len(_chases(session, second)) == 2 and _chases(session, world.case_c) == []
    assert session.exec(select(Outbox).where(Outbox.case_id == first.id, Outbox.topic == "case_chased")).one()


def test_chasing_nothing_or_without_a_message_is_refused(client, world, session, factory):
    first, _ = _overdue_world(factory, world, session)
    sign_in(client, world.supervisor)
    none = client.post("/supervise/chase", data={"message": "请办理"})
    assert none.status_code == 422 and "请至少勾选一条留言。" in none.text
    silent = client.post("/supervise/chase", data={"case": [first.tracking_number], "message": " "})
    assert silent.status_code == 422 and "请填写督办意见。" in silent.text
    assert 'value="' + first.tracking_number + '" id=' in silent.text  # the ticks are kept
    assert _chases(session, first) == []
    sign_in(client, world.organiser_a)
    assert client.post("/supervise/chase", data={"case": [first.tracking_number], "message": "x"}).status_code == 403


def test_extension_shows_the_resulting_due_date_and_a_denial_carries_its_reason(client, world, session, factory):
    case = factory.case(site=world.site_a, received_at=bj(4, 26))  # Friday: due 04-30 24:00
    with frozen_clock(bj(4, 29, 9)):
        ops.request_extension(session, case, Actor.of(world.organiser_a, session), workdays=2, reason="需外包修复")
    session.commit()
    number = case.tracking_number
    sign_in(client, world.supervisor)
    queue = client.get("/supervise").text
    item = re.search(rf'<div class="queue-item extension-item" data-case="{number}">(.*?)</div>', queue, re.S).group(1)
    # from 04-30: 1–5 May are holidays, then 05-06 and 05-07
    assert re.search(r"现期限\s*<strong>2024-04-30 24:00</strong>", item)
    assert '<strong class="due-after">2024-05-07 24:00</strong>' in item
    assert '<strong class="due-after">2024-05-07 24:00</strong>' in client.get(f"/cases/{number}").text

    request = session.exec(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)).one()
    unexplained = client.post(f"/cases/{number}/act/decide_extension",
                              data={"request_id": str(request.id), "decision": "deny"})
    assert unexplained.status_code == 422 and 'id="err-decide_extension"' in unexplained.text
    session.expire_all()
    assert session.get(ExtensionRequest, request.id).state == "pending"
    assert client.post(f"/cases/{number}/act/decide_extension", data={
        "request_id": str(request.id), "decision": "deny", "note": "外包合同不是延期理由"}).status_code == 302
    session.expire_all()
    assert session.get(ExtensionRequest, request.id).state == "denied"
    assert _case(session, number).due_at == bj(5, 1, 0)

    sign_in(client, world.organiser_a)
    assert "不批准理由：外包合同不是延期理由" in client.get(f"/cases/{number}").text
    row = session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "extension_decided")).one()
    mail = render(session, row, _case(session, number), "gz@example.gov.cn", "zh")
    assert "不批准理由：外包合同不是延期理由" in mail.body and "2024-04-30 24:00" in mail.body
    english = render(session, row, _case(session, number), "gz@example.gov.cn", "en")
    assert "Reason for the denial: 外包合同不是延期理由" in english.body


def test_review_shows_the_complaint_beside_the_answer(client, world, session):
    organiser = Actor.of(world.organiser_b, session)
    ops.answer(session, world.case_b, organiser, text="已更新为最新信息 ANSWER-B")
    session.commit()
    sign_in(client, world.supervisor)
    page = client.get("/supervise").text
    pair = re.search(r'<div class="review-pair">(.*?)</blockquote></div>\s*</div>', page, re.S).group(1)
    assert "深圳页面信息过期 MARK-B" in pair and "https://www.sz.gov.cn/b.html" in pair
    assert "已更新为最新信息 ANSWER-B" in pair
    assert pair.index("MARK-B") < pair.index("ANSWER-B")
    assert f"{world.case_b.tracking_number}</a> · 属实已整改" in page


def test_chasing_many_cases_names_ten_in_the_message(client, world, session, factory):
    cases = [factory.case(site=world.site_a, received_at=bj(4, 22)) for _ in range(12)]
    session.commit()
    sign_in(client, world.supervisor)
    response = client.post("/supervise/chase", data={"case": [c.tracking_number for c in cases],
                                                       "message": "请尽快办理"}, follow_redirects=True)
    assert "已督办12条留言" in response.text and "等12条" in response.text
    assert all(len(_chases(session, c)) == 1 for c in cases)
    too_many = client.post("/supervise/chase", data={"case": [f"ZC{n:08d}-0001" for n in range(51)],
                                                       "message": "请尽快办理"})
    assert too_many.status_code == 422 and "一次最多督办50条留言。" in too_many.text


def test_the_queues_read_in_english(client, world, session, factory):
    _overdue_world(factory, world, session)
    ops.return_case(session, world.case_a, Actor.of(world.organiser_a, session), reason="不是本单位的")
    session.commit()
    sign_in(client, world.supervisor)
    page = client.get("/supervise?lang=en").text
    assert "Reason for returning" in page and "Times chased" in page and "Chase the selected cases" in page
    assert re.search(r'data-field="overdue"[^>]*>\d+ working days</td>', page)
