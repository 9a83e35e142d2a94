"""Answer lint: simple, explainable rules that flag a weak public answer before it is sent and
before the final review (终审).

Each rule is a pure function of the answer (:class:`Draft`: text, outcome, category, the case's
page checks and the reporter's name) and its parameters, and says why it fired in a message that
the organiser and the reviewer read (Chinese, English through gettext). The rules are data too:
the ``lint_rule`` table (:class:`tracker.cases.models.LintRule`) switches each on or off and holds
its parameters; a rule without a row is on with its defaults. An answer's findings warn, they
do not forbid: the organiser confirms (仍然提交) to send it anyway, and the answer's event records
the codes of the rules it triggered (:class:`tracker.cases.history.Answered`).

| code | fires when |
|---|---|
| ``too_short`` | fewer than ``min_length`` (15) characters, not counting spaces |
| ``courtesy_only`` | nothing but courtesy formulas ("感谢您的留言"), punctuation and spaces aside |
| ``fixed_without_action`` | outcome fixed, and no word says what was done or how the page is now (修改, 正常访问 …) |
| ``explained_without_reason`` | outcome explained, and no word gives a reason (因, 由于, 经核实, 根据 …) |
| ``personal_data`` | the masking rules of :mod:`tracker.cases.masking` would mask something |
| ``contradicts_probe`` | the page checks say otherwise (:data:`probe_warnings`) |
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.cases import history
from tracker.cases.history import Action
from tracker.cases.masking import mask_personal_data
from tracker.cases.models import Case, CaseEvent, LintRule
from tracker.cases.states import Outcome
from tracker.cases.validation import INVISIBLE
from tracker.errors import InvalidInput
from tracker.i18n import joined

#: category codes of the national platform that a page check can speak to
UNREACHABLE, NOT_UPDATED, TYPO = 0, 1, 4

COURTESY_FORMULAS = (
    "尊敬的网友", "网友您好", "网友你好", "您好", "你好", "感谢您的留言", "感谢您的来信", "感谢您的反馈",
    "感谢您的关注和支持", "感谢您的关注", "感谢您的支持", "感谢您的监督", "感谢您对我们工作的关注和支持",
    "感谢您对我们工作的支持", "感谢您对我们工作的关注", "谢谢您的留言", "谢谢您的反馈", "非常感谢", "感谢",
    "谢谢", "欢迎继续监督", "欢迎您继续关注", "祝您生活愉快", "祝您工作顺利", "此致敬礼",
)
#: words that say what was done to fix a page
ACTION_WORDS = (
    "修改", "更正", "更新", "修复", "恢复", "删除", "补充", "调整", "替换", "上传", "发布", "完善", "纠正",
    "撤下", "撤除", "下线", "迁移", "增加", "添加", "改为", "修正", "重新", "优化", "上线", "改正", "补正",
    "关停", "撤销", "正常访问", "可正常", "能正常",
)
#: words that give a reason
REASON_WORDS = (
    "因", "由于", "原因", "属于", "根据", "按照", "依据", "规定", "经核实", "经核查", "经查", "核实",
    "并非", "不是", "正常", "是指", "为了", "目的是", "所以", "不属",
)


@dataclass(frozen=True)
class Draft:
    """An answer as the rules read it. ``checks`` are the case's page checks, oldest first (each
    with ``status``, ``error``, ``text_hash`` and ``title``); ``names`` are known personal names."""

    text: str
    outcome: str
    category: int | None = None
    checks: Sequence = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A rule that fired, and why (a lazy string, read in the reader's language)."""

    code: str
    message: object


@dataclass(frozen=True)
class Rule:
    code: str
    #: what the rule checks, for the admin page
    name: object
    #: ``(draft, params) -> message or None``
    test: Callable[[Draft, dict], object | None]
    defaults: dict = field(default_factory=dict)


def _bare(text: str) -> str:
    """``text`` without spaces, punctuation, symbols and invisible characters, NFKC-normalised."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "")
                   if ch not in INVISIBLE and unicodedata.category(ch)[0] not in "PSZC")


def _too_short(draft: Draft, params: dict):
    least = int(params.get("min_length", 15))
    if len("".join((draft.text or "").split())) < least:
        return _l("答复过短（少于%(n)s字）：请写明核实和处理的情况。", n=least)
    return None


def _courtesy_only(draft: Draft, params: dict):
    rest = bare = _bare(draft.text)
    for formula in sorted(COURTESY_FORMULAS, key=len, reverse=True):
        rest = rest.replace(formula, "")
    if bare and not rest:
        return _l("答复只有客套话（如“感谢您的留言”）：请答复网民反映的问题。")
    return None


def _fixed_without_action(draft: Draft, params: dict):
    if draft.outcome == Outcome.fixed and not any(word in draft.text for word in ACTION_WORDS):
        return _l("结果为“属实已整改”，但答复没有写明做了什么（如已修改、已更新、已恢复）。")
    return None


def _explained_without_reason(draft: Draft, params: dict):
    if draft.outcome == Outcome.explained and not any(word in draft.text for word in REASON_WORDS):
        return _l("结果为“已核实说明”，但答复没有说明原因。")
    return None


def _personal_data(draft: Draft, params: dict):
    shown = "".join(ch for ch in draft.text or "" if ch not in INVISIBLE)
    if mask_personal_data(draft.text, draft.names) != shown:
        return _l("答复中有个人信息（电话、身份证号、邮箱或姓名），公开时会被遮盖：请删去。")
    return None


def _failed(check) -> bool:
    status = getattr(check, "status", None)
    return bool(getattr(check, "error", None)) or status is None or status >= 400


def _probe_contradictions(checks: Sequence, category: int | None, outcome: str) -> list:
    """What the page checks (oldest first) say against the answer's claim: the page still fails
    after "fixed", or after "explained" for an unreachable page; or its text has not changed since
    intake after "fixed" for a page not updated or a typo."""
    if not checks:
        return []
    first, latest = checks[0], checks[-1]
    found = []
    if _failed(latest) and (outcome == Outcome.fixed or (outcome == Outcome.explained and category == UNREACHABLE)):
        found.append(_l("最近一次页面检查仍无法访问（%(status)s）", status=getattr(latest, "error", None)
                        or getattr(latest, "status", None) or "—"))
    elif (outcome == Outcome.fixed and category in (NOT_UPDATED, TYPO) and len(checks) > 1
          and getattr(latest, "text_hash", None) and getattr(first, "text_hash", None) == latest.text_hash):
        found.append(_l("页面文字与收到留言时完全相同"))
    return found


#: ``(checks, category, outcome) -> [warning]``: what the page checks say against an answer. The
#: evidence package puts its own rule here when it is loaded.
probe_warnings: Callable[[Sequence, int | None, str], list] = _probe_contradictions


def _no_checks(session: Session, case: Case) -> list:
    return []


#: ``(session, case) -> [page check]``, oldest first: the evidence package puts its reader here.
page_checks: Callable[[Session, Case], list] = _no_checks


def _contradicts_probe(draft: Draft, params: dict):
    warnings = probe_warnings(list(draft.checks), draft.category, draft.outcome)
    if warnings:
        return _l("答复与页面检查结果不符：%(details)s", details=joined(_l("；"), warnings))
    return None


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("too_short", _l("答复过短"), _too_short, {"min_length": 15}),
    Rule("courtesy_only", _l("只有客套话"), _courtesy_only),
    Rule("fixed_without_action", _l("已整改但未写明做了什么"), _fixed_without_action),
    Rule("explained_without_reason", _l("已说明但未给出原因"), _explained_without_reason),
    Rule("personal_data", _l("公开答复含个人信息"), _personal_data),
    Rule("contradicts_probe", _l("与页面检查结果不符"), _contradicts_probe),
)}


def settings(session: Session) -> dict[str, tuple[bool, dict]]:
    """Each rule's switch and parameters: its row in ``lint_rule``, or on with its defaults."""
    rows = {row.code: row for row in session.exec(select(LintRule))}
    return {code: (rows[code].enabled, {**rule.defaults, **(rows[code].params or {})}) if code in rows
            else (True, dict(rule.defaults)) for code, rule in RULES.items()}


def lint(draft: Draft, rule_settings: dict[str, tuple[bool, dict]] | None = None) -> list[Finding]:
    """The findings of the rules switched on in ``rule_settings`` (all, with defaults, when None)."""
    found = []
    for code, rule in RULES.items():
        enabled, params = (rule_settings or {}).get(code, (True, rule.defaults))
        if enabled:
            message = rule.test(draft, params)
            if message is not None:
                found.append(Finding(code, message))
    return found


def lint_answer(session: Session, case: Case, *, text: str, outcome: str) -> list[Finding]:
    """The findings for ``text`` as an answer to ``case`` with ``outcome``, by the rules in force."""
    draft = Draft(text=(text or "").strip(), outcome=outcome, category=case.category_code,
                  checks=page_checks(session, case),
                  names=(case.contact_name,) if case.contact_name else ())
    return lint(draft, settings(session))


def findings_of(codes: Sequence[str]) -> list[Finding]:
    """The findings recorded as ``codes`` (an answer event's), with each rule's name as message."""
    return [Finding(code, RULES[code].name if code in RULES else code) for code in codes or ()]


def set_rule(session: Session, code: str, *, enabled: bool, params: dict | None = None) -> LintRule:
    """Switch a rule on or off, and set its parameters (admins)."""
    if code not in RULES:
        raise InvalidInput(_l("没有这条检查规则。"), fields={"code": [code[:40]]})
    row = session.get(LintRule, code) or LintRule(code=code, params=dict(RULES[code].defaults))
    row.enabled = enabled
    if params is not None:
        row.params = {**RULES[code].defaults, **params}
    session.add(row)
    session.flush()
    return row


def answer_findings(session: Session, case_ids: Sequence[int]) -> dict[int, list[Finding]]:
    """The rules each case's latest answer triggered, as recorded in its event, by case id (one
    query on the event index); cases whose latest answer triggered none are left out."""
    if not case_ids:
        return {}
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id.in_(list(case_ids)),
                                                  CaseEvent.action == Action.answer.value)
                          .order_by(CaseEvent.case_id, CaseEvent.id)).all()
    latest = {event.case_id: event for event in events}
    found = {case_id: findings_of(getattr(history.read(event), "lint", [])) for case_id, event in latest.items()}
    return {case_id: findings for case_id, findings in found.items() if findings}
