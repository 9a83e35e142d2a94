"""What the page checks say about a "fixed" answer: the warnings, and a short diff of the text.

Pure: checks in (any objects with the :class:`~tracker.evidence.models.PageCheck` fields),
warnings out. The reviewer's queue, the case page, the history event and the answer rules all
read them here.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: the categories whose claim a check can test (the national platform's codes and names)
UNREACHABLE = 0  # 内容无法访问
NOT_UPDATED = 1  # 信息不更新
TYPO = 4  # 错别字
_NAMES = {"内容无法访问": UNREACHABLE, "信息不更新": NOT_UPDATED, "错别字": TYPO}
FIXED = "fixed"
#: reasons of the checks that can stand for the page after the answer
AFTER_REASONS = ("answer", "manual")

STILL_FAILS = "still_fails"
UNCHANGED = "unchanged"

MESSAGES = {
    STILL_FAILS: _l("答复称已整改，但答复时页面仍无法访问。"),
    UNCHANGED: _l("答复称已整改，但页面文字与收到时完全相同。"),
}


@dataclass(frozen=True)
class ProbeWarning:
    """One warning: a stable ``code`` (recorded in events) and its message (a lazy string)."""

    code: str
    message: object

    def __str__(self) -> str:
        return str(self.message)


def _category(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isdigit() else _NAMES.get(text)
    return None


def _ok(check) -> bool:
    return check.error is None and check.status is not None and 200 <= check.status < 300


def _done(check) -> bool:
    return check.error != "pending"


def pair(checks) -> tuple[object | None, object | None]:
    """The check on intake (the first one made) and the latest check made on or after the answer
    (reason ``answer`` or ``manual``), from ``checks`` in the order they were made."""
    done = [c for c in checks if _done(c)]
    before = next((c for c in done if c.reason == "intake"), done[0] if done else None)
    after = next((c for c in reversed(done) if c is not before and c.reason in AFTER_REASONS), None)
    return before, after


def probe_warnings(checks, category, outcome) -> list[ProbeWarning]:
    """The warnings on an answer of ``outcome`` to a case of ``category`` (code or Chinese name),
    given its page ``checks`` (oldest first):

    - ``still_fails``: the case says the page cannot be reached (内容无法访问), the answer says
      it is fixed, and the check made on the answer still gets no success status;
    - ``unchanged``: the case says the page is out of date (信息不更新) or has a typo (错别字),
      the answer says it is fixed, and the page text has the same hash as on intake.

    None without a check made on the answer. A warning never blocks anything."""
    if outcome != FIXED:
        return []
    before, after = pair(checks)
    if after is None:
        return []
    code = _category(category)
    warnings = []
    if code == UNREACHABLE and not _ok(after):
        warnings.append(ProbeWarning(STILL_FAILS, MESSAGES[STILL_FAILS]))
    if (code in (NOT_UPDATED, TYPO) and before is not None and before.text_hash
            and before.text_hash == after.text_hash):
        warnings.append(ProbeWarning(UNCHANGED, MESSAGES[UNCHANGED]))
    return warnings


def short_diff(before: str | None, after: str | None, *, limit: int = 5, width: int = 60) -> list[tuple[str, str]]:
    """Up to ``limit`` changes from ``before`` to ``after`` as (removed, added) snippets of at most
    ``width`` characters; empty when either text is missing (the page was too long to keep) or
    they are equal."""
    if not before or not after or before == after:
        return []
    changes = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changes.append((before[i1:i2][:width], after[j1:j2][:width]))
        if len(changes) == limit:
            break
    return changes


#: what went wrong, by error code
ERROR_NAMES = {
    "pending": _l("检查中"),
    "refused": _l("地址不在允许检查的范围内"),
    "invalid_url": _l("地址无效"),
    "dns_error": _l("域名无法解析"),
    "connect_error": _l("无法连接"),
    "tls_error": _l("证书或加密连接错误"),
    "timeout": _l("超时"),
    "too_many_redirects": _l("重定向次数过多"),
    "protocol_error": _l("响应无法读取"),
}
REASON_NAMES = {"intake": _l("收到时"), "answer": _l("答复时"), "manual": _l("人工检查")}


def describe(check) -> str:
    """One line on what a check found: ``404 Not Found``, ``200，标题「…」``, or what went wrong."""
    if check is None:
        return _("尚未检查")
    if check.error:
        return str(ERROR_NAMES.get(check.error, check.error))
    if check.status is not None and 200 <= check.status < 300:
        return _("%(status)s，标题「%(title)s」", status=check.status, title=check.title or "—")
    return f"{check.status} {check.status_text or ''}".strip()
