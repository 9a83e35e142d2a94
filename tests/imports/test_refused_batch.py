"""A record that the database refuses while its batch is written: only that record is lost."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from tests.imports.test_import_lines import real_records
from tracker.cases.imports import import_lines
from tracker.cases.models import Case, CaseAccess, CaseEvent
from tracker.organisations.models import Site

pytestmark = pytest.mark.records


def test_a_record_the_database_refuses_is_pinned_to_its_line(session, records_path, db_kind):
    if db_kind == "sqlite":
        pytest.skip("SQLite stores text of any length: PostgreSQL refuses an id longer than 64 characters")
    records = real_records(records_path, count=7)
    refused = dict(records[2], id=10 ** 70)  # parses as a number, but is too long for an external id
    unknown = dict(records[4], problem_id=99)
    lines = [records[0], records[1], refused, records[3], unknown, records[5], records[6]]

    summary = import_lines(session, [json.dumps(r, ensure_ascii=False) for r in lines], batch_size=10)

    assert [number for number, _message in summary.errors] == [3, 5]  # each once, by line
    assert summary.errors[0][1].startswith("database refused it: value too long")
    assert summary.errors[1][1] == "unknown problem_id 99"
    assert summary.imported == 5
    cases = session.exec(select(Case)).all()
    assert {c.external_id for c in cases} == {str(r["id"]) for r in [*records[:2], records[3], *records[5:]]}
    for case in cases:  # each with its events, its site and its access rows
        assert session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert session.exec(select(CaseAccess).where(CaseAccess.case_id == case.id)).all()
        assert session.get(Site, case.site_id) is not None
