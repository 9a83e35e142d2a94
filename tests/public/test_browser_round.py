"""The citizen's side in Chromium after the round: a refused report keeps its screenshots, the site
lookup offers names, the confirmation copies, prints and mails the receipt, the tracking address
holds no code, a deadline change is one line of the timeline, the rating says its error once, and
the published answers are searched, paged and linked."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlmodel import select

from tests.browser import check_page, new_tab
from tests.conftest import serving
from tests.factories import Factory
from tests.public.helpers import close_case, png_bytes
from tracker.cases import operations as ops
from tracker.cases.models import Attachment, Case
from tracker.cases.scope import Actor
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.outbox.models import Outbox
from tracker.web import due_label

pytestmark = pytest.mark.browser


@pytest.fixture()
def world(committed_app, monkeypatch):
    """A served app (CSRF and captcha on, every captcha answering KX7M) with sites and staff."""
    committed_app.config["WTF_CSRF_ENABLED"] = True
    committed_app.config["CAPTCHA"] = True
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: "KX7M")
    session = db.session
    factory = Factory(session)
    site = factory.site(host="rsj.gz.gov.cn", name="广州市人力资源和社会保障局")
    factory.site(host="jyj.gz.gov.cn", name="广州市教育局")
    organiser = factory.user("organiser", org=session.get(Organisation, site.organiser_id))
    supervisor = factory.user("supervisor", org=session.get(Organisation, site.supervisor_id))
    actors = {"organiser": Actor.of(organiser, session), "supervisor": Actor.of(supervisor, session)}
    session.commit()
    with serving(committed_app) as url:
        yield {"url": url, "site": site, "factory": factory, **actors}


@pytest.fixture()
def page(chromium):
    tab = new_tab(chromium)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield tab
    tab.context.close()


def fresh_case(number: str) -> Case:
    db.session.expire_all()
    return db.session.exec(select(Case).where(Case.tracking_number == number)).one()


def test_report_keep_track_and_rate(world, page, tmp_path):
    screenshot = tmp_path / "错字截图.png"
    screenshot.write_bytes(png_bytes(640, 480, "navy"))
    site = world["site"]
    page.goto(world["url"] + "/report")
    page.fill("#page_url", "https://rsj.gz.gov.cn/zwgk/notice.html")
    # the lookup: initials and short names find the site; a choice shows its name
    page.type("#site_code", "gzrs")
    page.wait_for_selector("#site-suggestions option", state="attached")
    choice = f"{site.name}（{site.code}）"
    assert page.get_attribute("#site-suggestions option", "value") == choice
    page.fill("#site_code", "")
    asked = "/sites/suggest?q=" + quote("广州 人社")
    with page.expect_response(lambda r: r.url.endswith(asked)) as suggested:
        page.type("#site_code", "广州 人社")
    assert [s["name"] for s in suggested.value.json()] == [site.name]
    page.wait_for_selector(f'#site-suggestions option[value="{choice}"]', state="attached")
    assert page.locator("#site-suggestions option").count() == 1
    page.fill("#site_code", choice)
    page.select_option("#category", "4")
    page.fill("#description", "通知第二段“办里时间”应为“办理时间”。")
    page.set_input_files("#screenshots", str(screenshot))
    page.fill("#contact_phone", "13912345678")
    page.check("#consent")
    page.click("button[type=submit]")  # no captcha typed
    page.wait_for_selector("#error-summary")
    assert page.inner_text("#captcha-error") == "请输入验证码。"
    assert "错字截图.png" in page.inner_text("#held-files")
    assert page.input_value("#site_code") == choice
    check_page(page, "round-report-held")
    page.fill("#captcha", "KX7M")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-number")
    number, code = page.inner_text("#tracking-number").strip(), page.inner_text("#query-code").strip()
    case = fresh_case(number)
    assert case.site_id == site.id
    [attachment] = db.session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert (attachment.filename, attachment.width) == ("错字截图.png", 640)
    db.session.rollback()

    # the confirmation: copy, print, and send to an address typed here
    page.click("#copy-receipt")
    page.wait_for_selector("#copy-status:has-text('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == f"留言编号：{number} 查询码：{code}"
    assert page.is_visible("#print-receipt")
    check_page(page, "round-received")
    page.fill("#receipt-email", "me@example.com")
    page.click("#receipt-mail-form button[type=submit]")
    page.wait_for_selector("#mail-sent")
    assert "me@example.com" in page.inner_text("#mail-sent") and page.inner_text("#query-code").strip() == code
    check_page(page, "round-receipt-mailed")
    [row] = db.session.exec(select(Outbox).where(Outbox.topic == "case_receipt_copy")).all()
    assert row.payload["email"] == "me@example.com"
    db.session.rollback()

    # tracking: the address carries no code; an approved extension is one line with the new date
    with page.expect_navigation():
        page.click(f'a[href="/track?number={number}"]')
    page.wait_for_selector("#timeline")
    assert page.url == f"{world['url']}/track?number={number}" and code not in page.content()
    case = fresh_case(number)
    ops.accept(db.session, case, world["organiser"])
    request = ops.request_extension(db.session, case, world["organiser"], workdays=2, reason="需要核实")
    ops.decide_extension(db.session, case, world["supervisor"], request_id=request.id, approve=True)
    db.session.commit()
    new_due = due_label(fresh_case(number).due_at)
    db.session.rollback()
    page.reload()
    last = page.locator("#timeline li").last.inner_text()
    assert f"延期申请已批准，答复期限延至 {new_due}" in last and "需要核实" not in page.inner_text("main")
    check_page(page, "round-track-extended")

    # the answer; a rating sent without a choice says so once and stays on the case
    case = fresh_case(number)
    ops.answer(db.session, case, world["organiser"], text="您好，错别字已改正。")
    ops.approve(db.session, case, world["supervisor"])
    db.session.commit()
    page.reload()
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#rating-error")
    assert page.locator(".field-error").all_inner_texts() == ["请选择满意或不满意。"]
    assert number in page.inner_text("#case-title") and "错别字已改正" in page.inner_text("#answer")
    check_page(page, "round-rate-error")
    page.check("#rating-0")
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#feedback-done")
    assert page.url.startswith(f"{world['url']}/track?number={number}") and "code=" not in page.url
    # the refused form and rating are 422 answers, which the console notes; nothing else may appear
    assert page.dialogs == [] and [e for e in page.console_errors if "status of 422" not in e] == []


def test_answers_are_searched_paged_and_linked(world, page, monkeypatch):
    monkeypatch.setattr("tracker.public.util.PAGE_SIZE", 2)
    factory, site = world["factory"], world["site"]
    for n in range(5):
        close_case(factory, db.session, description=f"第{n}处附件无法下载", answer="附件已恢复。", site=site)
    close_case(factory, db.session, description="错别字", answer="已改正。", site=site,
               page_url="https://rsj.gz.gov.cn/a/b.html?token=secret")
    db.session.commit()
    page.goto(world["url"] + "/answers")
    page.fill("#q", "附件")
    page.fill("#site", "人力资源")
    page.click(".answers-search button[type=submit]")
    page.wait_for_selector("#result-count")
    assert page.inner_text("#result-count") == "共 5 条"
    assert page.locator(".description").all_inner_texts() == ["第4处附件无法下载", "第3处附件无法下载"]
    check_page(page, "round-answers")
    page.fill("#jump-page", "3")
    page.click(".page-jump button")
    page.wait_for_selector(".page-numbers .current")
    assert page.inner_text(".page-numbers .current") == "3"
    assert page.locator(".description").all_inner_texts() == ["第0处附件无法下载"]
    page.click(".page-numbers a >> text=2")
    page.wait_for_selector(".page-numbers .current:has-text('2')")
    assert page.locator(".description").all_inner_texts() == ["第2处附件无法下载", "第1处附件无法下载"]
    page.goto(world["url"] + "/answers?q=错别字")
    page.click(".answer-item h2 a")
    page.wait_for_selector("#answer-number")
    number = page.inner_text("#answer-number").strip()
    case = fresh_case(number)
    assert page.inner_text("#answer-site").startswith(site.name)
    assert page.inner_text("#answer-due") == due_label(case.due_at)
    assert page.inner_text("#answer-on-time") == "按期答复"
    assert page.inner_text("#answer-page") == "https://rsj.gz.gov.cn/a/b.html"
    assert "secret" not in page.content()
    db.session.rollback()
    check_page(page, "round-answer")
    assert re.search(r"/answers/ZC\d{8}-\d{4}$", page.url)
    assert page.dialogs == [] and page.console_errors == []
