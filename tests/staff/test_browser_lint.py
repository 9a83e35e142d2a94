"""The answer lint in a real Chromium: the organiser writes a weak answer, checks it, reads the
warnings, edits nothing and submits it anyway; the reviewer reads the same warnings on the review
queue and on the case page before the final review (终审). Every state at 1280 and 390 px."""
from __future__ import annotations

import pytest

from tests.browser import check_page, log_in
from tests.conftest import serving
from tests.factories import Factory
from tracker.extensions import db
from tracker.organisations.models import Organisation

pytestmark = pytest.mark.browser
WEAK = "您好，感谢您的留言，已整改。"  # 14 characters, and "fixed" without saying what was done


@pytest.fixture()
def served(committed_app):
    committed_app.config["WTF_CSRF_ENABLED"] = True
    session = db.session
    factory = Factory(session)
    site = factory.site(host="www.lint.gd.gov.cn", name="答复检查测试市人民政府网站")
    factory.user("organiser", org=session.get(Organisation, site.organiser_id), email="org@lint.gov.cn")
    factory.user("supervisor", org=session.get(Organisation, site.supervisor_id), email="sup@lint.gov.cn")
    factory.user("admin", email="admin@lint.gov.cn")
    case = factory.case(site=site, page_url="https://www.lint.gd.gov.cn/bszn/index.html", category=4,
                        description="办事指南中“帐号”应为“账号”。")
    number = case.tracking_number
    session.commit()
    with serving(committed_app) as url:
        yield url, number


def _rules(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} li[data-rule]", "items => items.map(i => i.dataset.rule)")


def test_organiser_is_warned_confirms_and_reviewer_sees_the_warnings(served, chromium):
    base, number = served
    organiser = log_in(chromium, base, "org@lint.gov.cn")
    organiser.goto(f"{base}/cases/{number}")
    organiser.wait_for_selector("#form-answer")
    assert organiser.is_visible("#answer-check") and not organiser.is_visible("#answer-confirm")
    check_page(organiser, "lint-organiser-form")

    organiser.fill("#answer-text", WEAK)
    organiser.check("#form-answer input[value=fixed]")  # no outcome is pre-selected
    with organiser.expect_navigation():
        organiser.click("#answer-check")
    assert _rules(organiser, "#answer-lint") == ["too_short", "fixed_without_action"]
    lint_text = organiser.inner_text("#answer-lint")
    assert "答复过短（少于15字）" in lint_text
    assert "没有写明做了什么" in lint_text
    assert organiser.input_value("#answer-text") == WEAK
    assert organiser.is_visible("#answer-confirm")
    check_page(organiser, "lint-organiser-warned")

    # the plain submit is refused while the warnings stand: they are shown again, nothing is sent
    with organiser.expect_navigation():
        organiser.click("#form-answer button[type=submit]:not([name])")
    assert "答复检查有提示" in organiser.inner_text("#err-answer")
    assert organiser.is_visible(".state-assigned")
    check_page(organiser, "lint-organiser-refused")

    with organiser.expect_navigation():
        organiser.click("#answer-confirm")
    organiser.wait_for_selector(".state-in_review")
    assert organiser.is_visible("#answer-lint-recorded")
    check_page(organiser, "lint-organiser-sent")

    reviewer = log_in(chromium, base, "sup@lint.gov.cn")
    assert reviewer.url.endswith("/supervise")
    queued = f'.lint-recorded[data-case="{number}"]'
    assert _rules(reviewer, queued) == _rules(organiser, "#answer-lint-recorded")
    assert "答复过短" in reviewer.inner_text(queued) and "已整改但未写明做了什么" in reviewer.inner_text(queued)
    check_page(reviewer, "lint-reviewer-queue")

    reviewer.goto(f"{base}/cases/{number}")
    assert "已整改但未写明做了什么" in reviewer.inner_text("#answer-lint-recorded")
    assert reviewer.is_visible("#form-approve") and reviewer.is_visible("#form-reject")
    check_page(reviewer, "lint-reviewer-case")

    # the reviewer sends it back; the organiser writes a proper answer; the reviewer approves it
    reviewer.fill("#reject-reason", "请写明更正了哪些文字。")
    with reviewer.expect_navigation():
        reviewer.click("#form-reject button[type=submit]")
    organiser.goto(f"{base}/cases/{number}")
    organiser.fill("#answer-text", "经核实，已将办事指南中的“帐号”更正为“账号”，并核对了同栏目其他页面。")
    organiser.check("#form-answer input[value=fixed]")  # no outcome is pre-selected
    with organiser.expect_navigation():
        organiser.click("#answer-check")
    assert organiser.inner_text("#answer-lint").strip() == "答复检查未发现问题。"
    with organiser.expect_navigation():
        organiser.click("#form-answer button[type=submit]:not([name])")
    organiser.wait_for_selector(".state-in_review")
    reviewer.goto(f"{base}/supervise")
    assert reviewer.locator(queued).count() == 0  # the latest answer triggered nothing
    with reviewer.expect_navigation():
        reviewer.click(f'form[action="/cases/{number}/act/approve"] button')

    # the report's final-review table: two answers sent to review, one sent back
    reviewer.wait_for_timeout(1100)  # the report is as of now to the second: let the approval's second pass
    reviewer.goto(f"{base}/supervise/report")
    row = '#review-table tr[data-total="1"]'
    cells = reviewer.eval_on_selector_all(f"{row} td", "tds => tds.map(td => [td.dataset.field, td.innerText])")
    # received, answered and approved today: 0 working days in review, and no time to share out (—)
    assert dict(cells) == {"review_avg_workdays": "0.0", "review_p90_workdays": "0", "review_share": "—",
                           "submitted": "2", "sent_back": "1", "reject_rate": "50.0%"}
    assert "提交审核2次，驳回1次，驳回率50.0%。" in reviewer.inner_text("#review-summary")
    check_page(reviewer, "lint-reviewer-report")


def test_admin_switches_a_rule_off_and_sets_the_length(served, chromium):
    base, number = served
    admin = log_in(chromium, base, "admin@lint.gov.cn")
    admin.goto(f"{base}/admin/lint")
    assert admin.eval_on_selector_all("#lint-form tr[data-rule]", "rs => rs.map(r => r.dataset.rule)") == [
        "too_short", "courtesy_only", "fixed_without_action", "explained_without_reason", "personal_data",
        "contradicts_probe"]
    assert admin.input_value("#too_short-min_length") == "15"
    check_page(admin, "lint-admin-rules")
    admin.uncheck("#courtesy_only-enabled")
    admin.fill("#too_short-min_length", "10")
    with admin.expect_navigation():
        admin.click("#lint-form button[type=submit]")
    assert "已保存" in admin.inner_text("main")
    assert not admin.is_checked("#courtesy_only-enabled") and admin.is_checked("#too_short-enabled")
    assert admin.input_value("#too_short-min_length") == "10"
    check_page(admin, "lint-admin-saved")

    organiser = log_in(chromium, base, "org@lint.gov.cn")
    organiser.goto(f"{base}/cases/{number}")
    organiser.fill("#answer-text", "感谢您的留言，感谢您的支持。")  # 14 characters, only formulas
    organiser.check("#form-answer input[value=fixed]")  # no outcome is pre-selected
    with organiser.expect_navigation():
        organiser.click("#answer-check")
    rules = organiser.eval_on_selector_all("#answer-lint li[data-rule]", "items => items.map(i => i.dataset.rule)")
    assert rules == ["fixed_without_action"]  # not too short at 10; the courtesy rule is off
