"""Tracking a report with its number and query code, and rating the answer."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.public.helpers import close_case
from tracker.cases import numbers
from tracker.cases import operations as ops
from tracker.db import frozen_clock, utcnow
from tracker.organisations.models import Organisation
from tracker.outbox.models import Outbox


def submitted(factory, **overrides):
    site = factory.site(name="示例区政府网站")
    submission = factory.submission(site=site, contact_name="赵六", contact_phone="13700001111", **overrides)
    return site, submission.case, submission.query_code


def test_the_right_code_shows_the_public_timeline_and_due_date(client, factory):
    site, case, code = submitted(factory)
    organiser = factory.session.get(Organisation, site.organiser_id)
    response = client.get("/track", query_string={"number": case.tracking_number, "code": code.lower()},
                          follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已收到留言" in html and f"已转交“{organiser.name}”办理" in html
    assert "待签收" in html and case.due_at.strftime("%Y-%m-%d") in html.replace("24:00", "")
    assert "13700001111" not in html and 'id="answer"' not in html  # no answer before closing


def test_a_wrong_code_shows_nothing_of_the_case_like_an_unknown_number(client, factory):
    _site, case, _code = submitted(factory, description="独一无二的描述文字")
    wrong = client.get("/track", query_string={"number": case.tracking_number, "code": "AAAABBBBCCCCDDDD"},
                       follow_redirects=True)
    unknown = client.get("/track", query_string={"number": "ZC20000101-9999", "code": "AAAABBBBCCCCDDDD"},
                         follow_redirects=True)
    assert wrong.status_code == unknown.status_code == 404
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "没有找到该留言" in html and "独一无二" not in html and "timeline" not in html
    def strip(response):
        return response.get_data(as_text=True).replace(case.tracking_number, "N").replace("ZC20000101-9999", "N")

    assert strip(wrong) == strip(unknown)


def test_internal_steps_stay_private_and_the_answer_shows_once_closed(client, factory, session):
    site = factory.site()
    submission = factory.submission(site=site)
    case, code = submission.case, submission.query_code
    organiser = factory.actor("organiser", org=session.get(Organisation, site.organiser_id))
    supervisor = factory.actor("supervisor", org=session.get(Organisation, site.supervisor_id))
    ops.accept(session, case, organiser)
    ops.add_note(session, case, organiser, text="内部备注：请勿公开")
    ops.answer(session, case, organiser, text="您好，页面已更正。")
    query = {"number": case.tracking_number, "code": code}
    html = client.get("/track", query_string=query, follow_redirects=True).get_data(as_text=True)
    assert "内部备注" not in html and "页面已更正" not in html  # in review: the answer is not yet approved
    ops.reject(session, case, supervisor, reason="请补充整改时间")
    ops.answer(session, case, organiser, text="您好，页面已于今日更正。")
    ops.approve(session, case, supervisor)
    html = client.get("/track", query_string=query, follow_redirects=True).get_data(as_text=True)
    assert "请补充整改时间" not in html and supervisor.label not in html
    assert "页面已于今日更正" in html and "已答复，办结" in html and "属实已整改" in html
    assert 'id="rate-form"' in html


def test_rating_once_satisfied(client, factory, session):
    case = close_case(factory, session, description="错别字", answer="已修改。")
    code = _code_for(session, case)
    response = client.post("/track/rate", data={"number": case.tracking_number, "code": code, "rating": "satisfied"})
    assert response.status_code == 303
    html = client.get("/track", query_string={"number": case.tracking_number, "code": code},
                      follow_redirects=True).get_data(as_text=True)
    assert 'id="feedback-done"' in html and "满意" in html and 'id="rate-form"' not in html
    again = client.post("/track/rate", data={"number": case.tracking_number, "code": code, "rating": "unsatisfied",
                                              "comment": "再评一次"})
    assert again.status_code == 409 and case.feedback == "satisfied"


def test_unsatisfied_needs_a_reason_and_goes_to_the_supervisor(client, factory, session):
    case = close_case(factory, session, description="链接打不开", answer="已修复。")
    code = _code_for(session, case)
    bare = client.post("/track/rate", data={"number": case.tracking_number, "code": code, "rating": "unsatisfied"})
    assert bare.status_code == 422 and "不满意时请说明原因" in bare.get_data(as_text=True)
    assert case.feedback is None
    done = client.post("/track/rate", data={"number": case.tracking_number, "code": code, "rating": "unsatisfied",
                                             "comment": "链接仍然打不开"})
    assert done.status_code == 303 and case.feedback == "unsatisfied"
    topics = session.exec(select(Outbox.topic).where(Outbox.case_id == case.id)).all()
    assert "feedback_unsatisfied" in topics


def test_rating_with_a_wrong_code_or_after_15_days_is_refused(client, factory, session):
    case = close_case(factory, session, description="信息过期", answer="已更新。")
    code = _code_for(session, case)
    wrong = client.post("/track/rate", data={"number": case.tracking_number, "code": "X" * 16, "rating": "satisfied"})
    assert wrong.status_code == 404 and case.feedback is None
    with frozen_clock(case.closed_at + timedelta(days=15, minutes=1)):
        html = client.get("/track", query_string={"number": case.tracking_number, "code": code},
                          follow_redirects=True).get_data(as_text=True)
        assert "评价期限已过" in html and 'id="rate-form"' not in html
        late = client.post("/track/rate", data={"number": case.tracking_number, "code": code, "rating": "satisfied"})
    assert late.status_code == 409 and case.feedback is None
    assert utcnow() < case.closed_at + timedelta(days=15)


_codes: dict = {}


def _code_for(session, case) -> str:
    """Give a closed test case a known query code (the real one was shown once, at submission)."""
    code = "TESTCODE2345ABCD"
    case.query_code_hash = numbers.hash_query_code(code)
    session.flush()
    return code
