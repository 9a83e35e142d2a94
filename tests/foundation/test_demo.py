"""``tracker demo`` builds a believable province once, through the case operations."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import State
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.organisations.models import Organisation, Site
from tracker.outbox.models import Outbox
from tracker.users.models import User
from tracker.users.operations import verify_password

CITY_CODES = {"440100", "440200", "440300", "440400", "440500", "440600", "440700", "440800", "440900",
              "441200", "441300", "441400", "441500", "441600", "441700", "441800", "441900", "442000",
              "445100", "445200", "445300"}
# the demo's "now": 17:00 Beijing on its --today
NOW = datetime(2024, 6, 28, 9, 0, tzinfo=UTC)


def count(statement) -> int:
    return db.session.exec(statement).one()


def test_demo_loads_a_province_once(committed_app):
    runner = committed_app.test_cli_runner()
    result = runner.invoke(args=["demo", "--today", "2024-06-28", "--cases", "400"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.gov.cn" in result.output and DEMO_PASSWORD in result.output
    session = db.session

    province = session.exec(select(Organisation).where(Organisation.code == "440000")).one()
    assert province.name == "广东省政务服务和数据管理局" and province.kind == "supervisor"
    cities = session.exec(select(Organisation).where(Organisation.parent_id == province.id,
                                                     Organisation.kind == "supervisor")).all()
    assert {c.code for c in cities} == CITY_CODES
    assert next(c for c in cities if c.code == "440100").name == "广州市政务服务和数据管理局"
    organisers = count(select(func.count()).select_from(Organisation).where(Organisation.kind == "organiser"))
    assert organisers >= 21 * 5
    codes = session.exec(select(Site.code)).all()
    assert len(codes) >= 21 * 5 and all(re.fullmatch(r"\d{10}", code) for code in codes)
    assert "4401000001" in codes

    users = {u.email: u for u in session.exec(select(User)).all()}
    assert {u.role for u in users.values()} == {"admin", "supervisor", "organiser"}
    assert len(users) == 4
    assert verify_password(users["admin@demo.gov.cn"], DEMO_PASSWORD)

    assert count(select(func.count()).select_from(Case)) == 400
    states = dict(session.exec(select(Case.state, func.count()).group_by(Case.state)).all())
    assert states[State.closed] > 300
    assert len(states) >= 3, states
    late = count(select(func.count()).select_from(Case).where(
        Case.state == State.closed, Case.answered_at >= Case.due_at))
    on_time = count(select(func.count()).select_from(Case).where(
        Case.state == State.closed, Case.answered_at < Case.due_at))
    overdue = count(select(func.count()).select_from(Case).where(Case.state != State.closed, Case.due_at <= NOW))
    assert late >= 1 and overdue >= 1 and on_time > late
    outcomes = set(session.exec(select(Case.outcome).where(Case.outcome.is_not(None)).distinct()).all())
    assert {"fixed", "explained", "duplicate"} <= outcomes
    oldest, newest = session.exec(select(func.min(Case.received_at), func.max(Case.received_at))).one()
    assert oldest >= datetime(2023, 6, 30, 16, tzinfo=UTC) and newest < NOW
    # every case has its history, from submission on, and numbers of the right shape
    assert count(select(func.count(func.distinct(CaseEvent.case_id))).where(CaseEvent.action == "submit")) == 400
    assert count(select(func.count()).select_from(Case).where(~Case.tracking_number.like("ZC2%-%"))) == 0
    # replayed history leaves nothing to deliver
    assert count(select(func.count()).select_from(Outbox)) == 0

    again = runner.invoke(args=["demo", "--today", "2024-06-28", "--cases", "400"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert count(select(func.count()).select_from(Case)) == 400
