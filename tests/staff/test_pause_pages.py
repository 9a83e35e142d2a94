"""The pause (挂起) over HTTP: the organiser's case page, the citizen's tracking page and the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from tests.staff.conftest import sign_in
from tracker.cases import operations as ops
from tracker.cases.models import Case, CasePause
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.outbox.models import Outbox
from tracker.users.operations import create_token

BJ = timezone(timedelta(hours=8))


def _case(session, number) -> Case:
    session.expire_all()
    return session.exec(select(Case).where(Case.tracking_number == number)).one()


def _fresh_case(factory, session, world, received: datetime):
    """A case of 广州 received at ``received``, with its query code."""
    with frozen_clock(received):
        submission = factory.submission(site=world.site_a, received_at=received, contact_email="citizen@example.cn")
        ops.accept(session, submission.case, Actor.of(world.organiser_a, session))
    session.commit()
    return submission.case.tracking_number, submission.query_code


def test_organiser_pauses_the_citizen_replies_and_the_due_date_moves(client, world, factory, session):
    # received Thu 2024-04-25: due 2024-04-29 24:00 (4/28 a 调休 Sunday)
    number, code = _fresh_case(factory, session, world, datetime(2024, 4, 25, 10, tzinfo=BJ))
    sign_in(client, world.organiser_a)
    with frozen_clock(datetime(2024, 4, 26, 10, tzinfo=BJ)):
        page = client.get(f"/cases/{number}").text
        assert 'id="form-pause"' in page
        refused = client.post(f"/cases/{number}/act/pause", data={"reason": "  "})
        assert refused.status_code == 422 and 'id="err-pause"' in refused.text
        sign_in(client, world.organiser_b)  # another organisation's case: not found
        assert client.post(f"/cases/{number}/act/pause", data={"reason": "需要截图"}).status_code == 404
        sign_in(client, world.organiser_a)
        done = client.post(f"/cases/{number}/act/pause", data={"reason": "请提供出错位置的截图。"})
        assert done.status_code == 302
        page = client.get(f"/cases/{number}").text
    assert "挂起中，计时暂停" in page and 'id="form-resume"' in page and 'id="form-answer"' not in page
    case = _case(session, number)
    mail = session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "case_paused")).one()
    assert mail.payload["reason"] == "请提供出错位置的截图。"

    # the citizen opens the case with the code, sees the reason and replies
    tracked = client.post("/track", data={"number": number, "code": code}, follow_redirects=True).text
    assert 'id="pause-notice"' in tracked and "请提供出错位置的截图。" in tracked
    assert "2024-05-07 24:00" in tracked  # resumes on its own after 5 working days: 4/28, 4/29, 4/30, 5/6, 5/7
    empty = client.post("/track/reply", data={"number": number, "reply": " "})
    assert empty.status_code == 422 and 'id="reply-error"' in empty.text
    with frozen_clock(datetime(2024, 4, 29, 9, tzinfo=BJ)):
        replied = client.post("/track/reply", data={"number": number, "reply": "截图见附件说明：首页左上角。"})
    assert replied.status_code == 303 and "/track?number=" in replied.headers["Location"]
    assert replied.headers["Location"].find(code) == -1
    tracked = client.get(replied.headers["Location"]).text
    assert 'id="reply-done"' in tracked and 'id="pause-notice"' not in tracked
    assert "挂起结束，恢复计时，答复期限：2024-05-06 24:00" in tracked  # moved by 2 working days: 4/30, 5/6
    case = _case(session, number)
    assert case.paused_at is None and case.due_at == datetime(2024, 5, 7, 0, tzinfo=BJ)
    # the organiser reads the reply; the case can be answered again, but not paused twice
    sign_in(client, world.organiser_a)
    with frozen_clock(datetime(2024, 4, 29, 10, tzinfo=BJ)):
        page = client.get(f"/cases/{number}").text
        assert "截图见附件说明：首页左上角。" in page and "网民已补充" in page and "2024-05-06 24:00" in page
        assert 'id="form-answer"' in page and 'id="form-pause"' not in page
        again = client.post(f"/cases/{number}/act/pause", data={"reason": "再补充一次"})
    assert again.status_code == 409


def test_a_reply_without_a_running_pause_or_a_code_is_refused(client, world, factory, session):
    number, code = _fresh_case(factory, session, world, datetime(2024, 4, 25, 10, tzinfo=BJ))
    assert client.post("/track/reply", data={"number": number, "reply": "你好"}).status_code == 404
    assert client.post("/track/reply", data={"number": number, "code": "WRONGWRONGWRONG1",
                                             "reply": "你好"}).status_code == 404
    refused = client.post("/track/reply", data={"number": number, "code": code, "reply": "你好"})
    assert refused.status_code == 409 and "该留言当前不需要补充信息。" in refused.text


def test_the_api_offers_pause_resume_and_lists_the_pauses(client, world, factory, session):
    number, _code = _fresh_case(factory, session, world, datetime(2024, 4, 25, 10, tzinfo=BJ))
    headers = {"Authorization": f"Bearer {create_token(session, world.organiser_a, name='test')}"}
    session.commit()
    with frozen_clock(datetime(2024, 4, 26, 10, tzinfo=BJ)):
        detail = client.get(f"/api/v1/cases/{number}", headers=headers).get_json()
        assert "pause" in detail["allowed_actions"] and detail["pauses"] == []
        bad = client.post(f"/api/v1/cases/{number}/actions/pause", json={}, headers=headers)
        assert bad.status_code == 422
        paused = client.post(f"/api/v1/cases/{number}/actions/pause", json={"reason": "请提供截图。"},
                             headers=headers)
    assert paused.status_code == 200, paused.get_json()
    body = paused.get_json()
    assert body["allowed_actions"] == ["add_note", "resume"]
    assert body["pauses"][0]["reason"] == "请提供截图。" and body["pauses"][0]["ended_at"] is None
    with frozen_clock(datetime(2024, 4, 29, 9, tzinfo=BJ)):
        resumed = client.post(f"/api/v1/cases/{number}/actions/resume", json={}, headers=headers).get_json()
    assert resumed["pauses"][0]["workdays"] == 2 and resumed["pauses"][0]["end_reason"] == "organiser"
    assert resumed["due_at"].startswith("2024-05-07T00:00:00")
    pause = session.exec(select(CasePause)).one()
    assert pause.due_after == datetime(2024, 5, 7, 0, tzinfo=BJ)


def test_where_pauses_need_approval_the_supervisor_decides_on_the_case_page(app, client, world, factory, session):
    app.config["PAUSE_NEEDS_APPROVAL"] = True
    number, _code = _fresh_case(factory, session, world, datetime(2024, 4, 25, 10, tzinfo=BJ))
    sign_in(client, world.organiser_a)
    with frozen_clock(datetime(2024, 4, 26, 10, tzinfo=BJ)):
        assert client.post(f"/cases/{number}/act/pause", data={"reason": "请提供截图。"}).status_code == 302
    with frozen_clock(datetime(2024, 4, 29, 9, tzinfo=BJ)):
        assert client.post(f"/cases/{number}/act/resume", data={}).status_code == 302
    case = _case(session, number)
    assert case.due_at == datetime(2024, 4, 30, 0, tzinfo=BJ)  # not approved yet: nothing moved
    assert session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "pause_requested")).one()
    sign_in(client, world.supervisor)
    with frozen_clock(datetime(2024, 4, 29, 10, tzinfo=BJ)):
        page = client.get(f"/cases/{number}").text
        assert 'id="form-decide_pause"' in page and "挂起2个工作日" in page
        pause = session.exec(select(CasePause)).one()
        denied = client.post(f"/cases/{number}/act/decide_pause", data={"pause_id": pause.id, "decision": "deny"})
        assert denied.status_code == 422 and 'id="err-decide_pause"' in denied.text  # a denial says why
        approved = client.post(f"/cases/{number}/act/decide_pause",
                               data={"pause_id": pause.id, "decision": "approve"})
    assert approved.status_code == 302
    assert _case(session, number).due_at == datetime(2024, 5, 7, 0, tzinfo=BJ)


def test_the_api_report_gives_the_rates_in_the_sentence_when_asked(client, world, session):
    organiser, supervisor = Actor.of(world.organiser_a, session), Actor.of(world.supervisor, session)
    ops.accept(session, world.case_a, organiser)
    ops.answer(session, world.case_a, organiser, text="已更正该页面的失效链接，现可正常访问。")
    ops.approve(session, world.case_a, supervisor)
    ops.record_feedback(session, world.case_a, satisfied=True)
    headers = {"Authorization": f"Bearer {create_token(session, world.supervisor, name='test')}"}
    session.commit()
    later = (datetime.now(BJ) + timedelta(minutes=1)).isoformat(timespec="seconds")
    query = {"date_from": "2024-01-01", "date_to": "2030-12-31", "as_of": later}
    plain = client.get("/api/v1/reports/sla", query_string=query, headers=headers).get_json()
    asked = client.get("/api/v1/reports/sla", query_string={**query, "with_satisfaction": "true"},
                       headers=headers).get_json()
    assert {"paused", "rated", "rating_rate", "satisfied", "satisfaction_rate", "redone"} <= set(plain)
    assert (plain["closed"], plain["rated"], plain["satisfied"], plain["rating_rate"]) == (1, 1, 1, 1)
    assert "参评率" not in plain["sentence"]
    assert asked["sentence"] == plain["sentence"][:-1] + "；网民参评1条，参评率100%，满意率100%。"
    bad = client.get("/api/v1/reports/sla", query_string={**query, "with_satisfaction": "maybe"}, headers=headers)
    assert bad.status_code == 422
