"""The whole loop in a real Chromium: a citizen reports on /report, the organiser logs in, accepts
and answers, the supervisor approves, and the citizen reads the answer on /track. Staff pages are
also checked at a phone's width (360 px) and driven by the keyboard."""
from __future__ import annotations

import pytest

from tests.browser import check_page, log_in, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tracker.extensions import db
from tracker.organisations.models import Organisation

pytestmark = pytest.mark.browser
ANSWER = "您反映的办事指南已更新为2024年版本，感谢您的监督。"


@pytest.fixture()
def served(committed_app):
    """A real server in a thread (CSRF on, captcha off) with one site, its organiser and supervisor."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    site = factory.site(host="www.loop.gd.gov.cn", name="闭环测试市人民政府网站")
    factory.user("organiser", org=session.get(Organisation, site.organiser_id), email="org@loop.gov.cn")
    factory.user("supervisor", org=session.get(Organisation, site.supervisor_id), email="sup@loop.gov.cn")
    session.commit()
    with serving(committed_app) as url:
        yield url


@pytest.fixture()
def browser(chromium):
    return chromium


def test_report_accept_answer_approve_track(served, browser):
    citizen = new_tab(browser)
    citizen.goto(served + "/report")
    citizen.fill("#page_url", "https://www.loop.gd.gov.cn/bszn/index.html")
    citizen.select_option("#category", "2")
    citizen.fill("#description", "办事指南仍是2019年版本，材料清单已过期。")
    citizen.fill("#contact_email", "citizen@example.cn")
    citizen.check("#consent")
    citizen.click("#report-form button[type=submit]")
    citizen.wait_for_selector("#tracking-number")
    number = citizen.inner_text("#tracking-number").strip()
    code = citizen.inner_text("#query-code").strip()
    assert number.startswith("ZC")

    organiser = log_in(browser, served, "org@loop.gov.cn")
    assert organiser.url.endswith("/inbox")
    assert number in organiser.inner_text("main")
    check_page(organiser, "loop-organiser-1")
    organiser.click(f"text={number}")
    organiser.wait_for_selector("#form-accept")
    check_page(organiser, "loop-organiser-2")
    organiser.click("#form-accept button[type=submit]")
    organiser.wait_for_selector("#form-answer")
    organiser.fill("#answer-text", ANSWER)
    organiser.check("#form-answer input[value=fixed]")  # no outcome is pre-selected
    organiser.click("#form-answer button[type=submit]")
    organiser.wait_for_selector(".state-in_review")

    supervisor = log_in(browser, served, "sup@loop.gov.cn")
    assert supervisor.url.endswith("/supervise")
    assert ANSWER in supervisor.inner_text("main")
    check_page(supervisor, "loop-supervisor-3")
    with supervisor.expect_navigation():
        supervisor.click(f'form[action="/cases/{number}/act/approve"] button')
    assert supervisor.url.endswith("/supervise")
    assert "已完成" in supervisor.inner_text("main")

    citizen.goto(f"{served}/track?number={number}&code={code}")
    assert ANSWER in citizen.inner_text("#answer")
