"""Fixtures of the API tests: a site to report on, and staff with bearer tokens."""
from __future__ import annotations

import pytest

from tracker.users.operations import create_token


@pytest.fixture()
def site(factory):
    return factory.site(host="www.example.gd.gov.cn")


@pytest.fixture()
def bearer(session):
    """``bearer(user)`` -> the Authorization headers of a new token for ``user``."""

    def make(user):
        return {"Authorization": f"Bearer {create_token(session, user, name='test')}"}

    return make


@pytest.fixture()
def report(site):
    """A valid body for POST /api/v1/cases."""
    return {
        "site_code": site.code, "page_url": "https://www.example.gd.gov.cn/zwgk/index.html", "category": 2,
        "description": "页面上的办事指南已过期。", "contact_name": "张三", "contact_phone": "13800138000",
        "contact_email": "", "consent": True,
    }
