"""``probe_warnings``: what two checks say about a "fixed" answer (a pure function, also used by the
answer rules), and the short diff of a small page."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tracker.evidence.warnings import probe_warnings, short_diff


def check(reason, status=200, error=None, text_hash="a"):
    return SimpleNamespace(reason=reason, status=status, error=error, text_hash=text_hash)


def codes(*args):
    return [w.code for w in probe_warnings(*args)]


@pytest.mark.parametrize("category", [0, "0", "内容无法访问"])
@pytest.mark.parametrize("after", [check("answer", 404), check("answer", None, "timeout"),
                                   check("manual", 500), check("answer", None, "tls_error")])
def test_unreachable_and_still_failing(category, after):
    assert codes([check("intake", 404), after], category, "fixed") == ["still_fails"]


def test_unreachable_and_now_reachable():
    assert codes([check("intake", 404), check("answer", 200)], 0, "fixed") == []


@pytest.mark.parametrize("category", [1, 4, "信息不更新", "错别字"])
def test_text_unchanged(category):
    assert codes([check("intake"), check("answer")], category, "fixed") == ["unchanged"]
    assert codes([check("intake"), check("answer", text_hash="b")], category, "fixed") == []


@pytest.mark.parametrize("checks, category, outcome", [
    ([check("intake"), check("answer")], 1, "explained"),  # only a "fixed" answer is tested
    ([check("intake", 404)], 0, "fixed"),  # no check after the answer
    ([check("intake"), check("answer")], 2, "fixed"),  # 内容不准确: a check cannot tell
    ([check("intake", text_hash=None), check("answer", text_hash=None)], 1, "fixed"),  # no text to compare
    ([check("intake", 404), check("answer", None, "pending")], 0, "fixed"),  # not finished
    ([], 0, "fixed"),
])
def test_no_warning(checks, category, outcome):
    assert codes(checks, category, outcome) == []


def test_the_latest_check_after_the_answer_counts():
    checks = [check("intake", 404), check("answer", 404), check("manual", 200)]
    assert codes(checks, 0, "fixed") == []


def test_warnings_have_chinese_and_english(app):
    from tracker.i18n import in_language

    [warning] = probe_warnings([check("intake"), check("answer")], "错别字", "fixed")
    assert in_language(warning.message, "zh") == "答复称已整改，但页面文字与收到时完全相同。"
    assert in_language(warning.message, "en").startswith("The answer says the page is fixed")


def test_short_diff():
    assert short_diff("办事指南2019年版", "办事指南2024年版") == [("19", "24")]
    assert short_diff("同一", "同一") == [] and short_diff(None, "x") == []
