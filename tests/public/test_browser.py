"""The citizen's pages in a real Chromium: report with a screenshot, track, get an answer, rate it;
and hostile texts render as text. Screenshots go to test-artifacts/ (not committed)."""
from __future__ import annotations

import gzip
import json
import re

import pytest
from sqlmodel import select

from tests.browser import check_page, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tests.public.helpers import png_bytes
from tracker.cases import operations as ops
from tracker.cases.models import Attachment, Case
from tracker.cases.scope import Actor
from tracker.extensions import db
from tracker.organisations.models import Organisation

pytestmark = pytest.mark.browser
XSS = ['<script>alert("xss-1")</script>', '"><img src=x onerror=alert("xss-2")>',
       "javascript:alert('xss-3')", "<svg/onload=alert('xss-4')>"]


@pytest.fixture()
def world(committed_app):
    """A served app (real server in a thread, CSRF on, captcha off) with one site and its staff."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    site = factory.site(host="www.served.gov.cn", name="浏览器测试市人民政府网站")
    organiser = factory.user("organiser", org=session.get(Organisation, site.organiser_id))
    supervisor = factory.user("supervisor", org=session.get(Organisation, site.supervisor_id))
    actors = {"organiser": Actor.of(organiser, session), "supervisor": Actor.of(supervisor, session)}
    session.commit()  # and hold no read transaction: SQLite would make the server's writes wait
    with serving(committed_app) as url:
        yield {"url": url, "site": site, **actors}


@pytest.fixture()
def page(chromium):
    tab = new_tab(chromium)
    yield tab
    tab.context.close()


def answer_case(number: str, world, text: str) -> None:
    """The organiser accepts and answers, the supervisor approves (in the test process)."""
    session = db.session
    session.expire_all()
    case = session.exec(select(Case).where(Case.tracking_number == number)).one()
    ops.accept(session, case, world["organiser"])
    ops.answer(session, case, world["organiser"], text=text)
    ops.approve(session, case, world["supervisor"])
    session.commit()


def test_report_track_answer_and_rate(world, page, tmp_path):
    screenshot = tmp_path / "截图.png"
    screenshot.write_bytes(png_bytes(800, 600, "navy"))
    page.goto(world["url"] + "/report")
    # keyboard first: the skip link is the first stop, and it leads to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.fill("#page_url", "https://www.served.gov.cn/zwgk/notice.html")
    page.keyboard.press("Tab")  # leaving the field asks which site it is
    page.wait_for_selector("#detect-result .detected")
    assert "浏览器测试市人民政府网站" in page.inner_text("#detect-result")
    page.select_option("#category", "4")
    page.fill("#description", "通知第二段“办里时间”应为“办理时间”。")
    assert page.inner_text("#description-count") == "已输入 20 / 400 字"
    page.set_input_files("#screenshots", str(screenshot))
    page.fill("#contact_name", "王小明")
    page.fill("#contact_phone", "13912345678")
    page.focus("#consent")
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    check_page(page, "report-form")
    page.focus("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tracking-number")
    number = page.inner_text("#tracking-number").strip()
    code = page.inner_text("#query-code").strip()
    assert re.fullmatch(r"ZC\d{8}-\d{4}", number) and re.fullmatch(r"[A-Z2-9]{16}", code)
    assert "查询码" in page.inner_text("main") and re.search(r"\d{4}-\d\d-\d\d 24:00", page.inner_text("#due-at"))
    check_page(page, "report-received")

    case = db.session.exec(select(Case).where(Case.tracking_number == number)).one()
    assert db.session.exec(select(Attachment).where(Attachment.case_id == case.id)).one().width == 800
    db.session.rollback()

    page.goto(world["url"] + "/track")
    page.fill("#number", number)
    page.fill("#code", code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#timeline")
    assert "已转交" in page.inner_text("#timeline") and "已答复" not in page.inner_text("#timeline")
    check_page(page, "track-open")

    answer_case(number, world, "王小明：您好！错别字已改正，感谢您的指正。")
    page.reload()
    assert "错别字已改正" in page.inner_text("#answer")
    assert "已答复，办结" in page.inner_text("#timeline")
    check_page(page, "track-closed")
    page.check("#rating-0")
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#feedback-done")
    assert "满意" in page.inner_text("#feedback-done")
    db.session.expire_all()
    assert db.session.exec(select(Case.feedback).where(Case.tracking_number == number)).one() == "satisfied"
    db.session.rollback()

    page.goto(world["url"] + "/answers")
    assert "王**：您好" in page.inner_text("main") and "王小明" not in page.inner_text("main")
    check_page(page, "answers")
    assert page.dialogs == [] and page.console_errors == []


def test_errors_sit_beside_fields_and_typed_text_survives(world, page):
    page.goto(world["url"] + "/report?lang=en")
    page.type("#site_code", "浏览器测试")  # suggestions by name fill the datalist with names and codes
    page.wait_for_selector("#site-suggestions option", state="attached")
    assert page.get_attribute("#site-suggestions option", "value") == f"{world['site'].name}（{world['site'].code}）"
    page.fill("#site_code", "")
    page.fill("#page_url", "javascript:alert(1)")
    page.fill("#description", "x" * 10)
    page.fill("#contact_email", "me@example.com")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert "http:// or https://" in page.inner_text("#page_url-error")
    assert page.input_value("#page_url") == "javascript:alert(1)"
    assert page.input_value("#contact_email") == "me@example.com"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "choose your screenshots again" in page.inner_text("#error-summary")
    check_page(page, "report-errors-en")
    assert page.dialogs == []


def test_hostile_and_real_texts_render_as_text(world, page, records_path):
    with gzip.open(records_path, "rt", encoding="utf-8") as lines:
        real = [r for r in map(json.loads, lines) if r.get("reply") and "<" in (r.get("description") or "")
                + r["reply"] or "&" in (r.get("description") or "")][:1]
    with gzip.open(records_path, "rt", encoding="utf-8") as lines:
        real += [r for r in map(json.loads, lines) if r.get("reply")][:1]
    description = (" ".join(XSS) + "\n" + real[0]["description"])[:400]
    page.goto(world["url"] + "/report")
    page.fill("#page_url", 'https://www.served.gov.cn/"><img/src=x/onerror=alert("xss-5")>?q=hidden-query')
    page.select_option("#category", "2")
    page.fill("#description", description)
    page.fill("#contact_name", "李四")
    page.fill("#contact_email", "a@example.com")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-number")
    number, code = page.inner_text("#tracking-number").strip(), page.inner_text("#query-code").strip()
    page.goto(f"{world['url']}/track?number={number}&code={code}")
    shown = page.inner_text("main")
    for payload in XSS:
        assert payload in shown
    assert 'onerror=alert("xss-5")>' in shown and "hidden-query" not in shown  # the path shows, the query not
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    answer_case(number, world, "\n".join([*XSS, real[1]["reply"]]))
    page.goto(world["url"] + "/answers")
    shown = page.inner_text("main")
    assert '<script>alert("xss-1")</script>' in shown and real[1]["reply"].strip()[:30] in shown
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.dialogs == []
