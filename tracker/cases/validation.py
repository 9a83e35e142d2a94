"""The rules of a citizen's report, as pure functions shared by the web form and the API.

Each ``check_*`` takes the raw value and returns it normalised (invisible characters removed by
:func:`clean_text`, then stripped), or raises :class:`Invalid` with a message shown in either
language. No database, no request.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from tracker.errors import Localised

SITE_CODE_MAX = 32
PAGE_URL_MAX = 2000
DESCRIPTION_MAX = 400
CONTACT_NAME_MAX = 50
CONTACT_EMAIL_MAX = 254
FEEDBACK_COMMENT_MAX = 1000

PHONE_RE = re.compile(r"1[3-9]\d{9}")
SITE_CODE_RE = re.compile(r"[A-Za-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\s]")

#: characters that show nothing but can hide or reorder what is shown: the direction controls
#: (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), zero-width characters (U+200B–U+200D,
#: U+2060, U+FEFF) and their kin (soft hyphen, Mongolian vowel separator, invisible operators)
INVISIBLE = ("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")


def clean_text(value: str | None) -> str:
    """``value`` without invisible characters (:data:`INVISIBLE`) and surrounding white space.

    Every text a citizen sends passes through here before any other rule.
    """
    return _INVISIBLE_RE.sub("", value or "").strip()


class Invalid(Localised, ValueError):
    """A value that breaks a rule of the report form: ``Invalid(_l("网址格式不正确。"))``."""


def check_site_code(value: str | None) -> str:
    """Optional 网站标识码: letters and digits, at most 32."""
    code = clean_text(value)
    if len(code) > SITE_CODE_MAX:
        raise Invalid(_l("网站标识码不能超过%(n)s位。", n=SITE_CODE_MAX))
    if code and not SITE_CODE_RE.fullmatch(code):
        raise Invalid(_l("网站标识码只能包含字母和数字。"))
    return code


def check_page_url(value: str | None) -> str:
    """Required address of the page: http or https, with a host, at most 2000 characters."""
    url = clean_text(value)
    if not url:
        raise Invalid(_l("请填写出错页面的网址。"))
    if len(url) > PAGE_URL_MAX:
        raise Invalid(_l("网址不能超过%(n)s个字符。", n=PAGE_URL_MAX))
    if _CONTROL.search(url):
        raise Invalid(_l("网址不能包含空格或控制字符。"))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise Invalid(_l("网址格式不正确。")) from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise Invalid(_l("网址须以 http:// 或 https:// 开头。"))
    return url


def check_description(value: str | None) -> str:
    """Required description of the error, 1 to 400 characters."""
    text = clean_text(value)
    if not text:
        raise Invalid(_l("请描述页面上的错误。"))
    if len(text) > DESCRIPTION_MAX:
        raise Invalid(_l("描述不能超过%(n)s字。", n=DESCRIPTION_MAX))
    return text


def check_contact_name(value: str | None) -> str:
    """Optional name, at most 50 characters."""
    name = clean_text(value)
    if len(name) > CONTACT_NAME_MAX:
        raise Invalid(_l("姓名不能超过%(n)s字。", n=CONTACT_NAME_MAX))
    return name


def check_contact_phone(value: str | None) -> str:
    """Optional mainland mobile number: 11 digits, ``1[3-9]`` then nine more."""
    phone = clean_text(value)
    if phone and not PHONE_RE.fullmatch(phone):
        raise Invalid(_l("手机号码格式不正确。"))
    return phone


def check_contact_email(value: str | None) -> str:
    """Optional email address, at most 254 characters: one bare address (``name@example.com``).

    Read by a real address parser (no DNS look-up): lists, display names, quoted or bracketed
    parts, comments, commas, semicolons, angle brackets and white space are all refused.
    The address is kept as written.
    """
    email = clean_text(value)
    if not email:
        return ""
    if len(email) > CONTACT_EMAIL_MAX:
        raise Invalid(_l("邮箱不能超过%(n)s个字符。", n=CONTACT_EMAIL_MAX))
    try:
        validate_email(email, check_deliverability=False, allow_display_name=False, allow_quoted_local=False,
                       allow_domain_literal=False)
    except EmailNotValidError:
        raise Invalid(_l("邮箱格式不正确。")) from None
    return email


def check_feedback_comment(value: str | None) -> str:
    """The reason given with a rating: optional here, at most 1000 characters."""
    comment = clean_text(value)
    if len(comment) > FEEDBACK_COMMENT_MAX:
        raise Invalid(_l("说明不能超过%(n)s字。", n=FEEDBACK_COMMENT_MAX))
    return comment


MAX_SCREENSHOTS = 3


def check_contact_reachable(phone: str, email: str) -> None:
    """At least one way to reach the reporter: a mobile number or an email address (both already checked)."""
    if not phone and not email:
        raise Invalid(_l("手机号码和电子邮箱请至少填写一项，以便办理单位联系您。"))
