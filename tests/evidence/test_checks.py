"""Page checks through the workflow: asked for on intake and on a "fixed" answer, run by the outbox
job, recorded with an event, compared for the reviewer, listed by the API, asked for again by staff.

Checks are on only here, with the local server let through (``PROBE_ALLOW`` = 127.0.0.1/32 and
its port); the rest of the suite runs with ``PROBE`` off.
"""
from __future__ import annotations

import ipaddress
import os
from datetime import timedelta

import pytest
from flask_babel import refresh
from sqlmodel import select

from tests.staff.conftest import sign_in
from tracker.cases import operations as ops
from tracker.cases.models import CaseEvent
from tracker.cases.scope import Actor
from tracker.db import utcnow
from tracker.evidence.models import PageCheck
from tracker.evidence.operations import run_check
from tracker.jobs import context as job_context
from tracker.jobs.actors import deliver_outbox
from tracker.outbox.models import Outbox
from tracker.users.models import User
from tracker.users.operations import create_token

UNREACHABLE, NOT_UPDATED, CONTENT_WRONG = 0, 1, 2


@pytest.fixture()
def probing(app, site_server):
    base, port = site_server
    app.config.update(PROBE=True, PROBE_ALLOW=(ipaddress.ip_network("127.0.0.1/32"),), PROBE_PORTS=(port,),
                      PROBE_HOST_INTERVAL_SECONDS=0)
    return base


@pytest.fixture()
def people(session, factory):
    province = factory.province()
    organiser = factory.org(parent=province, name="广州市政务服务数据管理局")
    other = factory.org(parent=province, name="深圳市政务服务数据管理局")
    site = factory.site(organiser=organiser, supervisor=province, host="www.gz.gov.cn")

    def user(role, org):
        row = User(email=f"{role}-{org.code}@example.gov.cn", password_hash="!", role=role, organisation_id=org.id)
        session.add(row)
        session.flush()
        return row

    return {"site": site, "organiser": user("organiser", organiser), "other": user("organiser", other),
            "supervisor": user("supervisor", province)}


def _pending(session, case):
    return session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "page_check",
                                             Outbox.sent_at.is_(None)).order_by(Outbox.id)).all()


def _run_pending(session, case) -> list[str]:
    ids = [row.id for row in _pending(session, case)]
    session.commit()
    return [run_check(i) for i in ids]


def _checks(session, case):
    session.expire_all()
    return session.exec(select(PageCheck).where(PageCheck.case_id == case.id).order_by(PageCheck.id)).all()


def _events(session, case):
    return session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "page_check")
                        .order_by(CaseEvent.id)).all()


def _answer(session, case, people, outcome="fixed", text="经核查，已于今日更新该栏目的办事指南，感谢监督。"):
    actor = Actor.of(people["organiser"], session)
    ops.accept(session, case, actor)
    ops.answer(session, case, actor, text=text, outcome=outcome)
    session.commit()


def test_a_received_case_has_its_page_checked(probing, session, factory, people):
    case = factory.case(site=people["site"], page_url=f"{probing}/missing", category=UNREACHABLE)
    rows = _pending(session, case)
    assert [r.payload for r in rows] == [{"reason": "intake"}]
    assert _run_pending(session, case) == ["checked"]
    [check] = _checks(session, case)
    assert (check.reason, check.status, check.error, check.host) == ("intake", 404, None, "127.0.0.1")
    assert check.final_url == f"{probing}/missing" and check.title == "404"
    [event] = _events(session, case)
    assert event.note == "收到时：404 Not Found" and event.actor_label == "系统"
    assert event.data["status"] == 404 and event.data["warnings"] == []
    assert _pending(session, case) == []  # the outbox row is confirmed
    assert run_check(rows[0].id) == "busy"  # a second delivery checks nothing
    assert len(_checks(session, case)) == 1


def test_a_page_that_changed_between_intake_and_answer_raises_no_warning(probing, pages, session, factory, people,
                                                                        client, app):
    case = factory.case(site=people["site"], page_url=f"{probing}/changing", category=NOT_UPDATED)
    _run_pending(session, case)
    pages.changing = "<html><head><title>通知公告</title></head><body><p>2024年办事指南</p></body></html>"
    _answer(session, case, people)
    assert [r.payload["reason"] for r in _pending(session, case)] == ["answer"]
    _run_pending(session, case)
    before, after = _checks(session, case)
    assert (before.reason, after.reason) == ("intake", "answer")
    assert before.text_hash != after.text_hash and before.title == after.title == "通知公告"
    assert _events(session, case)[-1].data["warnings"] == []
    sign_in(client, people["supervisor"])
    page = client.get(f"/cases/{case.tracking_number}").get_data(as_text=True)
    assert "收到时" in page and "答复时" in page and "200，标题「通知公告」" in page
    assert "<del>19</del>" in page and "<ins>24</ins>" in page  # the short diff: 2019 -> 2024
    assert "probe-warnings" not in page


def test_an_unchanged_page_warns_the_reviewer(probing, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/changing", category=NOT_UPDATED)
    _run_pending(session, case)
    _answer(session, case, people)
    _run_pending(session, case)
    before, after = _checks(session, case)
    assert before.text_hash == after.text_hash
    event = _events(session, case)[-1]
    assert event.data["warnings"] == ["unchanged"]
    assert event.note == "答复时：200，标题「通知公告」\n答复称已整改，但页面文字与收到时完全相同。"
    sign_in(client, people["supervisor"])
    queue = client.get("/supervise").get_data(as_text=True)
    assert case.tracking_number in queue
    assert ("收到时：<span class=\"check-before\">200，标题「通知公告」</span> · 答复时：<span class=\"check-after\">"
            "200，标题「通知公告」</span>") in queue
    assert "答复称已整改，但页面文字与收到时完全相同。" in queue
    history = client.get(f"/cases/{case.tracking_number}").get_data(as_text=True)
    assert "答复称已整改，但页面文字与收到时完全相同。" in history
    refresh()  # the test's app context outlives the requests: forget the language it cached
    english = client.get("/supervise?lang=en").get_data(as_text=True)
    assert "On receipt" in english and "its text is exactly the same as when the report was received" in english


def test_a_page_that_still_fails_after_a_fixed_answer_warns(probing, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/missing", category=UNREACHABLE)
    _run_pending(session, case)
    _answer(session, case, people)
    _run_pending(session, case)
    assert _events(session, case)[-1].data["warnings"] == ["still_fails"]
    sign_in(client, people["supervisor"])
    queue = client.get("/supervise").get_data(as_text=True)
    assert "收到时：<span class=\"check-before\">404 Not Found</span>" in queue
    assert "答复时：<span class=\"check-after\">404 Not Found</span>" in queue
    assert "答复称已整改，但答复时页面仍无法访问。" in queue


def test_an_explained_answer_is_not_checked_again(probing, session, factory, people):
    case = factory.case(site=people["site"], page_url=f"{probing}/ok", category=CONTENT_WRONG)
    _run_pending(session, case)
    _answer(session, case, people, outcome="explained", text="经核实，该页面内容准确无误，系网民理解有误。")
    assert _pending(session, case) == []


def test_with_checks_off_nothing_is_asked_for(app, session, factory, people):
    assert app.config["PROBE"] is False  # the suite's setting
    case = factory.case(site=people["site"], page_url="https://www.gz.gov.cn/a.html")
    _answer(session, case, people)
    assert session.exec(select(Outbox).where(Outbox.topic == "page_check")).all() == []


def test_a_check_of_a_private_address_is_recorded_as_refused(probing, session, factory, people):
    case = factory.case(site=people["site"], page_url="http://10.0.0.1/admin", category=UNREACHABLE)
    _run_pending(session, case)
    [check] = _checks(session, case)
    assert (check.error, check.status) == ("refused", None)
    assert _events(session, case)[0].note == "收到时：地址不在允许检查的范围内"


def test_the_host_is_checked_at_most_once_per_interval(probing, app, session, factory, people):
    app.config["PROBE_HOST_INTERVAL_SECONDS"] = 60
    first = factory.case(site=people["site"], page_url=f"{probing}/ok")
    second = factory.case(site=people["site"], page_url=f"{probing}/missing")
    assert _run_pending(session, first) == ["checked"]
    [row] = _pending(session, second)
    assert _run_pending(session, second) == ["later"]
    session.expire_all()
    row = session.get(Outbox, row.id)
    assert row.sent_at is None and row.claimed_at is None
    assert row.next_attempt_at >= _checks(session, first)[0].checked_at + timedelta(seconds=59)
    assert _checks(session, second) == []


def test_the_outbox_actor_runs_a_page_check(probing, app, session, factory, people, monkeypatch):
    monkeypatch.setattr(job_context, "_app", app)
    monkeypatch.setattr(job_context, "_pid", os.getpid())
    case = factory.case(site=people["site"], page_url=f"{probing}/gbk")
    [row] = _pending(session, case)
    session.commit()
    deliver_outbox.fn(row.id)
    [check] = _checks(session, case)
    assert check.title == "广州市人民政府门户网站"


def test_staff_ask_for_a_check_again_once_a_minute(probing, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/ok")
    _run_pending(session, case)
    session.execute(Outbox.__table__.update().where(Outbox.case_id == case.id)
                    .values(created_at=utcnow() - timedelta(minutes=2)))
    session.commit()
    sign_in(client, people["organiser"])
    page = client.get(f"/cases/{case.tracking_number}").get_data(as_text=True)
    assert 'id="form-recheck"' in page and "重新检查" in page
    response = client.post(f"/cases/{case.tracking_number}/page-checks")
    assert response.status_code == 303 and response.location.endswith(f"/cases/{case.tracking_number}#page-checks")
    assert [r.payload for r in _pending(session, case)] == [{"reason": "manual",
                                                              "requested_by": people["organiser"].id}]
    again = client.post(f"/cases/{case.tracking_number}/page-checks")
    assert again.status_code == 429
    assert "该页面刚检查过，请60秒后再试。" in again.get_data(as_text=True)
    assert len(_pending(session, case)) == 1
    _run_pending(session, case)
    assert [c.reason for c in _checks(session, case)] == ["intake", "manual"]
    assert _checks(session, case)[-1].requested_by_id == people["organiser"].id


def test_another_organisation_cannot_ask_for_a_check(probing, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/ok")
    session.commit()
    sign_in(client, people["other"])
    assert client.post(f"/cases/{case.tracking_number}/page-checks").status_code == 404
    assert client.get(f"/cases/{case.tracking_number}").status_code == 404
    assert len(_pending(session, case)) == 1  # only the intake's


def test_a_citizen_cannot_ask_for_a_check(probing, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/ok")
    session.commit()
    response = client.post(f"/cases/{case.tracking_number}/page-checks")
    assert response.status_code in (302, 401) and len(_pending(session, case)) == 1


def test_the_staff_api_lists_the_checks(probing, pages, session, factory, people, client):
    case = factory.case(site=people["site"], page_url=f"{probing}/hop/2", category=UNREACHABLE)
    _run_pending(session, case)
    token = create_token(session, people["supervisor"], name="test")
    session.commit()
    body = client.get(f"/api/v1/cases/{case.tracking_number}", headers={"Authorization": f"Bearer {token}"}).get_json()
    [check] = body["page_checks"]
    assert check["status"] == 200 and check["error"] is None and check["title"] == "测试页面"
    assert check["final_url"] == f"{probing}/ok" and check["redirects"] == 3 and check["reason"] == "intake"
    assert check["checked_at"].endswith("+08:00")
    assert set(check) >= {"checked_at", "status", "error", "final_url", "title"}


def test_a_check_asked_for_before_checks_were_turned_off_fetches_nothing(probing, app, pages, session, factory,
                                                                         people):
    case = factory.case(site=people["site"], page_url=f"{probing}/ok")
    app.config["PROBE"] = False
    assert _run_pending(session, case) == ["skipped"]
    assert _checks(session, case) == [] and pages.user_agents == [] and _pending(session, case) == []


def test_a_redirect_to_an_unreadable_address_is_an_error_not_a_crash(probing, session, factory, people):
    """The page answers 302 with a Location that is not a URL: the check records it and ends."""
    case = factory.case(site=people["site"], page_url=f"{probing}/bad-location")
    _run_pending(session, case)
    [check] = _checks(session, case)
    assert check.error == "protocol_error" and check.status is None


def test_the_answer_lint_reads_the_real_checks(probing, session, factory, people, client):
    """A page still answering 404 when the organiser writes "fixed": the organiser's 检查答复 says
    the answer contradicts the page check; a page that answers is quiet."""
    from tracker.cases import lint

    broken = factory.case(site=people["site"], page_url=f"{probing}/missing", category=UNREACHABLE)
    working = factory.case(site=people["site"], page_url=f"{probing}/ok", category=UNREACHABLE)
    _run_pending(session, broken)
    _run_pending(session, working)
    text = "经核查，已恢复该页面的访问，链接已修正，感谢监督。"
    found = lint.lint_answer(session, broken, text=text, outcome="fixed")
    assert [f.code for f in found] == ["contradicts_probe"]
    assert "404" in str(found[0].message)
    assert lint.lint_answer(session, working, text=text, outcome="fixed") == []
