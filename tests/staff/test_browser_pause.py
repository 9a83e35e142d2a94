"""The pause (挂起) in a real Chromium, at 1280 and 390 px: the organiser pauses a case with a
reason, the citizen reads it on the tracking page and replies, the clock runs again with the due
date moved by the working days paused (shown to both), and the report shows 挂起, 参评率 and 满意率.

The served app reads a clock the test sets (2024), so that the pause spans the 调休 weekend of
2024-04-27/28: received Thu 04-25 (due 04-29 24:00), paused Fri 04-26, the citizen replies Mon 04-29
09:00 -> 2 working days (04-28, 04-29) -> due 2024-05-06 24:00.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

import tracker.db
from tests.browser import check_page, log_in, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tracker.cases import operations as ops
from tracker.cases.scope import CITIZEN, Actor
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.users.models import User
from tracker.workdays import BEIJING

pytestmark = pytest.mark.browser
REASON = "请提供出错位置的截图或准确的页面地址。"
REPLY = "出错的是首页“通知公告”栏第三条，链接打开是404。"


def bj(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=BEIJING)


class Clock:
    """Stands in for the clock of :func:`tracker.db.utcnow` in every thread, the server's included."""

    def __init__(self, now: datetime):
        self.now = now

    def get(self):
        return self.now


@pytest.fixture()
def world(committed_app, monkeypatch):
    clock = Clock(bj(4, 25, 10))
    monkeypatch.setattr(tracker.db, "_clock", clock)
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    site = factory.site(host="www.pause.gd.gov.cn", name="挂起测试市人民政府网站")
    organiser = session.get(Organisation, site.organiser_id)
    staff = factory.user("organiser", org=organiser, email="org@pause.gov.cn")
    factory.user("supervisor", org=session.get(Organisation, site.supervisor_id), email="sup@pause.gov.cn")
    submission = factory.submission(site=site, received_at=clock.now, contact_email="citizen@example.cn",
                                    description="首页通知公告链接打不开。")
    ops.accept(session, submission.case, Actor.of(staff, session))
    session.commit()
    with serving(committed_app) as url:
        yield {"url": url, "clock": clock, "number": submission.case.tracking_number,
               "code": submission.query_code, "case": submission.case, "staff": staff}


def test_pause_reply_moved_due_date_and_the_report(world, chromium):
    base, clock, number = world["url"], world["clock"], world["number"]
    clock.now = bj(4, 26, 10)
    organiser = log_in(chromium, base, "org@pause.gov.cn")
    organiser.goto(f"{base}/cases/{number}")
    assert "2024-04-29 24:00" in organiser.inner_text(".facts")
    check_page(organiser, "pause-organiser-before")
    organiser.fill("#pause-reason", REASON)
    organiser.click("#form-pause button[type=submit]")
    organiser.wait_for_selector("#paused-facts")
    assert "挂起中，计时暂停" in organiser.inner_text("#paused-facts")
    assert "2024-05-07 24:00" in organiser.inner_text("#paused-facts")  # the limit: 5 working days
    assert organiser.query_selector("#form-answer") is None and organiser.query_selector("#form-resume")
    check_page(organiser, "pause-organiser-paused")

    citizen = new_tab(chromium)
    citizen.goto(base + "/track")
    citizen.fill("#number", number)
    citizen.fill("#code", world["code"])
    citizen.click(".track-form button[type=submit]")
    citizen.wait_for_selector("#pause-notice")
    assert REASON in citizen.inner_text("#pause-reason")
    assert "计时暂停（挂起）：" + REASON in citizen.inner_text("#timeline")
    check_page(citizen, "pause-citizen-asked")
    citizen.click("#reply-form button[type=submit]")  # empty: refused beside the field
    citizen.wait_for_selector("#reply-error")
    check_page(citizen, "pause-citizen-refused")
    clock.now = bj(4, 29, 9)
    citizen.fill("#reply-form textarea", REPLY)
    citizen.click("#reply-form button[type=submit]")
    citizen.wait_for_selector("#reply-done")
    assert number in citizen.url and world["code"] not in citizen.url
    assert citizen.query_selector("#pause-notice") is None
    assert "挂起结束，恢复计时，答复期限：2024-05-06 24:00" in citizen.inner_text("#timeline")
    assert "2024-05-06 24:00" in citizen.inner_text(".facts")
    check_page(citizen, "pause-citizen-replied")

    organiser = log_in(chromium, base, "org@pause.gov.cn")
    organiser.goto(f"{base}/cases/{number}")
    assert "2024-05-06 24:00" in organiser.inner_text(".facts")
    assert REPLY in organiser.inner_text("#pauses") and "挂起2个工作日" in organiser.inner_text("#pauses")
    assert organiser.query_selector("#form-pause") is None and organiser.query_selector("#form-answer")
    check_page(organiser, "pause-organiser-resumed")

    # answered on the last day of the moved due date, approved, and rated satisfied
    session = db.session
    case = world["case"]
    session.refresh(case)
    clock.now = bj(5, 6, 15)
    ops.answer(session, case, Actor.of(world["staff"], session), text="已更正首页通知公告第三条的链接，现可正常打开。")

    sup = session.exec(select(User).where(User.email == "sup@pause.gov.cn")).one()
    ops.approve(session, case, Actor.of(sup, session))
    clock.now = bj(5, 7, 9)
    ops.record_feedback(session, case, satisfied=True, actor=CITIZEN)
    session.commit()

    clock.now = bj(5, 10, 12)
    supervisor = log_in(chromium, base, "sup@pause.gov.cn")
    supervisor.goto(f"{base}/supervise/report?period=custom&from=2024-04-01&to=2024-04-30")
    supervisor.check("#r-satisfaction")
    supervisor.click("#by-scope")
    supervisor.wait_for_selector("#satisfaction-table")
    totals = supervisor.locator("#satisfaction-table tr[data-total]")
    assert totals.locator("[data-field=paused]").inner_text() == "1"
    assert totals.locator("[data-field=rated]").inner_text() == "1"
    assert totals.locator("[data-field=rating_rate]").inner_text() == "100%"
    assert totals.locator("[data-field=satisfaction_rate]").inner_text() == "100%"
    main = supervisor.locator("#report-table tr[data-total] [data-field=closed_on_time]").inner_text()
    assert main.strip() == "1"  # answered 05-06 15:00, before the moved due time
    assert "参评率100%，满意率100%" in supervisor.inner_text("#notice-sentence")
    assert "挂起：统计时点前至少挂起过一次的留言数" in supervisor.inner_text("#satisfaction-footnote")
    check_page(supervisor, "pause-report")
