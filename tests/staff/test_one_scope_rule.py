"""One scope rule for every surface: escaped, and with one national root at the top of the tree."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from flask import g
from sqlmodel import select

from tests.staff.conftest import case_numbers, sign_in, staff_user
from tracker.cases import operations as ops
from tracker.cases.models import Case
from tracker.cases.scope import Actor
from tracker.organisations.models import Organisation, OrgKind
from tracker.organisations.operations import national_root
from tracker.users.operations import create_token

NUMBER = re.compile(r"ZC\d{8}-\d{4,}")


@pytest.mark.parametrize("code", ["4_____", "44%", "44\\00", "44/00", "", "x" * 65])
def test_create_org_refuses_codes_that_could_act_as_patterns(runner, session, code):
    result = runner.invoke(args=["create-org", "--code", code, "--name", "通配单位", "--kind", "supervisor"])
    assert result.exit_code != 0
    assert "The code must be 1 to 64 characters and contain none of % _ \\ /" in result.output
    assert session.exec(select(Organisation).where(Organisation.name == "通配单位")).first() is None


@pytest.mark.parametrize("code", ["4_____", "%", "_"])
def test_a_pattern_like_code_put_straight_into_the_database_sees_nothing(client, world, session, code):
    """An installation that predates the check may hold such a code: it still matches only itself."""
    root = national_root(session)
    wildcard = Organisation(code=code, name="通配主管单位", kind=OrgKind.supervisor, parent_id=root.id,
                            path=f"/{code}/")
    session.add(wildcard)
    session.flush()
    user = staff_user(session, "supervisor", wildcard, f"wild{len(code)}@example.gov.cn")
    token = create_token(session, user, name="wildcard")
    session.commit()

    sign_in(client, user)
    assert case_numbers(client, "/supervise/cases?state=all") == set()
    for number in (world.case_a.tracking_number, world.case_b.tracking_number, world.case_c.tracking_number):
        assert client.get(f"/cases/{number}").status_code == 404
    g.pop("_login_user", None)
    report = client.get("/supervise/report", query_string={"from": "2000-01-01", "to": "2100-01-01"})
    assert report.status_code == 200 and not NUMBER.findall(report.text)
    assert "MARK-" not in client.get("/supervise").text

    api = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (api["total"], api["items"]) == (0, [])
    figures = client.get("/api/v1/reports/sla", query_string={"date_from": "2000-01-01", "date_to": "2099-01-01"},
                         headers={"Authorization": f"Bearer {token}"}).get_json()
    assert figures["received"] == 0


def test_the_tree_has_one_top_and_the_admins_report_covers_it(runner, session, factory):
    guangdong = factory.province()
    guangxi = factory.org("450000", kind="supervisor", name="广西壮族自治区人民政府办公厅")
    received = datetime(2024, 4, 26, 10, tzinfo=UTC)
    factory.case(site=factory.site(supervisor=guangdong), received_at=received)
    gx_site = factory.site("4501000099", supervisor=guangxi, organiser=factory.org(parent=guangxi))
    gx_case = factory.case(site=gx_site, received_at=received)
    # no site, no region: the national root's own triage, never a province
    stray = factory.case(page_url="https://unknown.example.com/page", received_at=received)
    session.commit()

    root = session.exec(select(Organisation).where(Organisation.parent_id.is_(None))).all()
    assert [(o.code, o.path) for o in root] == [("000000", "/")]
    assert guangdong.parent_id == guangxi.parent_id == root[0].id
    assert (stray.state, stray.supervisor_id, stray.organiser_id) == ("triage", root[0].id, None)

    made = runner.invoke(args=["create-org", "--code", "BT", "--name", "新疆生产建设兵团", "--kind", "supervisor"])
    assert made.exit_code == 0 and made.output.strip() == "created supervisor BT /BT/"
    assert session.exec(select(Organisation).where(Organisation.code == "BT")).one().parent_id == root[0].id

    result = runner.invoke(args=["report", "--from", "2000-01-01", "--to", "2100-01-01", "--format", "json"])
    report = json.loads(result.output)
    assert report["scope"]["code"] == "000000" and report["received"] == 3
    rows = {row["key"]: row["received"] for row in report["rows"]}
    assert rows == {"440000": 1, "450000": 1, "000000": 1}  # the root's own row (本级) holds the stray
    assert report["sentence"].startswith("2000年1月1日至2100年1月1日，全国共收到")
    assert gx_case.supervisor_id == guangxi.id


def test_inbox_and_api_offer_the_same_actions_from_one_table(client, world, session, factory):
    case = world.case_a
    organiser = Actor.of(world.organiser_a, session)
    ops.accept(session, case, organiser)
    ops.request_extension(session, case, organiser, workdays=2, reason="需要技术部门配合。")
    token = create_token(session, world.organiser_a, name="same-table")
    session.commit()

    detail = client.get(f"/api/v1/cases/{case.tracking_number}",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    offered = detail["allowed_actions"]
    # one extension at a time: neither surface offers a second request while one is pending
    assert "request_extension" not in offered
    assert offered == ["answer", "add_note", "pause", "return", "close_not_taken_up"]

    sign_in(client, world.organiser_a)
    page = client.get(f"/cases/{case.tracking_number}").text
    forms = re.findall(r'action="/cases/[^/"]+/act/([a-z_]+)"', page)
    assert sorted(set(forms)) == sorted(offered)
    refused = client.post(f"/cases/{case.tracking_number}/act/request_extension",
                          data={"workdays": "1", "reason": "再申请一次。"})
    assert refused.status_code == 409 and "已有一个延期申请在审批中" in refused.text
    assert session.get(Case, case.id).due_at == case.due_at
