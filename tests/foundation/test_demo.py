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


def _pattern(template: str) -> re.Pattern:
    """A demo text template ("《{title}》一文中…") as a pattern its filled-in texts match."""
    return re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(template)) + r"\Z", re.S)


def test_demo_answers_fit_their_questions_and_the_organiser_has_a_working_desk(committed_app):
    from tests.staff.conftest import sign_in
    from tracker import demo_data
    from tracker.cases.models import CannedAnswer
    from tracker.db import frozen_clock

    result = committed_app.test_cli_runner().invoke(args=["demo", "--today", "2024-06-28", "--cases", "300"])
    assert result.exit_code == 0, result.output
    session = db.session
    assert count(select(func.count()).select_from(Case)) == 300

    # every answer is the one written for its case's own situation (or the thin first answer review sent back)
    answered = session.exec(select(Case).where(Case.outcome.in_(("fixed", "explained")))).all()
    assert len(answered) > 150
    for case in answered:
        situations = [s for s in demo_data.SITUATIONS[case.category_code] if _pattern(s[0]).match(case.description)]
        assert situations, case.description
        fits = [p for s in situations for p in (s[1], s[2]) if _pattern(p).match(case.answer)]
        assert fits or case.answer == demo_data.BRIEF_ANSWER, (case.description, case.answer)
    typo = next(c for c in answered if c.category_code == 4 and c.answer != demo_data.BRIEF_ANSWER)
    quoted = set(re.findall(r"“([^”]+)”", typo.description))
    assert quoted and quoted <= set(re.findall(r"“([^”]+)”", typo.answer)), (typo.description, typo.answer)

    # canned answers: shared per category, and the demo organiser's own
    organiser = session.exec(select(User).where(User.role == "organiser")).one()
    canned = session.exec(select(CannedAnswer)).all()
    assert {a.category_code for a in canned if a.organisation_id is None} >= {None, 0, 1, 2, 3, 4, 10}
    assert any(a.organisation_id == organiser.organisation_id for a in canned)

    # the demo organiser's desk: new, due today, overdue, sent back, waiting in review
    mine = session.exec(select(Case).where(Case.organiser_id == organiser.organisation_id,
                                           Case.state != State.closed)).all()
    due_today = datetime(2024, 6, 28, 16, 0, tzinfo=UTC)  # 2024-06-28 24:00 Beijing
    assert any(c.state == State.assigned for c in mine)
    assert any(c.state == State.in_progress and c.due_at == due_today for c in mine)
    assert any(c.due_at <= NOW for c in mine)
    assert any(c.state == State.in_progress and c.sent_back_at is not None for c in mine)
    assert any(c.state == State.in_review for c in mine)
    client = committed_app.test_client()
    sign_in(client, organiser)
    with frozen_clock(NOW):
        inbox = client.get("/inbox").text
        assert "今日24时到期" in inbox and "超期" in inbox and "被驳回" in inbox
        assert re.search(r"待签收 <span class=\"badge\">[1-9]", inbox)
        assert re.search(r"被驳回 <span class=\"badge\">[1-9]", inbox)
        sent_back = next(c for c in mine if c.sent_back_at is not None)
        page = client.get(f"/cases/{sent_back.tracking_number}").text
        assert demo_data.REJECT_REASON in page and "常用答复" in page
