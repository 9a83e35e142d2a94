"""The answer lint: each rule fires on a weak answer and stays quiet on a good one; the rules are
switched and tuned by their rows; the operation records what fired, and refuses only when asked."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from tracker.cases import lint
from tracker.cases import operations as ops
from tracker.cases.lint import Draft
from tracker.cases.models import CaseEvent
from tracker.errors import InvalidInput
from tracker.i18n import in_language

GOOD_FIXED = "经核实，您反映的办事指南已更新为2024年版本，并核对了栏目中的其他链接。"
GOOD_EXPLAINED = "经核实，该页面因系统迁移于当日暂停访问，现已恢复正常，不属于网站错误。"


def codes(draft: Draft, settings=None) -> list[str]:
    return [f.code for f in lint.lint(draft, settings)]


@dataclass
class Check:
    """A page check as the evidence package stores it (only what the rule reads)."""

    status: int | None
    error: str | None = None
    text_hash: str | None = None
    title: str | None = None


def test_good_answers_trigger_nothing(app):
    assert codes(Draft(GOOD_FIXED, "fixed", 1)) == []
    assert codes(Draft(GOOD_EXPLAINED, "explained", 0)) == []


@pytest.mark.parametrize("text, fires", [
    ("已处理。", True),
    ("已更新。感谢您的监督！！", True),          # 11 characters
    ("您好 已 更 新 了", True),                   # spaces are not characters
    ("已更新办事指南中的材料清单和办理时限。", False),  # 19
    ("一二三四五六七八九十一二三四五", False),      # exactly 15
])
def test_too_short(app, text, fires):
    assert ("too_short" in codes(Draft(text, "fixed"))) is fires


def test_too_short_takes_its_length_from_the_row(app):
    text = "已更新办事指南中的材料清单和办理时限。"  # 19 characters
    assert "too_short" in codes(Draft(text, "fixed"), {"too_short": (True, {"min_length": 20})})
    assert "too_short" not in codes(Draft(text, "fixed"), {"too_short": (True, {"min_length": 19})})
    message = lint.lint(Draft("短", "fixed"), {"too_short": (True, {"min_length": 20})})[0].message
    assert in_language(message, "zh") == "答复过短（少于20字）：请写明核实和处理的情况。"
    assert in_language(message, "en") == ("The answer is too short (under 20 characters): "
                                          "say what was checked and what was done.")


@pytest.mark.parametrize("text, fires", [
    ("感谢您的留言", True),
    ("  感谢您的留言！ ", True),
    ("网友您好：感谢您的留言，感谢您对我们工作的支持。谢谢！", True),
    ("您好，感谢您的来信。\u200b", True),
    ("感谢您的留言，页面已更新。", False),
    ("张平网友您好：感谢您的留言", False),  # a name is not a formula (the personal-data rule sees it)
])
def test_courtesy_only(app, text, fires):
    assert ("courtesy_only" in codes(Draft(text, "explained"))) is fires


@pytest.mark.parametrize("text, outcome, fires", [
    ("您反映的问题已整改完毕，感谢您的监督与支持。", "fixed", True),
    ("经核实，问题属实，我单位已处理完毕，感谢监督。", "fixed", True),
    ("经核实，已将页面中的错别字“帐号”更正为“账号”。", "fixed", False),
    ("链接已恢复，您可以正常访问该页面了，谢谢。", "fixed", False),
    ("您反映的问题已整改完毕，感谢您的监督与支持。", "explained", False),  # the rule is about "fixed"
])
def test_fixed_without_action(app, text, outcome, fires):
    assert ("fixed_without_action" in codes(Draft(text, outcome))) is fires


@pytest.mark.parametrize("text, outcome, fires", [
    ("您好，您反映的情况我们已知悉，感谢您的关注与支持。", "explained", True),
    ("该栏目的内容我们会持续关注，谢谢您的反馈和建议。", "explained", True),
    ("经核实，该通知按照省里的规定只公开摘要，全文不予公开。", "explained", False),
    ("由于服务器升级，该页面曾短暂无法访问，现已正常。", "explained", False),
    ("您好，您反映的情况我们已知悉，感谢您的关注与支持。", "fixed", False),  # about "explained"
])
def test_explained_without_reason(app, text, outcome, fires):
    assert ("explained_without_reason" in codes(Draft(text, outcome))) is fires


@pytest.mark.parametrize("text, names, fires", [
    ("经核实，页面已更新，如有疑问请拨打13912345678咨询。", (), True),
    ("经核实，页面已更新，详情可发邮件至 zhangsan@163.com 咨询。", (), True),
    ("经核实，您身份证号110101199001011234的办件已更新。", (), True),
    ("张平网友：您好！经核实，页面已更新为最新版本。", (), True),        # a salutation's name
    ("经核实，已按李建国同志的意见更新页面内容。", ("李建国",), True),  # the reporter's own name
    ("经核实，页面已更新，咨询电话：12345。", (), False),               # a hotline is no personal data
    ("经核实，2024年4月30日已更新页面，文号JY22101010000431。", (), False),
])
def test_personal_data_by_the_masking_rules(app, text, names, fires):
    assert ("personal_data" in codes(Draft(text, "fixed", names=names))) is fires


def test_contradicts_probe_reads_the_checks(app):
    fails = [Check(404, title="404 Not Found", text_hash="a"), Check(404, title="404 Not Found", text_hash="a")]
    refused = [Check(200, text_hash="a"), Check(None, error="ConnectError")]
    same = [Check(200, text_hash="h1", title="通知"), Check(200, text_hash="h1", title="通知")]
    changed = [Check(200, text_hash="h1"), Check(200, text_hash="h2")]
    # "fixed", but the page still fails
    assert "contradicts_probe" in codes(Draft(GOOD_FIXED, "fixed", 0, fails))
    assert "contradicts_probe" in codes(Draft(GOOD_FIXED, "fixed", 2, refused))
    # "explained" for an unreachable page that is still unreachable
    assert "contradicts_probe" in codes(Draft(GOOD_EXPLAINED, "explained", 0, fails))
    # "fixed" for a page not updated or a typo, and not one character of the page changed
    assert "contradicts_probe" in codes(Draft(GOOD_FIXED, "fixed", 1, same))
    assert "contradicts_probe" in codes(Draft(GOOD_FIXED, "fixed", 4, same))
    # quiet: the text changed; no checks; a category the text says nothing of; explained, other category
    assert "contradicts_probe" not in codes(Draft(GOOD_FIXED, "fixed", 1, changed))
    assert "contradicts_probe" not in codes(Draft(GOOD_FIXED, "fixed", 1, []))
    assert "contradicts_probe" not in codes(Draft(GOOD_FIXED, "fixed", 2, same))
    assert "contradicts_probe" not in codes(Draft(GOOD_EXPLAINED, "explained", 2, fails))
    message = lint.lint(Draft(GOOD_FIXED, "fixed", 0, refused))[0].message
    assert in_language(message, "zh") == "答复与页面检查结果不符：最近一次页面检查仍无法访问（ConnectError）"


def test_contradicts_probe_asks_the_hook(app, monkeypatch):
    """The evidence package's own rule, once it is put in the hook, is what decides."""
    seen = []
    monkeypatch.setattr(lint, "probe_warnings", lambda checks, category, outcome: seen.append(
        (checks, category, outcome)) or ["收到时：404 · 答复时：404"])
    found = lint.lint(Draft(GOOD_FIXED, "fixed", 0, [Check(404)]))
    assert [f.code for f in found] == ["contradicts_probe"] and seen[0][1:] == (0, "fixed")
    assert in_language(found[0].message, "en") == "The answer contradicts the page checks: 收到时：404 · 答复时：404"


def test_every_rule_has_a_message_in_both_languages(app):
    drafts = {"too_short": Draft("短", "fixed"), "courtesy_only": Draft("感谢您的留言", "fixed"),
              "fixed_without_action": Draft("已整改。", "fixed"),
              "explained_without_reason": Draft("已知悉。", "explained"),
              "personal_data": Draft("请拨打13912345678", "fixed"),
              "contradicts_probe": Draft("已修改", "fixed", 0, [Check(500)])}
    assert set(drafts) == set(lint.RULES)
    for code, draft in drafts.items():
        message = next(f.message for f in lint.lint(draft) if f.code == code)
        zh, en = in_language(message, "zh"), in_language(message, "en")
        assert zh and en and zh != en, code
        assert in_language(lint.RULES[code].name, "zh") != in_language(lint.RULES[code].name, "en")


def test_a_rule_switched_off_is_silent(app, session):
    assert "courtesy_only" in codes(Draft("感谢您的留言", "fixed"), lint.settings(session))
    lint.set_rule(session, "courtesy_only", enabled=False)
    lint.set_rule(session, "too_short", enabled=True, params={"min_length": 3})
    settings = lint.settings(session)
    assert settings["courtesy_only"] == (False, {}) and settings["too_short"] == (True, {"min_length": 3})
    assert codes(Draft("感谢您的留言", "fixed"), settings) == ["fixed_without_action"]
    with pytest.raises(InvalidInput):
        lint.set_rule(session, "no_such_rule", enabled=True)


def _answer_event(session, case) -> CaseEvent:
    return session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "answer")
                        .order_by(CaseEvent.id.desc())).first()


def test_the_answer_event_records_the_rules_it_triggered(app, session, factory):
    case = factory.case(contact_name="王小明")
    staff = factory.actor("organiser", org=factory.session.get(type(factory.province()), case.organiser_id))
    ops.answer(session, case, staff, text="王小明网友您好，已处理。", outcome="fixed")
    assert _answer_event(session, case).data["lint"] == ["too_short", "fixed_without_action", "personal_data"]
    assert [f.code for f in lint.answer_findings(session, [case.id])[case.id]] == [
        "too_short", "fixed_without_action", "personal_data"]


def test_unconfirmed_weak_answer_is_refused_with_the_rules(app, session, factory):
    case = factory.case()
    staff = factory.actor("organiser", org=factory.session.get(type(factory.province()), case.organiser_id))
    with pytest.raises(InvalidInput) as refused:
        ops.answer(session, case, staff, text="感谢您的留言", outcome="explained", confirmed=False)
    assert refused.value.fields == {"lint": ["too_short", "courtesy_only", "explained_without_reason"]}
    assert case.state == "assigned" and _answer_event(session, case) is None
    ops.answer(session, case, staff, text=GOOD_FIXED, outcome="fixed", confirmed=False)  # nothing to confirm
    assert case.state == "in_review" and _answer_event(session, case).data["lint"] == []
    assert lint.answer_findings(session, [case.id]) == {}


@pytest.mark.parametrize("record, text, outcome, category, expected", [
    # answers published by the national platform (2023-07 to 2024-02), by the record's id
    (289987, "您好，您的问题已电话答复。", "fixed", 10, ["too_short", "fixed_without_action"]),
    (291690, "感谢您对我们工作的关注和支持。", "fixed", 6, ["courtesy_only", "fixed_without_action"]),
    (290729, "链接错误，现已调整正确。", "fixed", 0, ["too_short"]),
    (290195, "网友您好！已与您电话沟通，您的问题已解决。感谢对教育部政府门户网站的关注与支持！", "explained", 1,
     ["explained_without_reason"]),
])
def test_real_answers_from_the_public_records(app, record, text, outcome, category, expected):
    assert codes(Draft(text, outcome, category)) == expected
