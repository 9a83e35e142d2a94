"""Due dates worked out by hand from the State Council's schedules (国务院办公厅节假日安排).

2024: holidays 01-01; 02-10…02-17 (Spring Festival); 04-04…04-06; 05-01…05-05; 06-10;
09-15…09-17; 10-01…10-07. Make-up working days (调休): 02-04, 02-18, 04-07, 04-28 (Sundays),
05-11, 09-14 (Saturdays), 09-29 (Sunday), 10-12 (Saturday). 除夕 02-09 was a working day.
2026: holidays 01-01…01-03, make-up day 01-04 (Sunday).

The day of receipt (its Beijing date) never counts; the due time is 00:00 Beijing of the day after
the Nth working day (the exclusive bound of "24:00 on the due date").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.calendar.helpers import CSV_2027, SOURCE_2027
from tracker.calendar.operations import read_year_csv
from tracker.cases.deadlines import answer_due, load_calendar, load_year

BJ = timezone(timedelta(hours=8))


def end_of(day: str) -> datetime:
    """24:00 Beijing on ``day``, i.e. 00:00 of the next day."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), BJ)


TABLE = [
    # (why, received (ISO 8601), working days, due date, provisional)
    # --- each 2024 make-up working day counts
    ("02-04 Sun make-up counts", "2024-02-02T10:00:00+08:00", 3, "2024-02-06", False),
    ("received on make-up day 02-04", "2024-02-04T10:00:00+08:00", 3, "2024-02-07", False),
    ("02-18 Sun make-up counts (after Spring Festival)", "2024-02-09T10:00:00+08:00", 3, "2024-02-20", False),
    ("04-07 Sun make-up counts (after Qingming)", "2024-04-03T10:00:00+08:00", 3, "2024-04-09", False),
    ("04-28 Sun make-up counts", "2024-04-26T10:00:00+08:00", 3, "2024-04-30", False),
    ("04-28 is itself a due date", "2024-04-26T10:00:00+08:00", 1, "2024-04-28", False),
    ("05-11 Sat make-up counts", "2024-05-08T10:00:00+08:00", 3, "2024-05-11", False),
    ("09-14 Sat make-up counts (before Mid-Autumn)", "2024-09-13T10:00:00+08:00", 3, "2024-09-19", False),
    ("09-29 Sun make-up counts (before National Day)", "2024-09-27T10:00:00+08:00", 3, "2024-10-08", False),
    ("10-12 Sat make-up counts", "2024-10-10T10:00:00+08:00", 3, "2024-10-14", False),
    # --- receipt on a holiday, on a weekend
    ("received on National Day holiday 10-03", "2024-10-03T10:00:00+08:00", 3, "2024-10-10", False),
    ("received on May Day 05-01", "2024-05-01T09:00:00+08:00", 3, "2024-05-08", False),
    ("received on a plain Saturday", "2024-03-16T10:00:00+08:00", 3, "2024-03-20", False),
    ("received on a plain Sunday", "2024-03-17T22:00:00+08:00", 3, "2024-03-20", False),
    # --- Beijing date, not the UTC date
    ("00:30 Beijing is the previous day in UTC", "2024-04-25T16:30:00+00:00", 3, "2024-04-30", False),
    ("23:59 Beijing before May Day", "2024-04-30T23:59:59+08:00", 3, "2024-05-08", False),
    ("16:00 UTC is already the next Beijing day", "2024-09-26T16:00:00Z", 3, "2024-10-08", False),
    # --- Spring Festival and National Day spans
    ("Thursday before 除夕 (除夕 itself a working day)", "2024-02-08T10:00:00+08:00", 3, "2024-02-19", False),
    ("received during Spring Festival", "2024-02-12T10:00:00+08:00", 3, "2024-02-20", False),
    ("last working day before National Day", "2024-09-30T17:00:00+08:00", 3, "2024-10-10", False),
    ("2026 National Day (10-10 Sat make-up)", "2026-09-30T10:00:00+08:00", 3, "2026-10-10", False),
    # --- year ends: both years packaged
    ("2025 into 2026 (01-04 Sun make-up)", "2025-12-31T10:00:00+08:00", 3, "2026-01-06", False),
    # --- 2026 into 2027: Monday to Friday, provisional
    ("2026 year end, fallback", "2026-12-30T10:00:00+08:00", 3, "2027-01-04", True),
    ("2026 year end, fallback from 12-31", "2026-12-31T10:00:00+08:00", 3, "2027-01-05", True),
    ("2026 year end, stays in 2026", "2026-12-30T10:00:00+08:00", 1, "2026-12-31", False),
]

AFTER_LOADING_2027 = {
    # same receipts once 2027 is loaded with 01-01 a holiday
    ("2026-12-30T10:00:00+08:00", 3): ("2027-01-05", False),
    ("2026-12-31T10:00:00+08:00", 3): ("2027-01-06", False),
    ("2026-12-30T10:00:00+08:00", 1): ("2026-12-31", False),
}


@pytest.mark.parametrize("why,received,n,due_date,provisional", TABLE, ids=[row[0] for row in TABLE])
def test_deadline_table(session, why, received, n, due_date, provisional):
    due = answer_due(session, datetime.fromisoformat(received), n)
    assert due.due_date == date.fromisoformat(due_date)
    assert due.due_at == end_of(due_date)
    assert due.provisional is provisional
    assert due.as_dict()["due_at"] == end_of(due_date).isoformat()


def test_make_up_days_are_working_days(session):
    calendar = load_calendar(session)
    for day in ("02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"):
        d = date.fromisoformat(f"2024-{day}")
        assert d.weekday() >= 5, day  # a weekend day
        assert calendar.is_workday(d), day
    assert not calendar.is_workday(date(2024, 2, 10))
    assert calendar.is_workday(date(2024, 2, 9))  # 除夕 2024 was a working day


def test_year_end_after_loading_next_year(session):
    result = load_year(session, read_year_csv(CSV_2027), SOURCE_2027)
    assert (result.year, result.holidays, result.workdays) == (2027, 1, 0)
    for (received, n), (due_date, provisional) in AFTER_LOADING_2027.items():
        due = answer_due(session, datetime.fromisoformat(received), n)
        assert (due.due_date, due.due_at, due.provisional) == (date.fromisoformat(due_date), end_of(due_date),
                                                               provisional)


def test_reloading_a_year_replaces_it(session):
    load_year(session, read_year_csv(CSV_2027), "first")
    # the second notice also makes 01-04 a holiday and Saturday 01-09 a make-up day
    second = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,holiday,x\n2027-01-09,workday,x\n"
    result = load_year(session, read_year_csv(second), "second")
    assert result.replaced
    calendar = load_calendar(session)
    assert calendar.sources == {2027: "second"}
    assert not calendar.is_workday(date(2027, 1, 4))
    assert calendar.is_workday(date(2027, 1, 9))
    # 12-31 (1), 01-05 (2), 01-06 (3)
    assert answer_due(session, datetime.fromisoformat("2026-12-30T10:00:00+08:00"), 3).due_date == date(2027, 1, 6)
    # and a third load with the first file puts 01-04 back
    load_year(session, read_year_csv(CSV_2027), "third")
    assert load_calendar(session).is_workday(date(2027, 1, 4))
    assert not load_calendar(session).is_workday(date(2027, 1, 9))
