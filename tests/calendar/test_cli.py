"""``tracker calendar load | status | due``: the acceptance lines of the calendar, through the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from tests.calendar.helpers import CSV_2027, SOURCE_2027, write_csv
from tracker.calendar.models import CalendarDay, CalendarYear
from tracker.cases.models import CaseEvent
from tracker.db import frozen_clock


def due(runner, *args):
    result = runner.invoke(args=["calendar", "due", *args])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return json.loads(lines[0])


def test_due_2024_04_26(runner):
    assert due(runner, "2024-04-26T10:00:00+08:00", "--days", "3") == {
        "due_date": "2024-04-30", "due_at": "2024-05-01T00:00:00+08:00", "provisional": False}


def test_due_defaults_to_configured_period(app, runner):
    assert due(runner, "2024-04-26T10:00:00+08:00")["due_date"] == "2024-04-30"
    app.config["ANSWER_WORKDAYS"] = 5
    # 04-28 (1), 04-29 (2), 04-30 (3), 05-06 (4), 05-07 (5)
    assert due(runner, "2024-04-26T10:00:00+08:00")["due_date"] == "2024-05-07"


def test_due_accepts_utc_and_reads_beijing_date(runner):
    # 2024-04-25 16:30 UTC is 2024-04-26 00:30 in Beijing
    assert due(runner, "2024-04-25T16:30:00Z", "--days", "3")["due_date"] == "2024-04-30"


def test_year_end_is_provisional_until_next_year_is_loaded(runner, tmp_path):
    before = due(runner, "2026-12-30T10:00:00+08:00", "--days", "3")
    assert before == {"due_date": "2027-01-04", "due_at": "2027-01-05T00:00:00+08:00", "provisional": True}

    result = runner.invoke(args=["calendar", "load", write_csv(tmp_path, CSV_2027), "--source", SOURCE_2027])
    assert result.exit_code == 0, result.output
    assert "2027 loaded: 1 holidays, 0 make-up working days" in result.output

    after = due(runner, "2026-12-30T10:00:00+08:00", "--days", "3")
    # 2027-01-01 is now a holiday: one working day later, and definite
    assert after == {"due_date": "2027-01-05", "due_at": "2027-01-06T00:00:00+08:00", "provisional": False}


def test_loading_recomputes_open_provisional_cases(runner, session, factory, tmp_path):
    case = factory.case(received_at=datetime.fromisoformat("2026-12-30T10:00:00+08:00"))
    closed_early = factory.case(received_at=datetime.fromisoformat("2026-12-30T11:00:00+08:00"))
    definite = factory.case(received_at=datetime.fromisoformat("2026-12-01T10:00:00+08:00"))
    closed_early.state, closed_early.outcome = "closed", "fixed"
    closed_early.closed_at = closed_early.received_at
    session.flush()
    assert case.due_is_provisional and case.due_at == datetime.fromisoformat("2027-01-05T00:00:00+08:00")
    definite_due = definite.due_at

    result = runner.invoke(args=["calendar", "load", write_csv(tmp_path, CSV_2027), "--source", SOURCE_2027])
    assert result.exit_code == 0, result.output
    assert "provisional deadlines recomputed: 1 open cases, 1 moved" in result.output

    session.expire_all()
    assert case.due_at == datetime.fromisoformat("2027-01-06T00:00:00+08:00")
    assert not case.due_is_provisional
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                  CaseEvent.action == "recompute_due")).all()
    assert len(events) == 1
    assert datetime.fromisoformat(events[0].data["due_before"]) == datetime.fromisoformat("2027-01-05T00:00:00+08:00")
    assert datetime.fromisoformat(events[0].data["due_after"]) == datetime.fromisoformat("2027-01-06T00:00:00+08:00")
    assert SOURCE_2027 in events[0].note
    # a closed case and a definite one are left alone
    assert closed_early.due_is_provisional
    assert definite.due_at == definite_due
    for other in (closed_early, definite):
        assert not session.exec(select(CaseEvent).where(CaseEvent.case_id == other.id,
                                                        CaseEvent.action == "recompute_due")).all()

    # loading again moves nothing and writes no second event
    again = runner.invoke(args=["calendar", "load", write_csv(tmp_path, CSV_2027), "--source", SOURCE_2027])
    assert "2027 replaced" in again.output and "0 open cases, 0 moved" in again.output


def test_load_stores_days_and_source(runner, session, tmp_path):
    text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n\n"
    result = runner.invoke(args=["calendar", "load", write_csv(tmp_path, text), "--source", "https://www.gov.cn/x"])
    assert result.exit_code == 0, result.output
    assert session.get(CalendarYear, 2027).source == "https://www.gov.cn/x"
    days = session.exec(select(CalendarDay).order_by(CalendarDay.day)).all()
    assert [(d.day.isoformat(), d.kind, d.name) for d in days] == [
        ("2027-01-01", "holiday", "元旦"), ("2027-02-06", "workday", "春节调休")]


BAD_FILES = [
    ("day,kind,name\n2027-01-01,holiday,x\n", "line 1: the header must be 'date,kind,name'"),
    ("", "the file is empty"),
    ("date,kind,name\n", "the file lists no days"),
    ("date,kind,name\n2027-01-01,holiday,x\n2027-13-01,holiday,y\n", "line 3: date '2027-13-01' is not YYYY-MM-DD"),
    ("date,kind,name\n2027-01-01,vacation,x\n", "line 2: kind must be 'holiday' or 'workday'"),
    ("date,kind,name\n2027-01-01,holiday,x\n\n2027-01-01,holiday,y\n", "line 4: 2027-01-01 is listed twice"),
    ("date,kind,name\n2027-01-01,holiday\n", "line 2: expected 3 fields"),
    ("date,kind,name\n2027-01-01,holiday,x\n2028-01-01,holiday,y\n", "exactly one year, found [2027, 2028]"),
]


def test_bad_files_are_refused_with_the_line(runner, session, tmp_path):
    for number, (text, message) in enumerate(BAD_FILES):
        result = runner.invoke(args=["calendar", "load", write_csv(tmp_path, text, f"bad{number}.csv")])
        assert result.exit_code == 2, (text, result.output)
        assert message in result.output, (text, result.output)
        assert "Traceback" not in result.output
    assert session.exec(select(CalendarYear)).all() == []


def test_bad_instants_are_refused(runner):
    for value, message in (("2026-12-30T10:00:00", "has no UTC offset"),
                           ("30/12/2026", "is not an ISO 8601 instant"),
                           ("2026-12-30", "has no UTC offset")):
        result = runner.invoke(args=["calendar", "due", value])
        assert result.exit_code == 2, result.output
        assert message in result.output
    result = runner.invoke(args=["calendar", "due", "2026-12-30T10:00:00+08:00", "--days", "0"])
    assert result.exit_code == 2


def test_status_lists_sources_and_warns_from_november(runner, tmp_path):
    with frozen_clock(datetime.fromisoformat("2026-10-31T23:59:00+08:00")):
        result = runner.invoke(args=["calendar", "status"])
    assert result.exit_code == 0, result.output
    assert "2024  package   chinese-calendar" in result.output
    assert "2027  fallback" in result.output
    assert "Warning" not in result.output

    # 2026-10-31 16:00 UTC is already 1 November in Beijing
    with frozen_clock(datetime.fromisoformat("2026-10-31T16:00:00+00:00")):
        result = runner.invoke(args=["calendar", "status"])
    assert "警告：2027年节假日安排尚未导入" in result.output
    assert "Warning: The 2027 holiday schedule has not been loaded" in result.output

    runner.invoke(args=["calendar", "load", write_csv(tmp_path, CSV_2027), "--source", SOURCE_2027])
    with frozen_clock(datetime.fromisoformat("2026-12-31T12:00:00+08:00")):
        result = runner.invoke(args=["calendar", "status"])
    assert f"2027  loaded    {SOURCE_2027}" in result.output
    assert "Warning" not in result.output

    # in 2028 itself, with 2028 never loaded, the warning stands all year
    with frozen_clock(datetime.fromisoformat("2028-03-01T12:00:00+08:00")):
        result = runner.invoke(args=["calendar", "status"])
    assert "2028  fallback" in result.output and "2029  fallback" in result.output
    assert "Warning: The 2028 holiday schedule has not been loaded" in result.output


def test_console_script_end_to_end(tmp_path):
    """The real ``tracker`` console script on a fresh SQLite database (the provisional answer before
    loading, and the refusals, are shown through the runner above)."""
    from tests.conftest import fresh_database_url

    url = fresh_database_url("sqlite", tmp_path)
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_DEBUG": "1", "TRACKER_EMBEDDED_WORKER": "0"}
    tracker = str(Path(sys.executable).with_name("tracker"))

    def run(*args):
        return subprocess.run([tracker, "calendar", *args], env=env, capture_output=True, text=True, timeout=60)

    first = run("due", "2024-04-26T10:00:00+08:00", "--days", "3")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["due_date"] == "2024-04-30"
    loaded = run("load", write_csv(tmp_path, CSV_2027), "--source", SOURCE_2027)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(run("due", "2026-12-30T10:00:00+08:00", "--days", "3").stdout) == {
        "due_date": "2027-01-05", "due_at": "2027-01-06T00:00:00+08:00", "provisional": False}
