"""Page checks in a real Chromium: a case is received and its page is fetched from a local server;
the organiser reads the 页面检查 panel, answers "fixed", the page is fetched again by the worker;
the panel and the review queue show both checks side by side and the warning (the page text did
not change); a staff request to check again is taken once and then refused for a minute."""
from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from dramatiq import Worker
from sqlmodel import select

from tests.background.conftest import wait_for
from tests.browser import check_page, log_in
from tests.conftest import serving
from tests.evidence.conftest import Pages, serve
from tests.factories import Factory
from tracker import jobs
from tracker.db import utcnow
from tracker.evidence.models import PageCheck
from tracker.extensions import db
from tracker.jobs import broker as tracker_broker
from tracker.organisations.models import Organisation
from tracker.outbox.models import Outbox

pytestmark = pytest.mark.browser
ANSWER = "您反映的通知公告栏目已更新为2024年版本办事指南，感谢您的监督。"
UNCHANGED = "答复称已整改，但页面文字与收到时完全相同。"


@pytest.fixture()
def world(committed_app):
    """A page server, the app (page checks on, the page server let through) served with CSRF on,
    a worker on a stub broker, and one case about a page that will not change."""
    pages = Pages()
    stub = tracker_broker.make_broker("")
    with serve(pages) as page_port, tracker_broker.using(stub):
        committed_app.config.update(WTF_CSRF_ENABLED=True, PROBE=True, PROBE_PORTS=(page_port,),
                                    PROBE_ALLOW=(ipaddress.ip_network("127.0.0.1/32"),),
                                    PROBE_HOST_INTERVAL_SECONDS=0)
        jobs.bind_app(committed_app)
        worker = Worker(stub, worker_threads=1)
        worker.start()
        try:
            session = db.session
            factory = Factory(session)
            site = factory.site(host="www.evidence.gd.gov.cn", name="证据测试市人民政府网站")
            factory.user("organiser", org=session.get(Organisation, site.organiser_id), email="org@evidence.gov.cn")
            factory.user("supervisor", org=session.get(Organisation, site.supervisor_id), email="sup@evidence.gov.cn")
            case = factory.case(site=site, page_url=f"http://127.0.0.1:{page_port}/changing", category=1,
                                description="通知公告栏目的办事指南仍是2019年版本，请更新。")
            session.commit()
            number = case.tracking_number
            with serving(committed_app) as url:
                yield url, number, case.id
        finally:
            worker.stop(timeout=5000)
            jobs.bind_app(None)


def finished_checks(case_id: int, count: int):
    def done():
        rows = db.session.exec(select(PageCheck).where(PageCheck.case_id == case_id).order_by(PageCheck.id)).all()
        return rows if len(rows) >= count and all(r.error != "pending" for r in rows) else None
    return wait_for(done, timeout=30, message=f"{count} page check(s)")


def test_page_checks_on_intake_and_answer_side_by_side(world, chromium):
    base, number, case_id = world
    [intake] = finished_checks(case_id, 1)
    assert (intake.reason, intake.status, intake.title) == ("intake", 200, "通知公告")

    organiser = log_in(chromium, base, "org@evidence.gov.cn")
    organiser.goto(f"{base}/cases/{number}")
    assert organiser.inner_text("#page-checks .check-before") == "200，标题「通知公告」"
    assert organiser.inner_text("#page-checks .check-after") == "尚未检查"
    check_page(organiser, "evidence-intake")

    organiser.click("#form-accept button[type=submit]")
    organiser.wait_for_selector("#form-answer")
    organiser.fill("#answer-text", ANSWER)
    organiser.check("#form-answer input[value=fixed]")  # no outcome is pre-selected
    organiser.click("#form-answer button[type=submit]")
    organiser.wait_for_selector(".state-in_review")
    checks = finished_checks(case_id, 2)
    assert [c.reason for c in checks] == ["intake", "answer"] and checks[0].text_hash == checks[1].text_hash

    organiser.goto(f"{base}/cases/{number}")
    panel = organiser.locator("#page-checks")
    assert organiser.inner_text("#page-checks .check-before") == "200，标题「通知公告」"
    assert organiser.inner_text("#page-checks .check-after") == "200，标题「通知公告」"
    assert UNCHANGED in panel.inner_text()
    assert panel.locator(".check-list li").count() == 2
    history = organiser.inner_text("#h-history + ol")
    assert "页面检查" in history and UNCHANGED in history
    check_page(organiser, "evidence-panel")

    # the automatic checks were over a minute ago: a staff request is taken, a second one refused
    with db.transaction() as session:
        session.execute(Outbox.__table__.update().where(Outbox.case_id == case_id, Outbox.topic == "page_check")
                        .values(created_at=utcnow() - timedelta(minutes=2)))
    organiser.click("#form-recheck button")
    organiser.wait_for_selector(".flash-success")
    assert "已安排重新检查页面" in organiser.inner_text(".flash-success")
    check_page(organiser, "evidence-recheck")
    organiser.click("#form-recheck button")
    organiser.wait_for_selector(".flash-error")
    assert organiser.inner_text(".flash-error") == "该页面刚检查过，请60秒后再试。"
    check_page(organiser, "evidence-recheck-refused")
    checks = finished_checks(case_id, 3)
    assert [c.reason for c in checks] == ["intake", "answer", "manual"]

    supervisor = log_in(chromium, base, "sup@evidence.gov.cn")
    assert supervisor.url.endswith("/supervise")
    item = supervisor.locator(f'.review-checks[data-case="{number}"]')
    assert item.locator(".check-before").inner_text() == "200，标题「通知公告」"
    assert item.locator(".check-after").inner_text() == "200，标题「通知公告」"
    assert UNCHANGED in item.inner_text()
    check_page(supervisor, "evidence-review")

    phone = log_in(chromium, base, "sup@evidence.gov.cn", width=390)
    phone.goto(f"{base}/cases/{number}")
    assert phone.locator("#page-checks .probe-warnings").is_visible()
    check_page(phone, "evidence-panel-phone", widths=(390,))
