"""Test builders: ``factory.case(**overrides)`` and friends. Each returns a flushed object."""
from __future__ import annotations

import itertools
from datetime import datetime

from sqlmodel import Session, select

from tracker.cases import operations as ops
from tracker.cases.scope import Actor
from tracker.organisations.models import Organisation
from tracker.organisations.operations import create_organisation, create_site
from tracker.users.operations import create_user

_counter = itertools.count(1)


class Factory:
    def __init__(self, session: Session):
        self.session = session

    def org(self, code: str | None = None, *, kind: str = "organiser", parent: Organisation | None = None,
            name: str | None = None) -> Organisation:
        code = code or f"T{next(_counter):06d}"
        existing = self.session.exec(select(Organisation).where(Organisation.code == code)).first()
        if existing:
            return existing
        if parent is None and kind == "organiser":
            parent = self.org("440000", kind="supervisor", name="广东省政务服务数据管理局")
        return create_organisation(self.session, code=code, name=name or f"单位{code}", kind=kind, parent=parent)

    def guangdong(self):
        """The province 广东 (440000) with 广州 and 深圳 under it, each running one site:
        ``(province, gz, sz, gz_site, sz_site)``."""
        province = self.province()
        gz = self.org("440100GZ", parent=province, name="广州市政务服务数据管理局")
        sz = self.org("440300SZ", parent=province, name="深圳市政务服务数据管理局")
        gz_site = self.site("4401000001", host="www.gz.gov.cn", organiser=gz, supervisor=province,
                            name="广州市人民政府")
        sz_site = self.site("4403000001", host="www.sz.gov.cn", organiser=sz, supervisor=province,
                            name="深圳市人民政府")
        return province, gz, sz, gz_site, sz_site

    def province(self):
        return self.org("440000", kind="supervisor", name="广东省政务服务数据管理局")

    def site(self, code: str | None = None, *, host: str | None = None, organiser: Organisation | None = None,
             supervisor: Organisation | None = None, name: str | None = None, is_running: bool = True):
        n = next(_counter)
        code = code or f"44{n:08d}"
        supervisor = supervisor or self.province()
        organiser = organiser or self.org(parent=supervisor)
        return create_site(self.session, code=code, name=name or f"测试网站{code}", organiser=organiser,
                           supervisor=supervisor, hosts=[host or f"site{n}.gd.gov.cn"], is_running=is_running)

    def user(self, role: str = "organiser", *, org: Organisation | None = None, email: str | None = None,
             password: str = "correct horse battery"):
        email = email or f"user{next(_counter)}@example.gov.cn"
        if org is None and role != "admin":
            org = self.province() if role == "supervisor" else self.org()
        return create_user(self.session, email=email, password=password, role=role, organisation=org)

    def actor(self, role: str = "organiser", **kwargs) -> Actor:
        return Actor.of(self.user(role, **kwargs), self.session)

    def submission(self, *, site=None, received_at: datetime | None = None, **overrides) -> ops.Submission:
        if site is None and "page_url" not in overrides and "site_code" not in overrides:
            site = self.site()
        fields = {
            "page_url": overrides.pop("page_url", None) or "https://www.gd.gov.cn/zwgk/index.html",
            "category": 2,
            "description": "页面上的办事指南已过期。",
            "site_code": site.code if site else None,
            "received_at": received_at,
        }
        fields.update(overrides)
        return ops.submit(self.session, **fields)

    def case(self, **overrides):
        return self.submission(**overrides).case
