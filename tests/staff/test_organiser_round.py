"""The organiser's inbox and case page over HTTP: the countdown as the citizen is told it, returning
a case, a sent-back answer, grouped and confirmed actions, canned answers, the closed queue, the
header and the history."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from tests.staff.conftest import sign_in
from tracker.cases import operations as ops
from tracker.cases.models import CannedAnswer, Case, CaseEvent
from tracker.cases.scope import Actor
from tracker.db import frozen_clock

FRIDAY = datetime(2024, 4, 26, 2, 0, tzinfo=UTC)  # 10:00 Beijing; 3 working days -> 2024-04-30 24:00


def _case(session, number) -> Case:
    session.expire_all()
    return session.exec(select(Case).where(Case.tracking_number == number)).one()


def _textarea(page: str, element_id: str) -> str:
    match = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, element_id
    return match.group(1)


def test_countdown_does_not_count_the_day_of_receipt(client, world, factory, session):
    with frozen_clock(FRIDAY):
        case = factory.case(site=world.site_a, description="倒计时 MARK-COUNT")
    session.commit()
    assert case.due_at == datetime(2024, 4, 30, 16, 0, tzinfo=UTC)
    sign_in(client, world.organiser_a)
    number = case.tracking_number
    expected = {datetime(2024, 4, 26, 3, 0, tzinfo=UTC): "剩3个工作日",  # the day of receipt
                datetime(2024, 4, 28, 3, 0, tzinfo=UTC): "剩2个工作日",  # Sunday, a make-up working day
                datetime(2024, 4, 29, 3, 0, tzinfo=UTC): "剩1个工作日",
                datetime(2024, 4, 30, 15, 0, tzinfo=UTC): "今日24时到期",  # 23:00 on the last day
                datetime(2024, 5, 6, 3, 0, tzinfo=UTC): "超期1个工作日"}  # after the May Day holiday
    for now, words in expected.items():
        with frozen_clock(now):
            page = client.get(f"/cases/{number}").text
            assert words in page and "2024-04-30 24:00" in page, (now, words)
            row = next(r for r in client.get("/inbox?state=all").text.split("<tr") if number in r)
            assert words in row, (now, words)


def test_returning_lands_in_the_inbox_and_the_returned_list_follows_the_case(client, world, session):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    unconfirmed = client.post(f"/cases/{number}/act/return", data={"reason": "不是本单位网站"})
    assert unconfirmed.status_code == 422 and "请勾选确认后再提交。" in unconfirmed.text
    assert _case(session, number).state == "assigned"

    response = client.post(f"/cases/{number}/act/return", data={"reason": "不是本单位网站", "confirm": "1",
                                                              "next": f"/cases/{number}"},
                           follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/inbox"
    assert f"留言{number}已退回，现由广东省政务服务数据管理局分办" in response.text
    assert "/inbox/returned" in response.text

    listed = client.get("/inbox/returned").text
    row = next(r for r in listed.split("<tr") if number in r)
    assert "不是本单位网站" in row and "广东省政务服务数据管理局" in row and "待分办" in row
    assert f'href="/cases/{number}"' not in row  # not ours any more: no link to a page that is a 404

    ops.reroute(session, _case(session, number), Actor.of(world.supervisor, session), organiser_id=world.org_b.id)
    session.commit()
    listed = client.get("/inbox/returned").text
    row = next(r for r in listed.split("<tr") if number in r)
    assert world.org_b.name in row and "待签收" in row
    assert "MARK-A" not in listed and "a@example.cn" not in listed and "gz.gov.cn/a.html" not in listed

    sign_in(client, world.organiser_b)  # another organisation's returns are not listed
    assert number not in client.get("/inbox/returned").text
    assert client.get("/inbox/returned?page=2").status_code == 200


def test_a_sent_back_answer_opens_with_the_reason_and_the_previous_answer(client, world, session):
    organiser = Actor.of(world.organiser_a, session)
    ops.accept(session, world.case_a, organiser)
    ops.answer(session, world.case_a, organiser, text="链接已修复。", outcome="fixed")
    ops.reject(session, world.case_a, Actor.of(world.supervisor, session), reason="请写明修复的具体页面和时间。")
    session.commit()
    sign_in(client, world.organiser_a)
    page = client.get(f"/cases/{world.case_a.tracking_number}").text
    assert "答复被驳回" in page and "驳回理由：请写明修复的具体页面和时间。" in page
    assert page.index('id="sent-back"') < page.index('id="form-answer"')
    assert _textarea(page, "answer-text") == "链接已修复。"
    assert re.search(r'被驳回 <span class="badge">1</span>', client.get("/inbox").text)


def test_actions_are_grouped_no_outcome_is_assumed_and_canned_answers_insert(client, world, session):
    session.add(CannedAnswer(category_code=2, title="已更新", body="您反映的信息已更新，感谢监督。"))
    session.add(CannedAnswer(category_code=2, organisation_id=world.org_b.id, title="深圳专用", body="深圳的答复"))
    session.commit()
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    page = client.get(f"/cases/{number}").text
    assert 'class="action action-main" id="action-accept"' in page
    assert 'class="action action-main" id="action-answer"' in page
    ends = page[page.index('<details class="action-group ends"'):]
    assert 'id="form-return"' in ends and 'id="form-close_not_taken_up"' in ends
    assert ends.count('name="confirm" value="1" required') == 2
    answer_form = page[page.index('id="form-answer"'):page.index("</form>", page.index('id="form-answer"'))]
    assert "checked" not in answer_form
    assert "深圳的答复" not in page  # another organisation's canned answer

    missing = client.post(f"/cases/{number}/act/answer", data={"text": "已更新。"})
    assert missing.status_code == 422 and "答复结果应为" in missing.text
    assert _textarea(missing.text, "answer-text") == "已更新。"
    assert _case(session, number).state == "assigned"

    canned = session.exec(select(CannedAnswer).where(CannedAnswer.title == "已更新")).one()
    inserted = client.post(f"/cases/{number}/act/answer", data={"text": "您好！", "canned": str(canned.id),
                                                                 "insert": "1"})
    assert inserted.status_code == 200
    assert _textarea(inserted.text, "answer-text") == "您好！\n您反映的信息已更新，感谢监督。"
    assert _case(session, number).state == "assigned"  # inserting saves nothing
    other = session.exec(select(CannedAnswer).where(CannedAnswer.title == "深圳专用")).one()
    refused = client.post(f"/cases/{number}/act/answer", data={"text": "", "canned": str(other.id), "insert": "1"})
    assert refused.status_code == 422 and "请先选择一条常用答复。" in refused.text

    done = client.post(f"/cases/{number}/act/answer", data={"text": "您反映的信息已更新。", "outcome": "explained",
                                                             "confirm": "1"})  # past the answer lint
    assert done.status_code == 302 and _case(session, number).outcome == "explained"
    late = client.post(f"/cases/{number}/act/answer", data={"canned": str(canned.id), "insert": "1"})
    assert late.status_code == 409  # in review: nothing to insert into


def test_closed_queue_shows_on_time_or_late_and_the_header_who_is_signed_in(client, world, factory, session):
    organiser = Actor.of(world.organiser_a, session)
    supervisor = Actor.of(world.supervisor, session)
    with frozen_clock(FRIDAY):
        early = factory.case(site=world.site_a)
        late = factory.case(site=world.site_a)
    with frozen_clock(datetime(2024, 4, 29, 2, 0, tzinfo=UTC)):
        ops.answer(session, early, organiser, text="已修复。", outcome="fixed")
        ops.approve(session, early, supervisor)
    with frozen_clock(datetime(2024, 5, 6, 2, 0, tzinfo=UTC)):
        ops.answer(session, late, organiser, text="已修复。", outcome="fixed")
        ops.approve(session, late, supervisor)
    session.commit()
    sign_in(client, world.organiser_a)
    page = client.get("/inbox?state=closed").text
    rows = {n: next(r for r in page.split("<tr") if n in r) for n in (early.tracking_number, late.tracking_number)}
    assert "按期办结" in rows[early.tracking_number] and "超期办结" not in rows[early.tracking_number]
    assert "超期办结" in rows[late.tracking_number]
    assert 'class="nowrap" href="/cases/' in page
    header = page[page.index('<header'):page.index('</header>')]
    assert "gz@example.gov.cn" in header and world.org_a.name in header


def test_the_history_tells_the_whole_story(client, world, session):
    organiser = Actor.of(world.organiser_a, session)
    supervisor = Actor.of(world.supervisor, session)
    case = world.case_a
    with frozen_clock(datetime(2024, 4, 26, 3, 0, tzinfo=UTC)):
        ops.accept(session, case, organiser)
        case.received_at = datetime(2024, 4, 26, 2, 0, tzinfo=UTC)
        case.due_at = datetime(2024, 4, 30, 16, 0, tzinfo=UTC)
        request = ops.request_extension(session, case, organiser, workdays=3, reason="需要开发商配合")
    with frozen_clock(datetime(2024, 4, 26, 6, 0, tzinfo=UTC)):
        ops.decide_extension(session, case, supervisor, request_id=request.id, approve=True)
        ops.chase(session, case, supervisor, message="请尽快办理")
        ops.chase(session, case, supervisor, message="再次督办")
    session.commit()
    sign_in(client, world.organiser_a)
    page = client.get(f"/cases/{case.tracking_number}").text
    history = page[page.index('<ol class="history">'):page.index("</ol>", page.index('<ol class="history">'))]
    assert "申请延期3个工作日" in history and "理由：需要开发商配合" in history
    # 3 working days after 04-30, over the May Day holiday (05-01 to 05-05): 05-08
    assert "批准延期3个工作日，期限由2024-04-30 24:00改为2024-05-08 24:00" in history
    chases = [li for li in history.split("<li") if 'class="event-chase"' in li]
    assert len(chases) == 2 and "（第1次）" in chases[0] and "（第2次）" in chases[1]
    assert all(world.supervisor.email in li for li in chases)
    for line in history.split("<li")[1:]:
        text = re.sub(r"<[^>]+>", " ", line)
        assert not re.search(r"·\s*→", text) and not re.search(r"→\s*(·|$)", text.strip()), text
    submit = next(li for li in history.split("<li") if 'class="event-submit"' in li)
    assert "状态：" in submit and "→" not in submit
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert len([e for e in events if e.action == "chase"]) == 2


def test_organisers_keep_their_own_canned_answers(client, world, session):
    session.add(CannedAnswer(category_code=None, title="通用结尾", body="感谢您的监督。"))
    session.commit()
    sign_in(client, world.organiser_a)
    page = client.get("/inbox/canned").text
    assert "通用结尾" in page and "/delete" not in page  # shared: usable, not removable here
    empty = client.post("/inbox/canned", data={"title": "", "body": "x"})
    assert empty.status_code == 422 and "请填写标题和内容。" in empty.text
    added = client.post("/inbox/canned", data={"title": "广州落款", "body": "广州市测试局网站办", "category": "2"},
                        follow_redirects=True)
    assert added.status_code == 200 and "已添加常用答复：广州落款" in added.text
    own = session.exec(select(CannedAnswer).where(CannedAnswer.title == "广州落款")).one()
    assert own.organisation_id == world.org_a.id and own.category_code == 2
    assert "广州市测试局网站办" in client.get(f"/cases/{world.case_a.tracking_number}").text  # offered on its cases

    shared = session.exec(select(CannedAnswer).where(CannedAnswer.title == "通用结尾")).one()
    assert client.post(f"/inbox/canned/{shared.id}/delete").status_code == 404
    sign_in(client, world.organiser_b)
    assert "广州落款" not in client.get("/inbox/canned").text
    assert client.post(f"/inbox/canned/{own.id}/delete").status_code == 404
    sign_in(client, world.organiser_a)
    assert client.post(f"/inbox/canned/{own.id}/delete").status_code == 302
    session.expire_all()
    assert session.get(CannedAnswer, own.id) is None and session.get(CannedAnswer, shared.id) is not None
