"""The public API: a citizen's report in, its status out."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.public.helpers import BAD_EMAILS
from tracker.cases.models import Case, CaseEvent
from tracker.cases.scope import Actor
from tracker.cases.validation import INVISIBLE
from tracker.db import frozen_clock
from tracker.organisations.models import Organisation


def case_count(session) -> int:
    return session.exec(select(func.count()).select_from(Case)).one()


def test_report_is_received_with_a_due_time(client, report, site, session):
    organiser = session.get(Organisation, site.organiser_id)
    # received Friday 2024-04-26 10:00 Beijing: 3 working days are Sun 28 (调休), Mon 29, Tue 30
    with frozen_clock(datetime(2024, 4, 26, 2, 0, tzinfo=UTC)):
        response = client.post("/api/v1/cases", json=report)
    assert response.status_code == 201
    body = response.get_json()
    assert body["due_at"] == "2024-05-01T00:00:00+08:00"
    assert body["state"] == "assigned"
    assert body["tracking_number"] == "ZC20240426-0001"
    assert len(body["query_code"]) == 16
    assert body["site"] == {"code": site.code, "name": site.name}
    assert body["organiser"] == {"code": organiser.code, "name": organiser.name}
    case = session.exec(select(Case).where(Case.tracking_number == body["tracking_number"])).one()
    assert case.source == "api" and case.organiser_id == site.organiser_id


def test_status_needs_the_right_code(client, report):
    created = client.post("/api/v1/cases", json=report).get_json()
    number, code = created["tracking_number"], created["query_code"]

    status = client.get(f"/api/v1/cases/{number}", query_string={"code": code})
    assert status.status_code == 200
    body = status.get_json()
    assert body["state"] == "assigned" and body["due_at"] == created["due_at"]
    assert [entry["action"] for entry in body["timeline"]] == ["submit", "assign"]
    assert body["answer"] is None
    assert "contact_phone" not in body

    # the code is read case-insensitively and without spaces, as printed on the receipt
    assert client.get(f"/api/v1/cases/{number}", query_string={"code": code.lower()}).status_code == 200

    wrong = client.get(f"/api/v1/cases/{number}", query_string={"code": "A" * 16})
    unknown = client.get("/api/v1/cases/ZC20990101-9999", query_string={"code": code})
    missing = client.get(f"/api/v1/cases/{number}")
    for response in (wrong, unknown, missing):
        assert response.status_code == 404
        assert response.is_json and response.get_json()["code"] == "not_found"
    assert wrong.get_json() == unknown.get_json()  # nothing tells a wrong code from an unknown number


def test_status_shows_the_answer_once_closed(client, report, staff, session):
    from tracker.cases import operations as ops

    created = client.post("/api/v1/cases", json=report).get_json()
    case = session.exec(select(Case).where(Case.tracking_number == created["tracking_number"])).one()
    organiser = Actor.of(staff("organiser", org=session.get(Organisation, case.organiser_id)), session)
    ops.accept(session, case, organiser)
    ops.answer(session, case, organiser, text="已更新办事指南。", outcome="fixed")
    ops.approve(session, case, Actor.of(staff("admin"), session))
    session.commit()

    body = client.get(f"/api/v1/cases/{created['tracking_number']}?code={created['query_code']}&lang=en").get_json()
    assert body["state"] == "closed" and body["state_label"] == "Closed"
    assert body["answer"]["text"] == "已更新办事指南。"
    assert body["answer"]["outcome"] == "fixed"
    assert body["timeline"][-1]["action"] == "approve"


@pytest.mark.parametrize("change", [
    pytest.param(None, id="empty body"),
    pytest.param({"page_url": "javascript:alert(1)"}, id="javascript URL"),
    pytest.param({"category": 10**30}, id="category 10**30"),
    pytest.param({"description": "错" * 401}, id="401-character text"),
    pytest.param({"shoe_size": 42}, id="unknown field"),
    pytest.param({"category": "2"}, id="category as a string"),
    pytest.param({"category": 2.0}, id="category as a float"),
    pytest.param({"consent": "yes"}, id="consent yes"),
    pytest.param({"consent": False}, id="consent false"),
    pytest.param({"category": 999}, id="unknown category"),
    pytest.param({"contact_phone": "12345", "contact_email": ""}, id="bad phone"),
    pytest.param({"page_url": "ftp://www.example.gd.gov.cn/a"}, id="ftp URL"),
])
def test_bad_reports_get_a_json_4xx_and_create_nothing(client, report, session, change):
    before = case_count(session), session.exec(select(func.count()).select_from(CaseEvent)).one()
    if change is None:
        response = client.post("/api/v1/cases", data=b"", content_type="application/json")
    else:
        response = client.post("/api/v1/cases", json={**report, **change})
    assert 400 <= response.status_code < 500
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == response.status_code
    if change is not None:
        assert response.status_code == 422
        assert set(body["fields"]) & (set(change) | {"contact_phone"})
    after = case_count(session), session.exec(select(func.count()).select_from(CaseEvent)).one()
    assert after == before


def test_messages_follow_the_request_language(client, report):
    bad = {**report, "page_url": "javascript:alert(1)"}
    zh = client.post("/api/v1/cases", json=bad).get_json()
    en = client.post("/api/v1/cases", json=bad, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    en_by_query = client.post("/api/v1/cases?lang=en", json=bad).get_json()
    assert zh["message"] == "提交的数据有误。" and "http" in zh["fields"]["page_url"][0]
    assert en["message"] == "The request data is not valid."
    assert en["fields"]["page_url"] == ["The address must start with http:// or https://."]
    assert en_by_query["message"] == en["message"]
    missing = client.post("/api/v1/cases", json={}).get_json()["fields"]
    assert missing["page_url"] == ["缺少必填字段。"]


def test_categories_are_public(client):
    body = client.get("/api/v1/categories?lang=en").get_json()
    codes = [item["code"] for item in body["items"]]
    assert {0, 1, 2, 3, 4, 6, 10} <= set(codes)
    assert next(i for i in body["items"] if i["code"] == 4)["name"] == "Typographical error"


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_the_api_takes_one_plain_email_address_only(client, report, session, email):
    before = case_count(session)
    response = client.post("/api/v1/cases?lang=en", json={**report, "contact_phone": "", "contact_email": email})
    assert response.status_code == 422
    assert response.get_json()["fields"]["contact_email"] == ["That is not an email address."]
    assert case_count(session) == before


def test_invisible_characters_are_removed_from_every_field_of_the_api(client, report, site, session):
    rlo, zwsp = "\u202e", "\u200b"
    body = client.post("/api/v1/cases", json={
        **report, "page_url": f"https://www.example.gd.gov.cn/{rlo}zwgk{zwsp}/index.html\u2069",
        "site_code": f"{site.code}{rlo}", "description": f"\u2066页面{rlo}上的办事指南\u200f已过期\ufeff。",
        "contact_name": f"张{zwsp}三\u061c", "contact_phone": "\u200e13800138000",
        "contact_email": f"citizen{zwsp}@example.com"}).get_json()
    case = session.exec(select(Case).where(Case.tracking_number == body["tracking_number"])).one()
    stored = (case.page_url, case.site_code_given, case.description, case.contact_name, case.contact_phone,
              case.contact_email)
    assert stored == ("https://www.example.gd.gov.cn/zwgk/index.html", site.code, "页面上的办事指南已过期。", "张三",
                      "13800138000", "citizen@example.com")
    assert not set("".join(stored)) & set(INVISIBLE)

