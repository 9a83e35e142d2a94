"""A small Guangdong world for the staff tests: two organisers under 440000, one province outside."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import g

from tracker.cases.models import Attachment
from tracker.users.models import User
from tracker.users.operations import hash_password
from tracker.web import session_marks

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
PASSWORD = "correct horse battery"


@dataclass
class World:
    province: object
    org_a: object
    org_b: object
    other_province: object
    org_c: object
    site_a: object
    site_b: object
    site_c: object
    case_a: object
    case_b: object
    case_c: object
    organiser_a: object
    organiser_b: object
    supervisor: object
    other_supervisor: object
    admin: object
    attachments: dict


_HASH: list[str] = []


def staff_user(session, role: str, org, email: str) -> User:
    """A user with PASSWORD, hashed once per run (argon2 is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    user = User(email=email, password_hash=_HASH[0], role=role, organisation_id=org.id if org else None)
    session.add(user)
    session.flush()
    return user


@pytest.fixture()
def world(app, factory, session):
    app.config["DEFAULT_SUPERVISOR"] = "440000"  # a provincial deployment: unclaimed reports stay in the province
    province = factory.province()
    org_a = factory.org("440100GZ", parent=province, name="广州市政务服务数据管理局")
    org_b = factory.org("440300SZ", parent=province, name="深圳市政务服务数据管理局")
    other = factory.org("450000", kind="supervisor", name="广西壮族自治区大数据发展局")
    org_c = factory.org("450100NN", parent=other, name="南宁市大数据发展局")
    site_a = factory.site("4401000001", host="www.gz.gov.cn", organiser=org_a, supervisor=province)
    site_b = factory.site("4403000001", host="www.sz.gov.cn", organiser=org_b, supervisor=province)
    site_c = factory.site("4501000001", host="www.nanning.gov.cn", organiser=org_c, supervisor=other)
    case_a = factory.case(site=site_a, page_url="https://www.gz.gov.cn/a.html", description="广州页面链接失效 MARK-A",
                          contact_email="a@example.cn")
    case_b = factory.case(site=site_b, page_url="https://www.sz.gov.cn/b.html", description="深圳页面信息过期 MARK-B",
                          contact_email="b@example.cn", contact_phone="13800000002")
    case_c = factory.case(site=site_c, page_url="https://www.nanning.gov.cn/c-secret.html",
                          description="南宁页面错别字 MARK-C", contact_email="c-secret@example.cn",
                          contact_phone="13900000003")
    attachments = {}
    for case in (case_a, case_b, case_c):
        row = Attachment(case_id=case.id, filename="shot.png", content_type="image/png", width=1, height=1, data=PNG)
        session.add(row)
        session.flush()
        attachments[case.id] = row.id
    result = World(
        province=province, org_a=org_a, org_b=org_b, other_province=other, org_c=org_c,
        site_a=site_a, site_b=site_b, site_c=site_c, case_a=case_a, case_b=case_b, case_c=case_c,
        organiser_a=staff_user(session, "organiser", org_a, "gz@example.gov.cn"),
        organiser_b=staff_user(session, "organiser", org_b, "sz@example.gov.cn"),
        supervisor=staff_user(session, "supervisor", province, "gd@example.gov.cn"),
        other_supervisor=staff_user(session, "supervisor", other, "gx@example.gov.cn"),
        admin=staff_user(session, "admin", None, "admin@example.gov.cn"),
        attachments=attachments,
    )
    session.commit()  # a refused request rolls the session back; the world must survive it
    return result


def sign_in(client, user) -> None:
    """Log ``user`` in without the (slow, separately tested) password step.

    The test app context outlives requests, so Flask-Login's per-context cache is dropped too.
    """
    g.pop("_login_user", None)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
        sess.update(session_marks(user))


def case_numbers(client, url) -> set[str]:
    """The tracking numbers a staff page at ``url`` shows (it must answer 200)."""
    g.pop("_login_user", None)
    response = client.get(url)
    assert response.status_code == 200
    return set(re.findall(r"ZC\d{8}-\d{4,}", response.text))
