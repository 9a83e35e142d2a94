"""Masking personal data in published texts. One pure function: :func:`mask_personal_data`.

What is masked, wherever it appears in a citizen's text or an answer:
- mobile numbers (``139****7501``), landlines (``029-****0500``), email addresses
  (``h***@163.com``) and 18-digit ID card numbers (``3501**********1408``);
- the reporter's own name, given as ``names`` (``张平`` -> ``张*``);
- names in salutations, as answers often start: ``张平网友：``, ``李先生：``, ``王芳同志``,
  ``网友“鄢华容”``, ``韩旭：您好`` (the surname stays, the given name becomes ``*``).
Digits that are part of a longer number or a letter-and-digit code are left alone.
"""
from __future__ import annotations

import re

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

MOBILE_RE = re.compile(_NOT_ALNUM_BEFORE + r"((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})" + _NOT_ALNUM_AFTER)
LANDLINE_RE = re.compile(
    _NOT_ALNUM_BEFORE + r"([(（]?0\d{2,3}[)）]?[-－— ]?)(\d{3,4})[- ]?(\d{2,4})(?=\D|$)"
)
ID_CARD_RE = re.compile(_NOT_ALNUM_BEFORE + r"(\d{4})\d{10}(\d{3}[\dXx])" + _NOT_ALNUM_AFTER)
EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-])([A-Za-z0-9._%+-]*)(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")

_CJK = "\u4e00-\u9fff"
# what shows the "name" before a title is not a name: "尊敬的网友", "感谢网友", "各位考生" ...
_STOP_CHARS = "的您你我他她们这那此该各请经对"
_STOP_WORDS = ("感谢", "谢谢", "热心", "广大", "亲爱", "尊敬", "网民", "网友", "市民", "群众", "用户", "考生",
               "留言", "来信", "来电", "来话", "回复", "答复", "相关", "有关", "本市", "全市", "本人")
_NAME = rf"(?:[{_CJK}](?:\*+|[{_CJK}]{{1,2}}))"
_TITLES = "先生|女士|同志|网友|老师|同学|市民|考生"
SALUTATION_RE = re.compile(
    rf"(?:^|(?<=[\s。！!；;，,：:>的]))(?P<name>{_NAME})(?P<title>(?:{_TITLES})(?:[（(/]女士[）)]?)?)"
    rf"(?=[\s：:，,！!。、（(/]|您好|你好|$)"
)
QUOTED_NAME_RE = re.compile(
    rf"(?P<lead>(?:网友|网民|市民|留言人)\s*[“\"「『])(?P<name>[{_CJK}]{{2,4}})(?P<tail>[”\"」』])")
LEADING_NAME_RE = re.compile(rf"^(?P<space>\s*)(?P<name>[{_CJK}]{{2,3}})(?=\s*[：:，,]?\s*(?:您好|你好))")


def mask_name(name: str) -> str:
    """``张平`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``; a single character or an already masked name stays."""
    if len(name) <= 1 or set(name[1:]) == {"*"}:
        return name
    return name[0] + "*" * (len(name) - 1)


def _is_name(candidate: str) -> bool:
    return not any(ch in _STOP_CHARS for ch in candidate) and not any(w in candidate for w in _STOP_WORDS)


def _mask_mobile(match: re.Match) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _mask_landline(match: re.Match) -> str:
    digits = match.group(2) + match.group(3)
    if len(digits) < 7 or len(digits) > 8:
        return match.group(0)
    return f"{match.group(1)}{'*' * (len(digits) - 4)}{digits[-4:]}"


def _mask_salutation(match: re.Match) -> str:
    name = match.group("name")
    if not _is_name(name):
        return match.group(0)
    return mask_name(name) + match.group("title")


def _mask_leading(match: re.Match) -> str:
    name = match.group("name")
    return match.group("space") + (mask_name(name) if _is_name(name) else name)


def mask_personal_data(text: str | None, names: tuple[str, ...] | list[str] = ()) -> str:
    """``text`` with phone numbers, email addresses, ID numbers and personal names masked.

    ``names`` are names known to be personal (the reporter's own ``contact_name``); each is
    masked wherever it appears.
    """
    if not text:
        return ""
    masked = EMAIL_RE.sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)
    masked = ID_CARD_RE.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", masked)
    masked = MOBILE_RE.sub(_mask_mobile, masked)
    masked = LANDLINE_RE.sub(_mask_landline, masked)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        masked = masked.replace(name, mask_name(name))
    masked = QUOTED_NAME_RE.sub(lambda m: m.group("lead") + mask_name(m.group("name")) + m.group("tail"), masked)
    masked = SALUTATION_RE.sub(_mask_salutation, masked)
    masked = LEADING_NAME_RE.sub(_mask_leading, masked)
    return masked
