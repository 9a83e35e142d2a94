"""A published report cannot be changed: not through the ORM, not by a bulk statement, not by SQL
straight to the database (a trigger, on SQLite and on PostgreSQL), and the web has no way to."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.report.conftest import bj, login
from tracker.db import frozen_clock
from tracker.published.models import PublishedCaseList, PublishedReport, SnapshotImmutable
from tracker.published.operations import publish_report
from tracker.reports.params import make_params


@pytest.fixture()
def published(session, tree):
    with frozen_clock(bj(6, 24, 10)):
        tree.answer(tree.submit(bj(6, 3, 9), site=tree.gz_site), bj(6, 3, 11), bj(6, 3, 12))
        params = make_params(date_from="2024-04-01", date_to="2024-06-23", scope_org=tree.province)
        report = publish_report(session, params, fixed_as_of=False, actor=tree.supervisor)
    session.commit()
    return report


def test_the_orm_refuses_to_update_or_delete(session, published):
    published.sentence = "全省均已按期办理。"
    with pytest.raises(SnapshotImmutable):
        session.flush()
    session.rollback()
    assert session.get(PublishedReport, published.id).sentence.startswith("2024年4月1日至6月23日")
    session.delete(session.get(PublishedReport, published.id))
    with pytest.raises(SnapshotImmutable):
        session.flush()
    session.rollback()
    case_list = session.exec(select(PublishedCaseList).where(PublishedCaseList.report_id == published.id)).first()
    case_list.case_ids = []
    with pytest.raises(SnapshotImmutable):
        session.flush()
    session.rollback()


def test_bulk_statements_are_refused(session, published):
    with pytest.raises(SnapshotImmutable):
        session.execute(sa.update(PublishedReport).values(sentence="x"))
    with pytest.raises(SnapshotImmutable):
        session.execute(sa.delete(PublishedCaseList).where(PublishedCaseList.report_id == published.id))


@pytest.mark.parametrize("statement", [
    "UPDATE published_report SET sentence = 'x'",
    "UPDATE published_report SET figures = figures",
    "DELETE FROM published_report",
    "UPDATE published_case_list SET case_ids = '[]'",
    "DELETE FROM published_case_list",
])
def test_sql_straight_to_the_database_fails(session, published, db_kind, statement):
    """Runs on SQLite, and on PostgreSQL in the suite's PostgreSQL pass (``--db=postgresql``)."""
    connection = session.connection()
    with pytest.raises(sa.exc.DatabaseError, match="published reports are immutable"), connection.begin_nested():
        connection.exec_driver_sql(statement)
    assert session.get(PublishedReport, published.id).sentence.startswith("2024年")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_web_route_changes_a_published_report(client, session, tree, published, method):
    login(client, tree.supervisor_user)
    for path in (f"/supervise/published/{published.id}", f"/published/{published.id}"):
        response = getattr(client, method)(path, data={"sentence": "x"})
        assert response.status_code in (404, 405), path
    session.expire_all()
    assert session.get(PublishedReport, published.id).sentence.startswith("2024年4月1日至6月23日")
