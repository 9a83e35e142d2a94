"""The access rows behind the supervisors' lists agree with the scope rule at every step.

A supervisor's lists read ``case_access`` (one row per organisation that sees a case); the rule
itself is :func:`tracker.cases.scope.can_see`. Through real operations (intake, triage, assignment,
a re-route across provinces, answers, approval, reopen), the cases each supervisor lists are exactly
the cases it may see, the rows equal a rebuild from scratch, and they carry the case's state, due
time and organiser.
"""
from __future__ import annotations

import pytest
from sqlmodel import select

from tracker.cases import access
from tracker.cases import operations as ops
from tracker.cases.models import Case, CaseAccess
from tracker.cases.scope import Actor, can_see, scoped_cases
from tracker.organisations.models import Organisation


@pytest.fixture()
def tree(app, factory, session):
    app.config["DEFAULT_SUPERVISOR"] = "440000"
    province = factory.province()
    city = factory.org("440100", kind="supervisor", parent=province, name="广州市")
    org_city = factory.org("440101A", parent=city, name="广州市某局")
    org_province = factory.org("440000B", parent=province, name="省某厅")
    other = factory.org("450000", kind="supervisor", name="广西")
    org_other = factory.org("450100C", parent=other, name="南宁市某局")
    sites = {
        "in_city": factory.site("4401000001", host="a.gz.gov.cn", organiser=org_city, supervisor=province),
        # run by an organiser of another province, supervised here
        "crossing": factory.site("4501009999", host="b.gz.gov.cn", organiser=org_other, supervisor=province),
        "city_supervised": factory.site("4400000002", host="c.gd.gov.cn", organiser=org_province, supervisor=city),
        "elsewhere": factory.site("4501000001", host="d.nanning.gov.cn", organiser=org_other, supervisor=other),
    }
    return {"orgs": [province, city, org_city, org_province, other, org_other], "sites": sites,
            "admin": factory.actor("admin"), "org_city": org_city, "org_other": org_other}


def _rows(session) -> set[tuple]:
    return {(r.org_id, r.case_id, r.state, r.due_at, r.organiser_id) for r in session.exec(select(CaseAccess)).all()}


def _check(session, tree) -> None:
    session.flush()
    cases = session.exec(select(Case)).all()
    for org in tree["orgs"]:
        actor = Actor("supervisor", organisation=org)
        listed = {c.id for c in session.exec(scoped_cases(session, actor)).all()}
        allowed = {c.id for c in cases if can_see(session, actor, c)}
        assert listed == allowed, org.code
    rows = _rows(session)
    by_case = {c.id: c for c in cases}
    assert all((state, due_at, organiser_id) == (c.state, c.due_at, c.organiser_id)
               for _org, case_id, state, due_at, organiser_id in rows for c in [by_case[case_id]])
    access.rebuild(session.connection())
    assert _rows(session) == rows


def test_the_rows_follow_every_operation(session, factory, tree):
    sites = tree["sites"]
    cases = {name: factory.case(site=site, page_url=f"https://{name}.example.cn/p.html")
             for name, site in sites.items()}
    triaged = factory.case(site=None, page_url="https://unknown.example.cn/x.html")
    assert triaged.state == "triage"
    _check(session, tree)

    admin = tree["admin"]
    ops.assign(session, triaged, admin, organiser_id=tree["org_city"].id)
    ops.reroute(session, cases["in_city"], admin, organiser_id=tree["org_other"].id, note="改由南宁办理")
    _check(session, tree)

    organiser = Actor.of(factory.user("organiser", org=tree["org_other"]), session)
    case = cases["crossing"]
    ops.accept(session, case, organiser)
    ops.answer(session, case, organiser, text="已于当日更正页面上的错误链接。")
    _check(session, tree)
    ops.approve(session, case, admin)
    _check(session, tree)
    ops.reopen(session, case, admin, reason="网民不满意，重新办理。")
    _check(session, tree)


def test_a_supervisor_sees_through_its_rows_only(session, factory, tree):
    sites = tree["sites"]
    cases = {name: factory.case(site=site, page_url=f"https://{name}.example.cn/p.html")
             for name, site in sites.items()}
    province, city, _org_city, _org_province, other, _org_other = tree["orgs"]

    def listed(org):
        return {c.id for c in session.exec(scoped_cases(session, Actor("supervisor", organisation=org))).all()}

    assert listed(province) == {cases[n].id for n in ("in_city", "crossing", "city_supervised")}
    assert listed(city) == {cases[n].id for n in ("in_city", "city_supervised")}
    assert listed(other) == {cases[n].id for n in ("crossing", "elsewhere")}
    root = session.exec(select(Organisation).where(Organisation.path == "/")).one()
    assert listed(root) == {c.id for c in cases.values()}
    # the admins' lists read the root's rows
    admin = {c.id for c in session.exec(scoped_cases(session, tree["admin"])).all()}
    assert admin == {c.id for c in cases.values()}
    assert {r.case_id for r in session.exec(select(CaseAccess).where(CaseAccess.org_id == root.id))} == admin
