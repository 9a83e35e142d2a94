"""Builders for the report tests: a small province tree and cases driven through the operations."""
from __future__ import annotations

from datetime import datetime

import pytest

from tracker.cases import operations as ops
from tracker.cases.scope import Actor
from tracker.db import frozen_clock
from tracker.workdays import BEIJING


def bj(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2024) -> datetime:
    """An instant in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


class Tree:
    """广东省 (440000) with 广州 (440100) and 深圳 (440300), one organiser and one site each."""

    def __init__(self, factory):
        self.factory = factory
        self.province = factory.province()
        self.gz = factory.org("440100", kind="supervisor", parent=self.province, name="广州市政务服务数据管理局")
        self.sz = factory.org("440300", kind="supervisor", parent=self.province, name="深圳市政务服务数据管理局")
        self.gz_org = factory.org("GZ0001", parent=self.gz, name="广州市某局")
        self.sz_org = factory.org("SZ0001", parent=self.sz, name="深圳市某局")
        self.gz_site = factory.site("4401000001", organiser=self.gz_org, supervisor=self.gz, host="gz.example.gov.cn")
        self.sz_site = factory.site("4403000001", organiser=self.sz_org, supervisor=self.sz, host="sz.example.gov.cn")
        self.gz_staff = factory.actor("organiser", org=self.gz_org)
        self.sz_staff = factory.actor("organiser", org=self.sz_org)
        self.supervisor_user = factory.user("supervisor", org=self.province)
        self.supervisor = Actor.of(self.supervisor_user, factory.session)
        self.session = factory.session

    def submit(self, at: datetime, site=None, **kw):
        with frozen_clock(at):
            return self.factory.case(site=site, received_at=at, **kw)

    def do(self, at: datetime, operation, case, actor, **kw):
        with frozen_clock(at):
            return operation(self.session, case, actor, **kw)

    def staff_for(self, case):
        return self.gz_staff if case.organiser_id == self.gz_org.id else self.sz_staff

    def answer(self, case, answered: datetime, approved: datetime | None, outcome: str = "fixed"):
        staff = self.staff_for(case)
        self.do(answered, ops.answer, case, staff, text="已处理。", outcome=outcome)
        if approved is not None:
            self.do(approved, ops.approve, case, self.supervisor)
        return case


@pytest.fixture()
def tree(app, factory):
    app.config["DEFAULT_SUPERVISOR"] = "440000"  # a provincial deployment: unclaimed reports stay in the province
    return Tree(factory)


def login(client, user):
    """Sign ``user`` in. The test app context outlives requests, so drop Flask-Login's cached user."""
    from flask import g

    from tracker.web import session_marks

    g.pop("_login_user", None)
    with client.session_transaction() as state:
        state["_user_id"] = str(user.id)
        state["_fresh"] = True
        state.update(session_marks(user))
