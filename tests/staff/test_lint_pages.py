"""The answer lint over HTTP: the organiser checks an answer and must confirm a weak one; the
reviewer reads what it triggered on the review queue, the case page and the API; admins switch the
rules on the admin page."""
from __future__ import annotations

import re

from sqlmodel import select

from tests.staff.conftest import sign_in
from tracker.cases.models import Case, CaseEvent, LintRule
from tracker.users.operations import create_token

WEAK = "感谢您的留言"
GOOD = "经核实，您反映的办事指南已更新为2024年版本，并核对了栏目中的其他链接。"


def _case(session, number) -> Case:
    session.expire_all()
    return session.exec(select(Case).where(Case.tracking_number == number)).one()


def _rules(page: str) -> list[str]:
    return re.findall(r'<li data-rule="([a-z_]+)"', page)


def test_check_shows_the_warnings_and_keeps_the_text_and_outcome(client, world, session):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    page = client.get(f"/cases/{number}").text
    assert 'id="answer-check"' in page and 'id="answer-confirm"' not in page and 'id="answer-lint"' not in page
    checked = client.post(f"/cases/{number}/act/answer", data={"text": WEAK, "outcome": "explained", "check": "1"})
    assert checked.status_code == 200
    assert _rules(checked.text) == ["too_short", "courtesy_only", "explained_without_reason"]
    assert "答复只有客套话（如“感谢您的留言”）：请答复网民反映的问题。" in checked.text
    assert f">{WEAK}</textarea>" in checked.text
    assert 'value="explained" checked' in checked.text and 'value="fixed" checked' not in checked.text
    assert 'id="answer-confirm"' in checked.text
    assert _case(session, number).state == "assigned"  # a check writes nothing
    clean = client.post(f"/cases/{number}/act/answer", data={"text": GOOD, "outcome": "fixed", "check": "1"})
    assert clean.status_code == 200 and "答复检查未发现问题。" in clean.text and _rules(clean.text) == []
    assert 'id="answer-confirm"' not in clean.text


def test_check_reads_in_english(client, world):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    client.get(f"/cases/{number}?lang=en")
    checked = client.post(f"/cases/{number}/act/answer", data={"text": "已整改。", "outcome": "fixed", "check": "1"})
    assert "The outcome is “fixed”, but the answer does not say what was done" in checked.text
    assert "Submit anyway" in checked.text and "Check answer" in checked.text


def test_a_weak_answer_needs_confirmation_and_the_reviewer_sees_its_warnings(client, world, session):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    refused = client.post(f"/cases/{number}/act/answer", data={"text": WEAK, "outcome": "fixed"})
    assert refused.status_code == 422
    assert "答复检查有提示：请修改答复，或确认仍然提交。" in refused.text
    assert _rules(refused.text) == ["too_short", "courtesy_only", "fixed_without_action"]
    assert f">{WEAK}</textarea>" in refused.text and 'id="answer-confirm"' in refused.text
    assert _case(session, number).state == "assigned"

    sent = client.post(f"/cases/{number}/act/answer", data={"text": WEAK, "outcome": "fixed", "confirm": "1"})
    assert sent.status_code == 302
    case = _case(session, number)
    assert case.state == "in_review" and case.answer == WEAK
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "answer")).one()
    assert event.data["lint"] == ["too_short", "courtesy_only", "fixed_without_action"]

    sign_in(client, world.supervisor)
    queue = client.get("/supervise").text
    block = re.search(rf'<div class="lint-result lint-recorded" data-case="{number}">(.*?)</div>', queue, re.S)
    assert block and _rules(block.group(1)) == ["too_short", "courtesy_only", "fixed_without_action"]
    assert "只有客套话" in block.group(1) and "已整改但未写明做了什么" in block.group(1)
    page = client.get(f"/cases/{number}").text
    assert 'id="answer-lint-recorded"' in page
    assert _rules(page) == ["too_short", "courtesy_only", "fixed_without_action"]


def test_a_good_answer_goes_straight_to_review_without_warnings(client, world, session):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    assert client.post(f"/cases/{number}/act/answer", data={"text": GOOD, "outcome": "fixed"}).status_code == 302
    assert _case(session, number).state == "in_review"
    sign_in(client, world.supervisor)
    assert number in client.get("/supervise").text
    assert 'lint-recorded' not in client.get("/supervise").text


def test_admins_switch_rules_and_set_the_length(client, world, session):
    sign_in(client, world.organiser_a)
    assert client.get("/admin/lint").status_code in (302, 403)
    sign_in(client, world.admin)
    page = client.get("/admin/lint").text
    assert page.count('type="checkbox"') == 6 and 'value="15"' in page
    form = {f"{code}-enabled": "on" for code in ("too_short", "fixed_without_action", "explained_without_reason",
                                                 "personal_data", "contradicts_probe")}
    bad = client.post("/admin/lint", data={**form, "too_short-min_length": "0"})
    assert bad.status_code == 422 and "最少字数应为1到500。" in bad.text
    assert client.post("/admin/lint", data={**form, "too_short-min_length": "4"}).status_code == 302
    session.expire_all()
    rows = {r.code: (r.enabled, r.params) for r in session.exec(select(LintRule))}
    assert rows["courtesy_only"][0] is False and rows["too_short"] == (True, {"min_length": 4})
    page = client.get("/admin/lint").text
    assert 'id="courtesy_only-enabled" name="courtesy_only-enabled" aria-label' in page
    assert re.search(r'id="courtesy_only-enabled"[^>]*checked', page) is None and 'value="4"' in page

    sign_in(client, world.organiser_a)
    checked = client.post(f"/cases/{world.case_a.tracking_number}/act/answer",
                          data={"text": WEAK, "outcome": "fixed", "check": "1"})
    assert _rules(checked.text) == ["fixed_without_action"]  # 6 characters ≥ 4; courtesy rule off


def test_the_api_records_the_rules_and_refuses_only_when_asked(client, world, session):
    token = create_token(session, world.organiser_a, name="test")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    number = world.case_a.tracking_number
    url = f"/api/v1/cases/{number}/actions/answer"
    refused = client.post(url, json={"text": "已整改。", "outcome": "fixed", "confirm": False}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["lint"] == ["too_short", "fixed_without_action"]
    assert _case(session, number).state == "assigned"
    sent = client.post(url, json={"text": "已整改。", "outcome": "fixed"}, headers=headers)
    assert sent.status_code == 200
    body = sent.get_json()
    assert body["state"] == "in_review"
    assert [f["code"] for f in body["answer_lint"]] == ["too_short", "fixed_without_action"]
    assert body["answer_lint"][0]["message"] == "答复过短"
