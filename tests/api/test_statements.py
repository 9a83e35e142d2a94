"""How many SQL statements a report costs on its way in (``POST /api/v1/cases`` and the form).

Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK) is left out of the count: the test
harness turns commits into savepoints, so it depends on the harness, not on the application.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import select

from tests.public.helpers import report_data
from tracker.cases.models import Case, CaseAccess, CaseEvent
from tracker.extensions import db
from tracker.outbox.models import Outbox

#: a report routed by its site code, with its events, access rows and outbox rows
MAX_STATEMENTS = 8
_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.lstrip().upper().startswith(_CONTROL):
            statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _written(session, number: str):
    case = session.exec(select(Case).where(Case.tracking_number == number)).one()
    events = session.exec(select(CaseEvent.action).where(CaseEvent.case_id == case.id)
                          .order_by(CaseEvent.id)).all()
    outbox = session.exec(select(Outbox.topic).where(Outbox.case_id == case.id).order_by(Outbox.id)).all()
    access = session.exec(select(CaseAccess.org_id).where(CaseAccess.case_id == case.id)).all()
    return case, events, outbox, access


def test_a_report_through_the_api_takes_few_statements(client, report, site, session):
    report["contact_email"] = "citizen@example.com"
    client.post("/api/v1/cases", json=report)  # the first request warms the caches of the process

    with counted_statements() as statements:
        response = client.post("/api/v1/cases", json=report)

    assert response.status_code == 201
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    case, events, outbox, access = _written(session, response.get_json()["tracking_number"])
    assert case.state == "assigned" and case.organiser_id == site.organiser_id
    assert events == ["submit", "assign"]
    assert outbox == ["case_assigned", "case_received"]
    assert len(access) == 3  # the national root, the province, and the organiser below it


def test_a_report_through_the_form_takes_few_statements(client, site, session):
    form = report_data(site_code=site.code, page_url="https://www.example.gd.gov.cn/zwgk/index.html")
    client.post("/report", data=form)

    with counted_statements() as statements:
        response = client.post("/report", data=form)

    assert response.status_code == 303
    # the form's own two reads come on top: the categories it offers, and the site named by name or code
    assert len(statements) <= MAX_STATEMENTS + 2, "\n".join(statements)
    assert client.get("/report/received").status_code == 200
