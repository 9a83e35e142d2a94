"""The admin round in a real Chromium, at 1280 and 390 px (axe-core on every state): the holiday
schedule loaded on the web, an account disabled and sent a password link, a site moved (its case
follows to the new supervisor) and stopped (the report form says why), and a forgotten password
reset through the link in the outbox."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.browser import check_page, log_in, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tracker.db import utcnow
from tracker.extensions import db
from tracker.notifications.messages import build
from tracker.organisations.models import Organisation
from tracker.outbox import Outbox

pytestmark = pytest.mark.browser
CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-07,workday,春节调休\n"


@pytest.fixture()
def world(committed_app):
    """Served (CSRF on): a province and a second one, an organiser with a site and an open case,
    each province's supervisor, and an admin."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    province = factory.province()
    other = factory.org("450000", kind="supervisor", name="广西壮族自治区大数据发展局")
    organiser = factory.org("440100GZ", parent=province, name="广州市政务服务数据管理局")
    organiser_nn = factory.org("450100NN", parent=other, name="南宁市大数据发展局")
    site = factory.site("4401000001", host="www.gz.gov.cn", organiser=organiser, supervisor=province,
                        name="广州市人民政府门户网站")
    case = factory.case(site=site, page_url="https://www.gz.gov.cn/zwgk/a.html", description="链接失效")
    factory.user("organiser", org=organiser, email="gz@example.gov.cn")
    factory.user("supervisor", org=province, email="gd@example.gov.cn")
    factory.user("supervisor", org=other, email="gx@example.gov.cn")
    factory.user("admin", email="admin@example.gov.cn")
    session.commit()
    with serving(committed_app) as url:
        yield {"url": url, "case": case.tracking_number, "site_id": site.id, "organiser_nn": organiser_nn.code}


def _reset_link(email: str) -> str:
    """The newest password link mailed to ``email``, read from the outbox as it would be sent."""
    db.session.expire_all()
    rows = db.session.exec(select(Outbox).where(Outbox.topic == "password_reset").order_by(Outbox.id.desc())).all()
    for row in rows:
        _reason, mails = build(db.session, row, utcnow())
        if mails and mails[0].recipient == email:
            return re.search(r"/password/reset/[\w-]+", mails[0].body).group(0)
    raise AssertionError(f"no password link for {email}")


def test_admin_loads_the_calendar_and_manages_an_account(world, chromium, tmp_path):
    base = world["url"]
    admin = log_in(chromium, base, "admin@example.gov.cn")
    assert admin.url.endswith("/admin")
    # the real clock is past 1 November while 2027 is not loaded (chinese-calendar ends with 2026)
    assert "2027年节假日安排尚未导入" in admin.inner_text("#calendar-warning")
    check_page(admin, "admin-home-warning")

    admin.click("#calendar-warning a")
    admin.wait_for_url("**/admin/calendar")
    check_page(admin, "admin-calendar")
    schedule = tmp_path / "2027.csv"
    schedule.write_text(CSV_2027, encoding="utf-8")
    admin.set_input_files("#file", str(schedule))
    admin.fill("#source", "国务院办公厅关于2027年部分节假日安排的通知")
    with admin.expect_navigation():
        admin.click("#calendar-form button[type=submit]")
    assert "2027年节假日安排已导入：2个节假日，1个调休上班日" in admin.inner_text(".flash-success")
    assert "国务院办公厅关于2027年部分节假日安排的通知" in admin.inner_text("#calendar-years")
    assert admin.query_selector("#calendar-warning") is None
    check_page(admin, "admin-calendar-loaded")

    admin.goto(base + "/admin/users?q=gz%40")
    rows = admin.inner_text("#user-list tbody")
    assert "gz@example.gov.cn" in rows and "主办单位工作人员" in rows and "gd@example.gov.cn" not in rows
    check_page(admin, "admin-users-search")
    admin.click("text=gz@example.gov.cn")
    admin.wait_for_selector("#form-reset-password")
    check_page(admin, "admin-user")
    with admin.expect_navigation():
        admin.click("#form-reset-password button")
    assert "已向 gz@example.gov.cn 发送一次性重设密码链接" in admin.inner_text(".flash-success")
    link = _reset_link("gz@example.gov.cn")

    organiser = log_in(chromium, base, "gz@example.gov.cn")
    assert organiser.url.endswith("/inbox")
    with admin.expect_navigation():
        admin.click("#form-disable button")
    assert admin.inner_text("#user-status") == "已停用"
    check_page(admin, "admin-user-disabled")
    organiser.goto(base + "/inbox")
    assert "/login" in organiser.url  # the open session ended
    again = log_in(chromium, base, "gz@example.gov.cn")
    assert "邮箱或密码不正确" in again.inner_text("#login-error")
    # a disabled account's password link is retired with it
    again.goto(base + link)
    assert "链接无效或已过期" in again.inner_text("#reset-invalid")
    check_page(again, "reset-link-retired")


def test_a_moved_site_takes_its_case_and_a_stopped_site_takes_no_reports(world, chromium):
    base = world["url"]
    admin = log_in(chromium, base, "admin@example.gov.cn")
    admin.goto(base + "/admin/sites?q=4401")
    check_page(admin, "admin-sites-search")
    admin.click("text=广州市人民政府门户网站")
    admin.wait_for_selector("#form-save")
    check_page(admin, "admin-site")
    admin.fill("#organiser_code", world["organiser_nn"])
    admin.fill("#supervisor_code", "450000")
    with admin.expect_navigation():
        admin.click("#form-save button[type=submit]")
    assert "1件在办留言随网站转到新的单位" in admin.inner_text(".flash-success")
    assert "南宁市大数据发展局" in admin.inner_text("#site-facts")
    check_page(admin, "admin-site-moved")

    new_supervisor = log_in(chromium, base, "gx@example.gov.cn")
    new_supervisor.goto(base + "/supervise/cases?state=all")
    assert world["case"] in new_supervisor.inner_text("main")
    old_supervisor = log_in(chromium, base, "gd@example.gov.cn")
    old_supervisor.goto(base + "/supervise/cases?state=all")
    assert world["case"] not in old_supervisor.inner_text("main")

    with admin.expect_navigation():
        admin.click("#form-stop button")
    assert admin.inner_text("#site-status") == "已停止运行"
    check_page(admin, "admin-site-stopped")

    citizen = new_tab(chromium)
    citizen.goto(base + "/report")
    citizen.fill("#page_url", "https://www.gz.gov.cn/zwgk/b.html")
    citizen.select_option("#category", "2")
    citizen.fill("#description", "页面上的电话号码已经停用。")
    citizen.fill("#contact_email", "citizen@example.cn")
    citizen.check("#consent")
    with citizen.expect_navigation():
        citizen.click("#report-form button[type=submit]")
    assert "网站“广州市人民政府门户网站”（4401000001）已停止运行，不再受理新的留言" in citizen.inner_text("main")
    check_page(citizen, "report-stopped-site")

    admin.goto(base + f"/admin/organisations?q={world['organiser_nn']}")
    assert "主办单位" in admin.inner_text("#org-list")
    check_page(admin, "admin-organisations-search")
    admin.click("text=南宁市大数据发展局")
    admin.wait_for_selector("#org-facts")
    check_page(admin, "admin-organisation")


def test_forgotten_password_through_the_outbox(world, chromium):
    base = world["url"]
    tab = new_tab(chromium, width=390)
    tab.goto(base + "/login")
    check_page(tab, "login-with-forgot-link")
    tab.click("#forgot-link")
    tab.wait_for_selector("#email")
    check_page(tab, "forgot-password")
    tab.fill("#email", "gd@example.gov.cn")
    with tab.expect_navigation():
        tab.click("main button[type=submit]")
    answer = tab.inner_text("#forgot-sent")
    assert "如果该邮箱属于一个工作人员账号" in answer
    check_page(tab, "forgot-password-sent")
    # an address that is no account gets the very same answer
    tab.goto(base + "/password/forgot")
    tab.fill("#email", "nobody@example.gov.cn")
    with tab.expect_navigation():
        tab.click("main button[type=submit]")
    assert tab.inner_text("#forgot-sent") == answer

    tab.goto(base + _reset_link("gd@example.gov.cn"))
    assert "gd@example.gov.cn" in tab.inner_text("main")
    check_page(tab, "reset-password")
    tab.fill("#password", "a brand new secret")
    tab.fill("#confirm", "a brand new secret")
    with tab.expect_navigation():
        tab.click("main button[type=submit]")
    assert tab.url.endswith("/login")
    assert "密码已重设" in tab.inner_text(".flash-success")
    check_page(tab, "reset-password-done")
    supervisor = log_in(chromium, base, "gd@example.gov.cn", password="a brand new secret")
    assert supervisor.url.endswith("/supervise")
    assert "2027年节假日安排尚未导入" in supervisor.inner_text("main")
    assert "tracker calendar" not in supervisor.inner_text("main")
    check_page(supervisor, "supervisor-calendar-sentence")
    assert db.session.exec(select(Organisation).where(Organisation.code == "440000")).one().is_active
