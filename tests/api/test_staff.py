"""The staff API: bearer tokens, scope, lists, and every lifecycle operation."""
from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tracker.db import frozen_clock
from tracker.users.models import ApiToken
from tracker.users.operations import hash_token


@pytest.fixture()
def world(factory, session, bearer, staff):
    """Two organisers under the province, a case for each, and tokens for their staff."""
    province = factory.province()
    org_a, org_b = factory.org(parent=province), factory.org(parent=province)
    site_a, site_b = factory.site(organiser=org_a), factory.site(organiser=org_b)
    case_a, case_b = factory.case(site=site_a), factory.case(site=site_b)
    users = {"a": staff("organiser", org=org_a), "b": staff("organiser", org=org_b),
             "supervisor": staff("supervisor", org=province), "admin": staff("admin")}
    session.commit()
    headers = {name: bearer(user) for name, user in users.items()}
    return {"case_a": case_a, "case_b": case_b, "org_a": org_a, "org_b": org_b, "site_a": site_a,
            "headers": headers, "users": users}


def test_create_token_prints_it_once_and_stores_only_its_hash(runner, staff, session, client):
    user = staff("admin")
    user.email = "relay@example.gov.cn"
    session.commit()
    result = runner.invoke(args=["create-token", "--email", "relay@example.gov.cn", "--name", "relay"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("trk_") and len(token) > 40
    row = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash and row.name == "relay"
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_revoked_token_gets_401(runner, staff, session, client):
    staff("supervisor").email = "sup@example.gov.cn"
    session.commit()
    token = runner.invoke(args=["create-token", "--email", "sup@example.gov.cn"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sites", headers=headers).status_code == 200

    result = runner.invoke(args=["revoke-token", "--token", token])
    assert result.exit_code == 0 and "revoked 1" in result.output
    response = client.get("/api/v1/sites", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert runner.invoke(args=["revoke-token", "--token", token]).exit_code != 0  # nothing left to revoke


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Token abc"])
def test_staff_endpoints_need_a_valid_token(client, header):
    headers = {"Authorization": header} if header else {}
    for path in ("/api/v1/cases", "/api/v1/sites", "/api/v1/reports/sla?date_from=2024-01-01&date_to=2024-01-31"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401 and response.is_json
    response = client.post("/api/v1/cases/ZC20240101-0001/actions/accept", json={}, headers=headers)
    assert response.status_code == 401


def test_organiser_of_another_org_gets_404(client, world):
    number = world["case_a"].tracking_number
    assert client.get(f"/api/v1/cases/{number}", headers=world["headers"]["a"]).status_code == 200
    other = client.get(f"/api/v1/cases/{number}", headers=world["headers"]["b"])
    assert other.status_code == 404 and other.get_json()["code"] == "not_found"
    action = client.post(f"/api/v1/cases/{number}/actions/accept", json={}, headers=world["headers"]["b"])
    assert action.status_code == 404
    assert world["case_a"].state == "assigned"


def test_case_list_is_scoped_filtered_and_paged(client, world, factory, session):
    for _ in range(3):
        factory.case(site=world["site_a"], category=4)
    session.commit()
    numbers = lambda response: [item["tracking_number"] for item in response.get_json()["items"]]  # noqa: E731

    mine = client.get("/api/v1/cases", headers=world["headers"]["a"])
    assert mine.get_json()["total"] == 4
    assert world["case_b"].tracking_number not in numbers(mine)
    assert client.get("/api/v1/cases", headers=world["headers"]["admin"]).get_json()["total"] == 5

    typos = client.get("/api/v1/cases?category=4&state=assigned", headers=world["headers"]["a"]).get_json()
    assert typos["total"] == 3 and {i["category"] for i in typos["items"]} == {4}
    page = client.get("/api/v1/cases?per_page=2&page=2", headers=world["headers"]["a"]).get_json()
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 4, 2)
    by_site = client.get(f"/api/v1/cases?site_code={world['site_a'].code}", headers=world["headers"]["admin"])
    assert by_site.get_json()["total"] == 4
    q = client.get(f"/api/v1/cases?q={world['case_b'].tracking_number}", headers=world["headers"]["admin"])
    assert numbers(q) == [world["case_b"].tracking_number]
    assert client.get("/api/v1/cases?state=closed", headers=world["headers"]["a"]).get_json()["total"] == 0

    for bad in ("per_page=101", "page=0", "category=10000000000000000000000000000000", "state=lost",
                "received_from=2024-13-01"):
        response = client.get(f"/api/v1/cases?{bad}", headers=world["headers"]["a"])
        assert response.status_code == 422, bad


def test_received_dates_are_beijing_days(client, factory, session, bearer, staff):
    site = factory.site()
    # 2024-04-25 23:30 Beijing is 15:30 UTC: it belongs to the 25th, not the 26th
    with frozen_clock(datetime(2024, 4, 25, 15, 30, tzinfo=UTC)):
        late = factory.case(site=site)
    with frozen_clock(datetime(2024, 4, 25, 16, 30, tzinfo=UTC)):
        factory.case(site=site)
    headers = bearer(staff("admin"))
    body = client.get("/api/v1/cases?received_from=2024-04-25&received_to=2024-04-25", headers=headers).get_json()
    assert [i["tracking_number"] for i in body["items"]] == [late.tracking_number]


def act(client, world, who, operation, body=None, case="case_a"):
    number = world[case].tracking_number
    return client.post(f"/api/v1/cases/{number}/actions/{operation}", json=body or {},
                       headers=world["headers"][who])


def test_lifecycle_through_the_api(client, world, app):
    app.config["REVIEW_REQUIRED"] = True
    assert act(client, world, "a", "accept").get_json()["state"] == "in_progress"
    extension = act(client, world, "a", "request_extension", {"workdays": 2, "reason": "需要技术部门配合"})
    assert extension.status_code == 200
    request_id = extension.get_json()["extensions"][0]["id"]
    due_before = extension.get_json()["due_at"]
    decided = act(client, world, "supervisor", "decide_extension", {"request_id": request_id, "approve": True})
    assert decided.status_code == 200 and decided.get_json()["due_at"] > due_before
    assert act(client, world, "supervisor", "chase", {"message": "请尽快办理"}).status_code == 200
    assert act(client, world, "a", "add_note", {"text": "已联系网站运维"}).status_code == 200
    answered = act(client, world, "a", "answer", {"text": "已更正页面内容。", "outcome": "fixed"})
    assert answered.get_json()["state"] == "in_review"
    rejected = act(client, world, "supervisor", "reject", {"reason": "答复过于简单"})
    assert rejected.get_json()["state"] == "in_progress"
    act(client, world, "a", "answer", {"text": "已更正页面内容，并核对了其他栏目。"})
    closed = act(client, world, "supervisor", "approve", {})
    body = closed.get_json()
    assert body["state"] == "closed" and body["outcome"] == "fixed"
    assert [e["action"] for e in body["events"]] == [
        "submit", "assign", "accept", "request_extension", "decide_extension", "chase", "add_note", "answer",
        "reject", "answer", "approve"]
    reopened = act(client, world, "supervisor", "reopen", {"reason": "网民不满意"})
    assert reopened.get_json()["state"] == "in_progress"


def test_return_reroute_assign_and_not_taken_up(client, world):
    assert act(client, world, "a", "return", {"reason": "不是本单位网站"}).get_json()["state"] == "triage"
    assigned = act(client, world, "supervisor", "assign", {"organiser_code": world["org_b"].code})
    assert assigned.get_json()["organiser"]["code"] == world["org_b"].code
    rerouted = act(client, world, "admin", "reroute", {"organiser_code": world["org_a"].code,
                                                        "site_code": world["site_a"].code})
    assert rerouted.get_json()["organiser"]["code"] == world["org_a"].code
    act(client, world, "a", "return", {"reason": "仍不是本单位网站"})
    closed = act(client, world, "supervisor", "close_not_taken_up", {"outcome": "not_gov_site", "reason": "非政府网站"})
    assert closed.get_json()["state"] == "closed"


@pytest.mark.parametrize("who, operation, body, status, code", [
    ("a", "approve", {}, 403, "forbidden"),  # organisers do not review
    ("supervisor", "accept", {}, 403, "forbidden"),
    ("supervisor", "approve", {}, 409, "invalid_state"),  # not in review yet
    ("a", "answer", {"text": "好", "outcome": "duplicate"}, 422, "invalid_input"),
    ("a", "answer", {"text": ""}, 422, "invalid_input"),
    ("a", "request_extension", {"workdays": "2", "reason": "x"}, 422, "invalid_input"),
    ("a", "request_extension", {"workdays": 31, "reason": "x"}, 422, "invalid_input"),
    ("supervisor", "decide_extension", {"request_id": 10**30, "approve": True}, 422, "invalid_input"),
    ("supervisor", "decide_extension", {"request_id": 1, "approve": "yes"}, 422, "invalid_input"),
    ("supervisor", "decide_extension", {"request_id": 999999, "approve": True}, 404, "not_found"),
    ("supervisor", "assign", {"organiser_code": "nope"}, 422, "invalid_input"),
    ("a", "accept", {"note": "unknown field"}, 422, "invalid_input"),
    ("a", "explode", {}, 404, "not_found"),
])
def test_refusals_are_json(client, world, who, operation, body, status, code):
    response = act(client, world, who, operation, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == code
    assert response.get_json()["status"] == status


def test_sites(client, world):
    body = client.get("/api/v1/sites?per_page=100", headers=world["headers"]["a"]).get_json()
    codes = {item["code"] for item in body["items"]}
    assert {world["site_a"].code} <= codes and body["total"] == len(codes)
    one = client.get(f"/api/v1/sites?q={world['site_a'].code}", headers=world["headers"]["a"]).get_json()
    assert [i["organiser"]["code"] for i in one["items"]] == [world["org_a"].code]


def test_sla_report_matches_the_command(client, world, runner):
    query = "date_from=2000-01-01&date_to=2099-12-31&as_of=2099-12-31T00:00:00%2B08:00"
    api = client.get(f"/api/v1/reports/sla?{query}", headers=world["headers"]["supervisor"])
    assert api.status_code == 200, api.get_json()
    cli = runner.invoke(args=["report", "--from", "2000-01-01", "--to", "2099-12-31", "--scope", "440000",
                              "--as-of", "2099-12-31T00:00:00+08:00", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert api.get_json() == json.loads(cli.output)
    body = api.get_json()
    assert body["scope"]["code"] == "440000" and body["received"] == 2 and body["sentence"]
    organiser = client.get(f"/api/v1/reports/sla?{query}", headers=world["headers"]["a"])
    assert organiser.status_code == 403


def test_import_is_idempotent(client, world, records_path):
    with gzip.open(records_path, "rt", encoding="utf-8") as handle:
        lines = "".join(itertools.islice(handle, 20))
    headers = {**world["headers"]["admin"], "Content-Type": "application/x-ndjson"}
    first = client.post("/api/v1/imports/records", data=lines.encode(), headers=headers)
    assert first.status_code == 200, first.get_json()
    summary = first.get_json()
    assert summary["imported"] + len(summary["errors"]) == 20 and summary["imported"] > 0
    again = client.post("/api/v1/imports/records", data=lines.encode(), headers=headers).get_json()
    assert again["imported"] == 0 and again["already_present"] == summary["imported"]

    assert client.post("/api/v1/imports/records", data=lines.encode(),
                       headers={**world["headers"]["supervisor"], "Content-Type": "application/x-ndjson"}
                       ).status_code == 403
    assert client.post("/api/v1/imports/records", json={"id": 1}, headers=world["headers"]["admin"]).status_code == 415
    garbage = client.post("/api/v1/imports/records", data=b"not json\n", headers=headers)
    assert garbage.status_code == 422 and garbage.get_json()["fields"]["lines"]


def test_tokens_are_refused_while_the_role_requires_a_second_factor_not_yet_enrolled(client, world, runner, session):
    assert runner.invoke(args=["require-totp", "organiser"]).exit_code == 0
    response = client.get("/api/v1/cases", headers=world["headers"]["a"])
    assert response.status_code == 401 and response.get_json()["code"] == "totp_required"
    assert "second factor" in client.get("/api/v1/sites?lang=en", headers=world["headers"]["a"]).get_json()["message"]
    post = client.post(f"/api/v1/cases/{world['case_a'].tracking_number}/actions/accept", json={},
                       headers=world["headers"]["a"])
    assert post.status_code == 401
    # other roles are not bound by the organiser policy; an enrolled organiser's token works again
    assert client.get("/api/v1/cases", headers=world["headers"]["supervisor"]).status_code == 200
    world["users"]["a"].totp_secret = "JBSWY3DPEHPK3PXP"
    session.commit()
    assert client.get("/api/v1/cases", headers=world["headers"]["a"]).status_code == 200

def test_a_supervisor_reroutes_only_to_running_sites_in_its_own_tree(client, world, factory, session):
    province, other = factory.province(), factory.org("450000", kind="supervisor", name="广西壮族自治区大数据发展局")
    foreign = factory.site(organiser=factory.org(parent=other), supervisor=other)
    foreign_supervised = factory.site(organiser=world["org_a"], supervisor=other)  # run in Guangdong
    stopped = factory.site(organiser=world["org_a"], supervisor=province, is_running=False)
    session.commit()
    number = world["case_b"].tracking_number
    refusals = {403: "You may only route to sites in your subtree.",
                422: "This site is not running: choose a running site."}
    for site, who, status in ((foreign, "supervisor", 403), (foreign_supervised, "supervisor", 403),
                              (stopped, "supervisor", 422), (stopped, "admin", 422)):
        response = client.post(f"/api/v1/cases/{number}/actions/reroute?lang=en", headers=world["headers"][who],
                               json={"organiser_code": world["org_a"].code, "site_code": site.code})
        assert (response.status_code, response.get_json().get("message")) == (status, refusals[status]), site.code
    case = client.get(f"/api/v1/cases/{number}", headers=world["headers"]["admin"]).get_json()
    assert case["organiser"]["code"] == world["org_b"].code and case["site"]["code"] not in (foreign.code, stopped.code)
    # an admin's tree is the whole tree: any running site
    moved = client.post(f"/api/v1/cases/{number}/actions/reroute", headers=world["headers"]["admin"],
                        json={"organiser_code": world["org_a"].code, "site_code": foreign.code})
    assert moved.status_code == 200 and moved.get_json()["site"]["code"] == foreign.code
