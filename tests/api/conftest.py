"""Fixtures of the API tests: a site to report on, and staff with bearer tokens.

Set-up data is committed (to the test's outer transaction, still rolled back at the end):
an API error rolls the request's session back, which must not take the set-up with it.
"""
from __future__ import annotations

import itertools

import pytest

from tracker.users.models import User
from tracker.users.operations import create_token


@pytest.fixture()
def site(factory, session):
    site = factory.site(host="www.example.gd.gov.cn")
    session.commit()
    return site


@pytest.fixture()
def staff(session, factory):
    """``staff(role, org=None)`` -> a User for API calls only: no password (no slow hashing)."""
    numbers = itertools.count(1)

    def make(role: str, org=None) -> User:
        if org is None and role != "admin":
            org = factory.province() if role == "supervisor" else factory.org()
        user = User(email=f"api{next(numbers)}-{role}@example.gov.cn", password_hash="!", role=role,
                    organisation_id=org.id if org else None)
        session.add(user)
        session.flush()
        return user

    return make


@pytest.fixture()
def bearer(session):
    """``bearer(user)`` -> the Authorization headers of a new token for ``user``."""

    def make(user):
        token = create_token(session, user, name="test")
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture()
def report(site):
    """A valid body for POST /api/v1/cases."""
    return {
        "site_code": site.code, "page_url": "https://www.example.gd.gov.cn/zwgk/index.html", "category": 2,
        "description": "页面上的办事指南已过期。", "contact_name": "张三", "contact_phone": "13800138000",
        "contact_email": "", "consent": True,
    }
