"""The organiser's desk in a real Chromium, at 1280 and 390 px (check_page on every state): the
header, the countdown, the counted 被驳回 tab, grouped actions, a canned answer inserted with and
without JavaScript, a sent-back answer, returning a case with its confirmation, the 我退回的 list,
the closed queue marked on time, and the history."""
from __future__ import annotations

import re

import pytest

from tests.browser import PASSWORD, check_page, log_in
from tests.conftest import serving
from tests.factories import Factory
from tracker.cases import operations as ops
from tracker.cases.models import CannedAnswer
from tracker.cases.scope import Actor
from tracker.extensions import db
from tracker.organisations.models import Organisation

pytestmark = pytest.mark.browser
CANNED = "您好！您反映的办事指南已更新为最新版本，感谢您的监督。"


@pytest.fixture()
def desk(committed_app):
    """A served app (CSRF on) and an organiser's desk: a new case, a sent-back answer (chased
    twice), a case to return, and one closed on time."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    supervisor_org = factory.org("440000", kind="supervisor", name="广东省政务服务数据管理局")
    org = factory.org("440100BR", parent=supervisor_org, name="广州市浏览器测试局")
    site = factory.site("4401009999", host="www.br.gz.gov.cn", organiser=org, supervisor=supervisor_org)
    organiser = Actor.of(factory.user("organiser", org=session.get(Organisation, org.id), email="org@br.gov.cn"),
                         session)
    supervisor = Actor.of(factory.user("supervisor", org=supervisor_org, email="sup@br.gov.cn"), session)
    session.add(CannedAnswer(category_code=2, title="指南已更新", body=CANNED))
    fresh = factory.case(site=site, description="办事指南仍是旧版本 MARK-NEW")
    sent_back = factory.case(site=site, description="咨询电话已停用 MARK-BACK")
    ops.accept(session, sent_back, organiser)
    ops.answer(session, sent_back, organiser, text="已处理。", outcome="fixed")
    ops.reject(session, sent_back, supervisor, reason="答复过于简单，请写明更正后的电话号码。")
    ops.chase(session, sent_back, supervisor, message="请今日内重新答复")
    ops.chase(session, sent_back, supervisor, message="再次督办")
    foreign = factory.case(site=site, description="这是另一个单位的网站 MARK-RETURN")
    closed = factory.case(site=site, description="错别字 MARK-CLOSED")
    ops.answer(session, closed, organiser, text="已更正错别字。", outcome="fixed")
    ops.approve(session, closed, supervisor)
    session.commit()
    numbers = {"fresh": fresh.tracking_number, "sent_back": sent_back.tracking_number,
               "foreign": foreign.tracking_number, "closed": closed.tracking_number}
    with serving(committed_app) as url:
        yield url, numbers


def _row(page, number: str) -> str:
    return page.inner_text(f"tr:has(a:text-is('{number}'))")


def test_the_organisers_desk(desk, chromium):
    base, numbers = desk
    tab = log_in(chromium, base, "org@br.gov.cn")
    assert tab.url.endswith("/inbox")
    header = tab.inner_text("header")
    assert "org@br.gov.cn" in header and "广州市浏览器测试局" in header
    assert "剩3个工作日" in _row(tab, numbers["fresh"])  # received today: today does not count
    assert re.search(r"被驳回\s*1", tab.inner_text(".queue-tabs"))
    check_page(tab, "organiser-inbox")

    # a new case: the main path first, return and not-taken-up folded away
    tab.click(f"text={numbers['fresh']}")
    tab.wait_for_selector("#form-accept")
    assert tab.is_visible("#action-accept button.secondary") is False
    assert not tab.is_visible("#form-return")
    check_page(tab, "organiser-case-new")
    with tab.expect_navigation():
        tab.click("#form-accept button[type=submit]")
    assert "已完成：签收" in tab.inner_text(".flash")
    assert tab.eval_on_selector_all("#form-answer input[name=outcome]:checked", "els => els.length") == 0
    tab.select_option("#canned", label="指南已更新")
    tab.click("#form-answer button[name=insert]")  # JavaScript inserts it in place
    assert tab.input_value("#answer-text") == CANNED
    check_page(tab, "organiser-case-answering")
    tab.check("#form-answer input[value=fixed]")
    with tab.expect_navigation():
        tab.click("#form-answer button[type=submit]:not([name])")
    assert "待审核" in tab.inner_text("h1")

    # the sent-back answer: the reason on top, the previous answer in the box; the history in full
    tab.goto(f"{base}/cases/{numbers['sent_back']}")
    assert "答复过于简单，请写明更正后的电话号码。" in tab.inner_text("#sent-back")
    assert tab.input_value("#answer-text") == "已处理。"
    history = tab.inner_text(".history")
    assert "（第1次）" in history and "（第2次）" in history and "由sup@br.gov.cn" in history
    assert "状态：" in history and not re.search(r"(^|·)\s*→|→\s*($|·)", history, re.M)
    check_page(tab, "organiser-case-sent-back")

    # returning: confirmed, then back in the inbox with where the case went
    tab.goto(f"{base}/cases/{numbers['foreign']}")
    tab.click("details.ends summary")
    tab.fill("#return-reason", "该网站由市住建局主办，不是本单位网站")
    check_page(tab, "organiser-case-return")
    tab.click("#form-return button[type=submit]")  # not confirmed: the browser holds the form back
    assert tab.url.endswith(f"/cases/{numbers['foreign']}")
    tab.check("#form-return input[name=confirm]")
    with tab.expect_navigation():
        tab.click("#form-return button[type=submit]")
    assert tab.url.endswith("/inbox")
    assert f"留言{numbers['foreign']}已退回，现由广东省政务服务数据管理局分办" in tab.inner_text(".flash")
    check_page(tab, "organiser-inbox-returned-flash")
    with tab.expect_navigation():
        tab.click("a:text-is('我退回的')")
    row = tab.inner_text(f"tr:has(td:text-is('{numbers['foreign']}'))")
    assert "该网站由市住建局主办" in row and "广东省政务服务数据管理局" in row and "待分办" in row
    assert "MARK-RETURN" not in tab.inner_text("main")
    check_page(tab, "organiser-returned-list")

    # the organisation's own canned answers
    tab.goto(f"{base}/inbox/canned")
    tab.fill("#canned-title", "本局落款")
    tab.fill("#canned-body", "广州市浏览器测试局网站管理办公室")
    with tab.expect_navigation():
        tab.click("form[action='/inbox/canned'] button[type=submit]")
    assert "已添加常用答复：本局落款" in tab.inner_text(".flash")
    assert "指南已更新" in tab.inner_text(".canned-list") and "本局落款" in tab.inner_text(".canned-list")
    check_page(tab, "organiser-canned-answers")

    # the closed queue: on time or late
    tab.goto(f"{base}/inbox?state=closed")
    assert "按期办结" in _row(tab, numbers["closed"])
    check_page(tab, "organiser-closed-queue")


def test_canned_answer_inserts_without_javascript(desk, chromium):
    base, numbers = desk
    tab = chromium.new_context(java_script_enabled=False, locale="zh-CN",
                               viewport={"width": 390, "height": 900}).new_page()
    tab.goto(base + "/login")
    tab.fill("#email", "org@br.gov.cn")
    tab.fill("#password", PASSWORD)
    with tab.expect_navigation():
        tab.press("#password", "Enter")
    tab.goto(f"{base}/cases/{numbers['fresh']}")
    tab.fill("#answer-text", "您好！")
    tab.select_option("#canned", label="指南已更新")
    with tab.expect_navigation():
        tab.click("#form-answer button[name=insert]")
    assert tab.input_value("#answer-text") == "您好！\n" + CANNED
    assert numbers["fresh"] in tab.inner_text("h1")
    tab.context.close()
    # the same server-filled state, checked (axe needs JavaScript): the form submitted past the script
    checked = log_in(chromium, base, "org@br.gov.cn")
    checked.goto(f"{base}/cases/{numbers['fresh']}")
    checked.fill("#answer-text", "您好！")
    checked.select_option("#canned", label="指南已更新")
    with checked.expect_navigation():
        checked.eval_on_selector("#form-answer button[name=insert]", "b => b.form.requestSubmit(b)")
    assert checked.input_value("#answer-text") == "您好！\n" + CANNED
    check_page(checked, "organiser-canned-inserted-by-server")
