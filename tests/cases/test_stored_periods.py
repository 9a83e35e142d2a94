"""A clock carries its own rule: the period in force when it started, stored with the case.

The server runs with TRACKER_ANSWER_WORKDAYS=10, takes in reports, then restarts with 3. Deadlines,
a calendar load's recompute and the report's replay of history keep using 10 for those cases.

Dates worked out by hand (2026 from chinese-calendar; 2027 unknown until loaded, so Monday–Friday):
- received Thu 2026-12-24 10:00, 10 working days: 12-25, 12-28…12-31, 01-01 (a guessed working
  day), 01-04…01-07 -> due 2027-01-07 24:00, provisional. Once 2027 is loaded with 01-01 a
  holiday: 01-08 24:00. With 3 days it would have been 12-29 24:00.
- received Tue 2026-12-01 10:00, 10 working days -> due 12-15 24:00; answered 12-09 is on time (with
  3 days, due 12-04 24:00, it would be late).
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlmodel import select

from tests.conftest import BASE_CONFIG, fresh_database_url
from tests.factories import Factory
from tracker import create_app
from tracker.cases import operations as ops
from tracker.cases.models import Case, CaseEvent
from tracker.db import frozen_clock
from tracker.extensions import db

REPORT = ["report", "--from", "2026-12-01", "--to", "2026-12-31", "--as-of", "2026-12-18T12:00:00+08:00",
          "--format", "json"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture()
def database(db_kind, tmp_path):
    return fresh_database_url(db_kind, tmp_path)


def start_server(database: str, tmp_path, monkeypatch, workdays: int):
    monkeypatch.setenv("TRACKER_ANSWER_WORKDAYS", str(workdays))
    return create_app({**BASE_CONFIG, "DATABASE_URL": database, "MAIL_URL": f"file://{tmp_path / 'mail'}"})


def app_sessions_remove() -> None:
    """End this app context's session (so the next app starts from the database, not a cache)."""
    db.session.close()


def public_due(app, number: str, code: str) -> str:
    response = app.test_client().get(f"/api/v1/cases/{number}", query_string={"code": code})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["due_at"]


def test_a_setting_changes_only_clocks_that_start_after_it(database, tmp_path, monkeypatch):
    first = start_server(database, tmp_path, monkeypatch, workdays=10)
    with first.app_context():
        factory = Factory(db.session)
        province = factory.province()
        organiser = factory.org(parent=province)
        site = factory.site(organiser=organiser, supervisor=province, host="www.stored.gd.gov.cn")
        staff = factory.actor("organiser", org=organiser)
        supervisor = factory.actor("supervisor", org=province)
        db.session.commit()
        site_code = site.code

        client = first.test_client()
        body = {"site_code": site_code, "page_url": "https://www.stored.gd.gov.cn/a.html", "category": 2,
                "description": "办事指南已过期。", "contact_email": "a@example.cn", "consent": True}
        with frozen_clock(at("2026-12-24T10:00:00+08:00")):
            created = client.post("/api/v1/cases", json=body).get_json()
        assert created["due_at"] == "2027-01-08T00:00:00+08:00"
        with frozen_clock(at("2026-12-01T10:00:00+08:00")):
            reopened = client.post("/api/v1/cases", json=body).get_json()

        case = db.session.exec(select(Case).where(Case.tracking_number == reopened["tracking_number"])).one()
        assert (case.answer_workdays, case.due_at) == (10, at("2026-12-16T00:00:00+08:00"))
        for when, operation, actor, kwargs in [
            ("2026-12-02T09:00:00+08:00", ops.accept, staff, {}),
            ("2026-12-09T15:00:00+08:00", ops.answer, staff, {"text": "已更新办事指南。"}),
            ("2026-12-10T09:00:00+08:00", ops.approve, supervisor, {}),
            ("2026-12-21T09:00:00+08:00", ops.reopen, supervisor, {"reason": "网民不满意。"}),
        ]:
            with frozen_clock(at(when)):
                operation(db.session, case, actor, **kwargs)
        db.session.commit()
        before = json.loads(first.test_cli_runner().invoke(args=REPORT).output)
        app_sessions_remove()
    assert (before["received"], before["closed"], before["closed_on_time"]) == (1, 1, 1)

    second = start_server(database, tmp_path, monkeypatch, workdays=3)
    with second.app_context():
        assert second.config["ANSWER_WORKDAYS"] == 3
        # the deadline a citizen was promised stays as it was
        assert public_due(second, created["tracking_number"], created["query_code"]) == "2027-01-08T00:00:00+08:00"
        # the report replays the reopened case with its own 10 days: still closed on time at the as-of moment
        after = json.loads(second.test_cli_runner().invoke(args=REPORT).output)
        assert after == before

        calendar = tmp_path / "2027.csv"
        calendar.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
        source = "国办发明电〔2026〕1号"
        load = second.test_cli_runner().invoke(args=["calendar", "load", str(calendar), "--source", source])
        assert load.exit_code == 0, load.output
        # recomputed with the case's own 10 days and the loaded year: 01-01 is no longer a working day
        assert public_due(second, created["tracking_number"], created["query_code"]) == "2027-01-09T00:00:00+08:00"
        case = db.session.exec(select(Case).where(Case.tracking_number == created["tracking_number"])).one()
        assert (case.answer_workdays, case.due_is_provisional) == (10, False)

        # a clock that starts now uses the new setting
        with frozen_clock(at("2026-12-24T10:00:00+08:00")):
            newer = second.test_client().post("/api/v1/cases", json=body).get_json()
        assert newer["due_at"] == "2026-12-30T00:00:00+08:00"
        app_sessions_remove()
    for app in (first, second):
        app.extensions["tracker.db"].engine.dispose()


def test_a_reopen_stores_its_own_period(app, session, factory):
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)
    staff, supervisor = factory.actor("organiser", org=organiser), factory.actor("supervisor", org=province)
    case = factory.case(site=site, received_at=at("2024-04-22T10:00:00+08:00"))
    with frozen_clock(at("2024-04-23T10:00:00+08:00")):
        ops.answer(session, case, staff, text="已更正。")
    with frozen_clock(at("2024-04-23T11:00:00+08:00")):
        ops.approve(session, case, supervisor)
    app.config["REOPEN_WORKDAYS"] = 5
    with frozen_clock(at("2024-04-24T10:00:00+08:00")):
        ops.reopen(session, case, supervisor, reason="网民不满意。")
    # 04-25, 04-26, 04-28 (a Sunday worked), 04-29, 04-30 -> 04-30 24:00
    assert (case.reopen_workdays, case.due_at) == (5, at("2024-05-01T00:00:00+08:00"))
    app.config["REOPEN_WORKDAYS"] = 1
    event = case_events(session, case)[-1]
    assert (event.action, event.data["workdays"], event.data["due_at"]) == (
        "reopen", 5, "2024-04-30T16:00:00+00:00")


def case_events(session, case):
    return session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
