"""The case page and the supervisor queues over HTTP: actions, refusals beside the form, history."""
from __future__ import annotations

from datetime import UTC

from sqlmodel import select

from tests.staff.conftest import PNG, sign_in
from tracker.cases.models import CannedAnswer, Case, CaseEvent, ExtensionRequest


def _case(session, number) -> Case:
    session.expire_all()
    return session.exec(select(Case).where(Case.tracking_number == number)).one()


def test_case_page_shows_report_screenshots_contact_and_history(client, world):
    sign_in(client, world.organiser_b)
    number = world.case_b.tracking_number
    page = client.get(f"/cases/{number}").text
    assert "MARK-B" in page and "13800000002" in page and "b@example.cn" in page
    assert f"/cases/{number}/attachments/" in page
    assert "提交留言" in page and "分办" in page  # history: submit, assign
    shot = client.get(f"/cases/{number}/attachments/{world.attachments[world.case_b.id]}")
    assert shot.status_code == 200 and shot.data == PNG and shot.mimetype == "image/png"
    assert "no-store" in shot.headers["Cache-Control"]
    # another case's attachment id under this case's number: 404
    assert client.get(f"/cases/{number}/attachments/{world.attachments[world.case_a.id]}").status_code == 404


def test_organiser_loop_with_refusals_shown_beside_the_form(client, world, session):
    session.add(CannedAnswer(category_code=2, title="已更新", body="您反映的信息已更新，感谢监督。"))
    session.commit()
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    page = client.get(f"/cases/{number}").text
    assert 'id="form-accept"' in page and 'id="form-answer"' in page and 'id="form-approve"' not in page
    assert "您反映的信息已更新，感谢监督。" in page  # canned answer offered for category 2

    assert client.post(f"/cases/{number}/act/accept").status_code == 302
    assert _case(session, number).state == "in_progress"
    again = client.post(f"/cases/{number}/act/accept")  # not allowed in this state: 409 beside the form
    assert again.status_code == 409 and "不能执行“签收”" in again.text

    empty = client.post(f"/cases/{number}/act/answer", data={"text": "  ", "outcome": "fixed"})
    assert empty.status_code == 422 and 'id="err-answer"' in empty.text
    bad_days = client.post(f"/cases/{number}/act/request_extension", data={"workdays": "x", "reason": "需协调"})
    assert bad_days.status_code == 422 and 'id="err-request_extension"' in bad_days.text
    assert client.post(f"/cases/{number}/act/request_extension",
                       data={"workdays": "3", "reason": "需要外单位协调"}).status_code == 302
    assert client.post(f"/cases/{number}/act/add_note", data={"text": "已电话联系网站运维"}).status_code == 302
    assert client.post(f"/cases/{number}/act/answer",
                       data={"text": "您反映的信息已更新，感谢监督。", "outcome": "fixed"}).status_code == 302
    case = _case(session, number)
    assert case.state == "in_review" and case.answer == "您反映的信息已更新，感谢监督。"
    assert client.post(f"/cases/{number}/act/nonsense").status_code == 404
    actions = [e.action for e in session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                              .order_by(CaseEvent.id))]
    assert actions[-4:] == ["accept", "request_extension", "add_note", "answer"]


def test_return_and_not_taken_up(client, world, session):
    sign_in(client, world.organiser_b)
    number = world.case_b.tracking_number
    assert client.post(f"/cases/{number}/act/close_not_taken_up",
                       data={"outcome": "duplicate", "reason": "与ZC-1重复", "confirm": "1"}).status_code == 302
    case = _case(session, number)
    assert case.state == "in_review" and case.outcome == "duplicate"

    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    assert client.post(f"/cases/{number}/act/return", data={"reason": "", "confirm": "1"}).status_code == 422
    returned = client.post(f"/cases/{number}/act/return", data={"reason": "不是本单位网站", "confirm": "1"})
    assert returned.status_code == 302 and returned.location == "/inbox"
    assert _case(session, number).state == "triage"
    assert client.get(f"/cases/{number}").status_code == 404  # no longer the organiser's case


def test_supervisor_queues_route_review_extend_chase(client, world, session):
    from tracker.cases import operations as ops
    from tracker.cases.scope import Actor

    organiser = Actor.of(world.organiser_a, session)
    ops.return_case(session, world.case_a, organiser, reason="不是本单位网站")
    ops.accept(session, world.case_b, Actor.of(world.organiser_b, session))
    request = ops.request_extension(session, world.case_b, Actor.of(world.organiser_b, session),
                                    workdays=2, reason="需协调")
    session.commit()
    sign_in(client, world.supervisor)
    page = client.get("/supervise").text
    assert world.case_a.tracking_number in page and "待分办" in page
    assert world.case_b.tracking_number in page and "需协调" in page
    assert world.case_c.tracking_number not in page
    assert "/supervise/report" in page
    # the route select lists Guangdong organisers only
    assert world.org_b.name in page and world.org_c.name not in page

    foreign = client.post(f"/cases/{world.case_a.tracking_number}/act/assign",
                          data={"organiser_id": str(world.org_c.id)})
    assert foreign.status_code == 403 and "本辖区" in foreign.text
    response = client.post(f"/cases/{world.case_a.tracking_number}/act/assign",
                           data={"organiser_id": str(world.org_b.id), "next": "/supervise"})
    assert response.status_code == 302 and response.location == "/supervise"
    assert _case(session, world.case_a.tracking_number).organiser_id == world.org_b.id
    outside = client.post(f"/cases/{world.case_b.tracking_number}/act/reroute",
                          data={"organiser_id": str(world.org_c.id)})
    assert outside.status_code == 403 and "本辖区" in outside.text

    due_before = _case(session, world.case_b.tracking_number).due_at
    assert client.post(f"/cases/{world.case_b.tracking_number}/act/decide_extension",
                       data={"request_id": str(request.id), "decision": "approve"}).status_code == 302
    session.expire_all()
    assert session.get(ExtensionRequest, request.id).state == "approved"
    assert _case(session, world.case_b.tracking_number).due_at > due_before

    assert client.post(f"/cases/{world.case_b.tracking_number}/act/chase",
                       data={"message": "请尽快办理"}).status_code == 302
    ops.answer(session, _case(session, world.case_b.tracking_number), Actor.of(world.organiser_b, session),
               text="已修复")
    session.commit()
    assert "已修复" in client.get("/supervise").text
    rejected = client.post(f"/cases/{world.case_b.tracking_number}/act/reject", data={"reason": ""})
    assert rejected.status_code == 422
    assert client.post(f"/cases/{world.case_b.tracking_number}/act/reject",
                       data={"reason": "请说明整改内容"}).status_code == 302
    case = _case(session, world.case_b.tracking_number)
    assert case.state == "in_progress" and case.sent_back_at is not None


def test_unsatisfied_closed_cases_can_be_reopened_from_the_queue(client, world, session):
    from tracker.cases import operations as ops
    from tracker.cases.scope import Actor

    organiser = Actor.of(world.organiser_a, session)
    ops.answer(session, world.case_a, organiser, text="已修复")
    ops.approve(session, world.case_a, Actor.of(world.supervisor, session))
    ops.record_feedback(session, world.case_a, satisfied=False, comment="链接仍然打不开")
    session.commit()
    sign_in(client, world.supervisor)
    page = client.get("/supervise").text
    assert "链接仍然打不开" in page and f"/cases/{world.case_a.tracking_number}/act/reopen" in page
    assert client.post(f"/cases/{world.case_a.tracking_number}/act/reopen",
                       data={"reason": "网民不满意，重办"}).status_code == 302
    assert _case(session, world.case_a.tracking_number).state == "in_progress"


def test_supervisor_pages_warn_when_next_years_calendar_is_missing(client, world):
    from datetime import datetime

    from tracker.db import frozen_clock

    sign_in(client, world.supervisor)
    with frozen_clock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC)):
        assert "2027年节假日安排尚未导入" in client.get("/supervise").text
        assert "2027年节假日安排尚未导入" in client.get("/supervise/cases").text
    with frozen_clock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC)):
        assert "节假日安排尚未导入" not in client.get("/supervise").text


def test_overview_counts_overdue_and_due_soon_per_organisation(client, world, factory, session):
    from datetime import datetime

    from tracker.db import frozen_clock

    with frozen_clock(datetime(2024, 4, 26, 2, 0, tzinfo=UTC)):
        factory.case(site=world.site_a)
        factory.case(site=world.site_a)
    session.commit()
    sign_in(client, world.supervisor)
    page = client.get("/supervise").text
    row = page.split(world.org_a.name, 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[1:4]]
    assert cells == ["3", "2", "0"]  # open, overdue, due soon
