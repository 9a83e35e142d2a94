"""The rules of a citizen's report, as pure functions shared by the web form and the API.

Each ``check_*`` takes the raw value and returns it normalised (stripped), or raises
:class:`Invalid` with a message shown in either language. No database, no request.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from tracker.errors import Localised

SITE_CODE_MAX = 32
PAGE_URL_MAX = 2000
DESCRIPTION_MAX = 400
CONTACT_NAME_MAX = 50
CONTACT_EMAIL_MAX = 254

PHONE_RE = re.compile(r"1[3-9]\d{9}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SITE_CODE_RE = re.compile(r"[A-Za-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\s]")


class Invalid(Localised, ValueError):
    """A value that breaks a rule of the report form: ``Invalid(_l("网址格式不正确。"))``."""


def check_site_code(value: str | None) -> str:
    """Optional 网站标识码: letters and digits, at most 32."""
    code = (value or "").strip()
    if len(code) > SITE_CODE_MAX:
        raise Invalid(_l("网站标识码不能超过%(n)s位。", n=SITE_CODE_MAX))
    if code and not SITE_CODE_RE.fullmatch(code):
        raise Invalid(_l("网站标识码只能包含字母和数字。"))
    return code


def check_page_url(value: str | None) -> str:
    """Required address of the page: http or https, with a host, at most 2000 characters."""
    url = (value or "").strip()
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
    text = (value or "").strip()
    if not text:
        raise Invalid(_l("请描述页面上的错误。"))
    if len(text) > DESCRIPTION_MAX:
        raise Invalid(_l("描述不能超过%(n)s字。", n=DESCRIPTION_MAX))
    return text


def check_contact_name(value: str | None) -> str:
    """Optional name, at most 50 characters."""
    name = (value or "").strip()
    if len(name) > CONTACT_NAME_MAX:
        raise Invalid(_l("姓名不能超过%(n)s字。", n=CONTACT_NAME_MAX))
    return name


def check_contact_phone(value: str | None) -> str:
    """Optional mainland mobile number: 11 digits, ``1[3-9]`` then nine more."""
    phone = (value or "").strip()
    if phone and not PHONE_RE.fullmatch(phone):
        raise Invalid(_l("手机号码格式不正确。"))
    return phone


def check_contact_email(value: str | None) -> str:
    """Optional email address, at most 254 characters."""
    email = (value or "").strip()
    if len(email) > CONTACT_EMAIL_MAX:
        raise Invalid(_l("邮箱不能超过%(n)s个字符。", n=CONTACT_EMAIL_MAX))
    if email and not EMAIL_RE.fullmatch(email):
        raise Invalid(_l("邮箱格式不正确。"))
    return email


MAX_SCREENSHOTS = 3


def check_contact_reachable(phone: str, email: str) -> None:
    """At least one way to reach the reporter: a mobile number or an email address (both already checked)."""
    if not phone and not email:
        raise Invalid(_l("手机号码和电子邮箱请至少填写一项，以便办理单位联系您。"))
