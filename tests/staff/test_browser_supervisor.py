"""The supervisor's round in a real Chromium, at 1280 and 390 px: the queues (the return reason in
triage, the complaint beside the answer, the extension's resulting due date, the overdue list with
its chasing), chasing two cases at once, denying an extension with a reason the organiser then
reads, routing a returned case with nothing chosen in advance, and the report picked by quarter
with its ranked chart, its table in its own scrolling box, and a drill-down to the case."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser import check_page, log_in
from tests.conftest import serving
from tests.factories import Factory
from tracker.cases import operations as ops
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.extensions import db

pytestmark = pytest.mark.browser
BJ = ZoneInfo("Asia/Shanghai")


def bj(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=BJ)


@pytest.fixture()
def served(committed_app):
    """广东 with 广州 and 深圳: a returned case, an extension request, an answer in review, and a
    second quarter of 2024 in which 广州 answered late and 深圳 on time."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    committed_app.config["DEFAULT_SUPERVISOR"] = "440000"
    session = db.session
    f = Factory(session)
    province, gz, sz, gz_site, sz_site = f.guangdong()
    f.user("supervisor", org=province, email="sup@gd.gov.cn")
    gz_user = f.user("organiser", org=gz, email="gz@gd.gov.cn")
    sz_user = f.user("organiser", org=sz, email="sz@gd.gov.cn")
    session.flush()
    gz_staff, sz_staff = Actor.of(gz_user, session), Actor.of(sz_user, session)
    cases = {}
    with frozen_clock(bj(4, 8, 9)):  # 广州 late (due 04-11 24:00, answered 04-15), 深圳 on time
        cases["late"] = f.case(site=gz_site, received_at=bj(4, 8, 9), description="广州首页链接失效")
        cases["on_time"] = f.case(site=sz_site, received_at=bj(4, 8, 9), description="深圳页面错别字")
    with frozen_clock(bj(4, 9, 10)):
        ops.answer(session, cases["on_time"], sz_staff, text="已更正错别字。")
    with frozen_clock(bj(4, 15, 10)):
        ops.answer(session, cases["late"], gz_staff, text="已修复链接。")
    supervisor = Actor.of(session.exec(_users_of(province)).first(), session)
    with frozen_clock(bj(4, 15, 11)):
        ops.approve(session, cases["late"], supervisor)
        ops.approve(session, cases["on_time"], supervisor)
    # open cases of the third quarter, overdue now: one to extend, two to chase, one returned, one in review
    cases["extend"] = f.case(site=gz_site, received_at=bj(7, 1), description="广州办事指南过期")
    with frozen_clock(bj(7, 2, 9)):
        ops.request_extension(session, cases["extend"], gz_staff, workdays=2, reason="需要外包公司修复")
    cases["chase_gz"] = f.case(site=gz_site, received_at=bj(7, 8), description="广州政策文件打不开")
    cases["chase_sz"] = f.case(site=sz_site, received_at=bj(7, 8), description="深圳联系电话错误")
    cases["returned"] = f.case(site=gz_site, received_at=bj(7, 9), description="这是省厅网站的页面")
    ops.return_case(session, cases["returned"], gz_staff, reason="该页面属于省厅网站，不归本单位")
    cases["review"] = f.case(site=sz_site, received_at=bj(7, 10), description="深圳新闻页面图片无法显示")
    ops.answer(session, cases["review"], sz_staff, text="图片已重新上传，页面显示正常。")
    session.commit()
    numbers = {k: c.tracking_number for k, c in cases.items()}
    with serving(committed_app) as url:
        yield url, numbers


def _users_of(org):
    from sqlmodel import select

    from tracker.users.models import User

    return select(User).where(User.organisation_id == org.id, User.role == "supervisor")


@pytest.fixture()
def browser(chromium):
    return chromium


def _row(page, number: str, field: str) -> str:
    return page.inner_text(f'#overdue-list tr[data-case="{number}"] [data-field="{field}"]').strip()


def test_supervisor_round(served, browser):
    base, n = served
    page = log_in(browser, base, "sup@gd.gov.cn")
    assert page.url.endswith("/supervise")

    # triage: the organiser's reason; review: the complaint beside the answer; the extension's due date
    reason = page.inner_text(f'.return-reason[data-case="{n["returned"]}"]')
    assert "该页面属于省厅网站，不归本单位" in reason and "广州市政务服务数据管理局" in reason
    pair = page.inner_text(".review-pair")
    assert "深圳新闻页面图片无法显示" in pair and "图片已重新上传，页面显示正常。" in pair
    dues = page.inner_text(f'.extension-item[data-case="{n["extend"]}"] .extension-dues')
    assert "2024-07-04 24:00" in dues and "2024-07-08 24:00" in dues  # Thursday, then Friday and Monday
    # the overdue list: organiser, working days overdue, chasing
    assert _row(page, n["chase_gz"], "organiser") == "广州市政务服务数据管理局"
    assert _row(page, n["chase_sz"], "organiser") == "深圳市政务服务数据管理局"
    assert _row(page, n["chase_gz"], "overdue").endswith("个工作日")
    assert int(_row(page, n["chase_gz"], "overdue").removesuffix("个工作日")) > 100
    assert (_row(page, n["chase_gz"], "chase-count"), _row(page, n["chase_gz"], "chased-at")) == ("0", "—")
    check_page(page, "supervisor-queues")

    # chase two cases at once, by keyboard: tick, type, submit
    page.focus(f'#overdue-list tr[data-case="{n["chase_gz"]}"] input[type=checkbox]')
    page.keyboard.press("Space")
    page.check(f'#overdue-list tr[data-case="{n["chase_sz"]}"] input[type=checkbox]')
    page.fill("#chase-message", "请于今日内答复并报送整改情况")
    with page.expect_navigation():
        page.click("#chase-form button[type=submit]")
    flash = page.inner_text(".flash-success")
    assert "已督办2条留言" in flash and n["chase_gz"] in flash and n["chase_sz"] in flash
    assert _row(page, n["chase_gz"], "chase-count") == "1" and _row(page, n["chase_sz"], "chase-count") == "1"
    assert _row(page, n["chase_gz"], "chased-at").startswith("20")
    assert _row(page, n["extend"], "chase-count") == "0"
    check_page(page, "supervisor-chased")

    # deny the extension, with a reason
    item = f'.extension-item[data-case="{n["extend"]}"]'
    page.fill(f"{item} input[name=note]", "外包合同不是延期理由，请先恢复页面")
    with page.expect_navigation():
        page.click(f"{item} form.secondary button[type=submit]")
    assert "已完成" in page.inner_text(".flash-success")
    assert page.locator(item).count() == 0

    # route the returned case on its page: one form, no organiser chosen in advance
    page.click(f'.queue-item:has(.return-reason[data-case="{n["returned"]}"]) a.button')
    page.wait_for_selector("#form-assign")
    assert page.locator("#form-reroute").count() == 0 and page.locator("select[name=organiser_id]").count() == 1
    assert page.eval_on_selector("#assign-org", "s => s.value") == ""
    assert "该页面属于省厅网站，不归本单位" in page.inner_text("#action-assign")
    check_page(page, "supervisor-triage-case")
    page.select_option("#assign-org", label="440300SZ 深圳市政务服务数据管理局")
    with page.expect_navigation():
        page.click("#form-assign button[type=submit]")
    assert page.locator(f'.return-reason[data-case="{n["returned"]}"]').count() == 0

    # the report by quarter
    page.goto(base + "/supervise/report")
    page.select_option("#r-year", "2024")
    page.select_option("#r-quarter", "2")
    with page.expect_navigation():
        page.click("#by-quarter")
    sentence = page.inner_text("#notice-sentence")
    assert sentence.startswith("2024年4月1日至6月30日，全省共收到网民反馈的“我为政府网站找错”留言")
    ranks = page.eval_on_selector_all("#report-chart g.bar", "gs => gs.map(g => [g.dataset.rank, g.dataset.key, "
                                      "g.classList.contains('weak')])")
    assert ranks[0] == ["1", "440300SZ", False] and ranks[1] == ["2", "440100GZ", True]
    assert "目标 100%" in page.inner_text("#report-chart")
    assert page.locator('#report-table tr[data-key="440100GZ"].is-weak').count() == 1
    fits = page.eval_on_selector(".report-scroll", "b => b.scrollWidth <= b.clientWidth")
    assert fits  # at 1280 px the whole table shows without scrolling
    check_page(page, "supervisor-report")
    page.set_viewport_size({"width": 390, "height": 900})
    box = page.eval_on_selector(".report-scroll", "b => [b.scrollWidth > b.clientWidth, getComputedStyle("
                                "b.querySelector('tbody th')).position]")
    assert box == [True, "sticky"]  # the table scrolls in its box; its first column stays
    page.set_viewport_size({"width": 1280, "height": 900})

    # drill down to the late case, then open it
    page.click('#report-table tr[data-key="440100GZ"] td[data-field="closed_late"] a')
    page.wait_for_selector("#case-list")
    row = f'#case-list tr[data-number="{n["late"]}"]'
    assert page.inner_text(f'{row} [data-field="organiser"]') == "广州市政务服务数据管理局"
    assert page.inner_text(f'{row} [data-field="days-late"]') == "2"  # due 04-11 24:00, answered 04-15
    check_page(page, "supervisor-report-cases")
    page.click(f"{row} a")
    page.wait_for_selector("h1")
    assert n["late"] in page.inner_text("h1")

    # the organiser reads the denial's reason on the case page
    organiser = log_in(browser, base, "gz@gd.gov.cn")
    organiser.goto(f"{base}/cases/{n['extend']}")
    assert "不批准理由：外包合同不是延期理由，请先恢复页面" in organiser.inner_text("main")
    check_page(organiser, "supervisor-denied-extension-organiser")
