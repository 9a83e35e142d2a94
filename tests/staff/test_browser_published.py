"""Published reports in a real Chromium, at 1280 and 390 px: a supervisor publishes the second
quarter of 2024 from the report page after a confirmation, finds it in the list, compares it with
now (nothing changed; then a reopened case with its reason), and the public reads the sentence
and the totals, without any case."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.browser import check_page, log_in, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tracker.cases import operations as ops
from tracker.cases.models import Case
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.extensions import db
from tracker.users.models import User

pytestmark = pytest.mark.browser
BJ = ZoneInfo("Asia/Shanghai")
SENTENCE = "2024年4月1日至6月30日，全省共收到网民反馈的“我为政府网站找错”留言2条，均已按期办理，办结率达100%。"


def bj(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=BJ)


@pytest.fixture()
def served(committed_app):
    """广东 with 广州 and 深圳, each with one case of the second quarter of 2024 answered on time."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    committed_app.config["DEFAULT_SUPERVISOR"] = "440000"
    session = db.session
    f = Factory(session)
    province, gz, sz, gz_site, sz_site = f.guangdong()
    supervisor = Actor.of(f.user("supervisor", org=province, email="sup@gd.gov.cn"), session)
    staff = {org.id: Actor.of(f.user("organiser", org=org), session) for org in (gz, sz)}
    numbers = []
    for site, day in ((gz_site, 8), (sz_site, 9)):
        with frozen_clock(bj(4, day, 9)):
            case = f.case(site=site, received_at=bj(4, day, 9), description="页面错别字")
        with frozen_clock(bj(4, day, 15)):
            ops.answer(session, case, staff[case.organiser_id], text="已更正错别字。")
        with frozen_clock(bj(4, day, 16)):
            ops.approve(session, case, supervisor)
        numbers.append(case.tracking_number)
    session.commit()
    with serving(committed_app) as url:
        yield url, numbers


def _reopen(number: str) -> None:
    session = db.session
    case = session.exec(select(Case).where(Case.tracking_number == number)).one()
    user = session.exec(select(User).where(User.email == "sup@gd.gov.cn")).one()
    ops.reopen(session, case, Actor.of(user, session), reason="网民不满意，重新办理。")
    session.commit()


def test_publish_list_compare_and_read_in_public(served, chromium):
    base, numbers = served
    page = log_in(chromium, base, "sup@gd.gov.cn")
    page.goto(base + "/supervise/report?period=quarter&year=2024&quarter=2")
    assert page.inner_text("#notice-sentence") == SENTENCE

    # publish: the confirmation shows what will be frozen; nothing is published until confirmed
    with page.expect_navigation():
        page.click("#publish-link")
    assert page.inner_text("#notice-sentence") == SENTENCE
    assert page.inner_text('#confirm-totals [data-field="received"] dd') == "2"
    check_page(page, "published-confirm")
    with page.expect_navigation():
        page.click("#confirm-publish")
    assert "/supervise/published/" in page.url
    assert "通报已发布" in page.inner_text("main")
    assert page.inner_text("#notice-sentence") == SENTENCE
    assert page.inner_text('#published-table tr.totals [data-field="closed_on_time"]') == "2"
    assert page.inner_text('#published-table tr.totals [data-field="on_time_rate"]') == "100%"
    check_page(page, "published-report")

    # the list, then the diff: nothing has changed yet
    page.goto(base + "/supervise/published")
    assert page.locator(".published-item").count() == 1
    assert SENTENCE in page.inner_text(".published-item")
    check_page(page, "published-list")
    with page.expect_navigation():
        page.click(".published-item >> text=与发布时比较")
    assert "没有任何数字发生变化" in page.inner_text("#unchanged")
    check_page(page, "published-diff-unchanged")

    # 广州's case is reopened: the diff shows the figures that changed and the case, with its reason
    _reopen(numbers[0])
    time.sleep(1.1)  # the report's "now" is to the second: compare from the second after the reopen
    page.reload()
    assert page.locator("#unchanged").count() == 0
    row = f'#moved-cases tr[data-number="{numbers[0]}"]'
    assert page.inner_text(f"{row} [data-field=reasons]") == "重办"
    assert page.locator(f'#moved-cases tr[data-number="{numbers[1]}"]').count() == 0
    closed = '#changed-figures tr[data-section="total"][data-field="closed"]'
    assert page.inner_text(f'{closed} [data-value="before"]') == "2"
    assert page.inner_text(f'{closed} [data-value="after"]') == "1"
    assert SENTENCE in page.inner_text("#sentence-before")
    check_page(page, "published-diff")

    # the public: the sentence and the totals as published, no case
    public = new_tab(chromium)
    public.goto(base + "/published")
    item = public.inner_text(".published-item")
    assert SENTENCE in item and all(number not in item for number in numbers)
    assert public.inner_text('.published-totals [data-field="closed"] dd') == "2"  # as published
    check_page(public, "published-public-list")
    with public.expect_navigation():
        public.click(".published-item h2 a")
    assert public.inner_text("#notice-sentence") == SENTENCE
    assert public.inner_text('#published-table tr[data-key="440100GZ"] [data-field="closed_on_time"]') == "1"
    assert all(number not in public.content() for number in numbers)
    check_page(public, "published-public-report")
