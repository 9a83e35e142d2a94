"""Property tests of the working-day calendar, each against an independent day-by-day count.

The oracle below does not call WorkCalendar: it reads chinese-calendar's raw tables for the
packaged years, the loaded overrides for loaded years, and Monday–Friday otherwise, and it turns an
instant into a Beijing date with a fixed +08:00 offset (China has kept UTC+8 all year since 1992).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.workdays import WorkCalendar

BJ = timezone(timedelta(hours=8))
FIRST_PACKAGED, LAST_PACKAGED = 2004, 2026

#: a loaded 2027 (only New Year's Day and a made-up Saturday) and 2028 left to the fallback
LOADED = {2027: {date(2027, 1, 1): False, date(2027, 2, 6): True}}


def oracle_is_workday(day: date, loaded) -> bool:
    if day.year in loaded:
        return loaded[day.year].get(day, day.weekday() < 5)
    if FIRST_PACKAGED <= day.year <= LAST_PACKAGED:
        if day in chinese_calendar.workdays:
            return True
        if day in chinese_calendar.holidays:
            return False
        return day.weekday() < 5
    return day.weekday() < 5


def oracle_is_guessed(day: date, loaded) -> bool:
    return day.year not in loaded and not FIRST_PACKAGED <= day.year <= LAST_PACKAGED


def oracle_due(received: datetime, n: int, loaded) -> tuple[date, datetime, bool]:
    day = received.astimezone(BJ).date()
    guessed = False
    remaining = n
    while remaining:
        day = day + timedelta(days=1)
        guessed = guessed or oracle_is_guessed(day, loaded)
        if oracle_is_workday(day, loaded):
            remaining -= 1
    return day, datetime.combine(day + timedelta(days=1), time(0), BJ), guessed


def oracle_between(start: datetime, end: datetime, loaded) -> int:
    first, last = start.astimezone(BJ).date(), end.astimezone(BJ).date()
    count = 0
    day = first + timedelta(days=1)
    while day <= last:
        count += oracle_is_workday(day, loaded)
        day += timedelta(days=1)
    return count


instants = st.datetimes(
    min_value=datetime(2004, 1, 2), max_value=datetime(2028, 11, 30),
    timezones=st.sampled_from([UTC, BJ, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))]),
)
periods = st.integers(min_value=1, max_value=25)
calendars = st.sampled_from([{}, LOADED])

SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(received=instants, n=periods, loaded=calendars)
def test_due_is_after_receipt_and_matches_count(received, n, loaded):
    due = WorkCalendar(loaded=loaded).due(received, n)
    due_date, due_at, guessed = oracle_due(received, n, loaded)
    assert due.due_at > received
    assert (due.due_date, due.due_at, due.provisional) == (due_date, due_at, guessed)


@SETTINGS
@given(received=instants, n=periods, loaded=calendars)
def test_due_is_the_end_of_a_working_day(received, n, loaded):
    due = WorkCalendar(loaded=loaded).due(received, n)
    local = due.due_at.astimezone(BJ)
    assert local.time() == time(0) and local.date() == due.due_date + timedelta(days=1)
    assert oracle_is_workday(due.due_date, loaded)
    # and exactly n working days lie after the day of receipt up to the due date
    assert oracle_between(received, due.due_at - timedelta(microseconds=1), loaded) == n


@SETTINGS
@given(received=instants, n=periods, loaded=calendars)
def test_one_more_day_is_never_earlier(received, n, loaded):
    calendar = WorkCalendar(loaded=loaded)
    shorter, longer = calendar.due(received, n), calendar.due(received, n + 1)
    assert longer.due_at > shorter.due_at
    assert longer.due_at == oracle_due(received, n + 1, loaded)[1]


@SETTINGS
@given(start=instants, length=st.integers(min_value=-5, max_value=60), seconds=st.integers(0, 86399),
       loaded=calendars)
def test_workdays_between_agrees_with_count(start, length, seconds, loaded):
    end = start + timedelta(days=length, seconds=seconds)
    expected = oracle_between(start, end, loaded) if end >= start else 0
    assert WorkCalendar(loaded=loaded).workdays_between(start, end) == expected


@SETTINGS
@given(received=instants, n=periods, extra=st.integers(min_value=1, max_value=10), loaded=calendars)
def test_extension_counts_from_the_due_date(received, n, extra, loaded):
    calendar = WorkCalendar(loaded=loaded)
    first = calendar.due(received, n)
    extended = calendar.extend(first.due_at, extra)
    # counted from the due date, so it lands where n + extra from receipt lands
    assert extended.due_at == oracle_due(received, n + extra, loaded)[1]


def test_extension_from_a_guessed_due_date_stays_provisional():
    calendar = WorkCalendar(loaded={2028: {}})
    # received late 2026: the due date falls in 2027, which nobody loaded
    first = calendar.due(datetime(2026, 12, 30, 10, tzinfo=BJ), 3)
    assert first.provisional and first.due_date == date(2027, 1, 4)
    # even an extension whose own days fall in a known year leans on that guess
    later = calendar.due(datetime(2027, 12, 30, 10, tzinfo=BJ), 1)
    assert later.provisional and later.due_date == date(2027, 12, 31)
    extended = calendar.extend(later.due_at, 2)
    assert extended.due_date == date(2028, 1, 4) and extended.provisional
    assert not WorkCalendar().extend(datetime(2024, 5, 1, tzinfo=BJ), 2).provisional


@SETTINGS
@given(received=instants, n=periods, before=st.integers(min_value=1, max_value=3), loaded=calendars)
def test_reminder_is_the_start_of_a_working_day_before_the_due_time(received, n, before, loaded):
    calendar = WorkCalendar(loaded=loaded)
    due = calendar.due(received, n)
    remind = calendar.reminder_at(due.due_at, before).astimezone(BJ)
    assert remind.time() == time(0) and remind < due.due_at
    assert oracle_is_workday(remind.date(), loaded)
    # from the reminder's day to the due date, both included, lie exactly ``before`` working days
    days = (due.due_date - remind.date()).days + 1
    assert sum(oracle_is_workday(remind.date() + timedelta(days=i), loaded) for i in range(days)) == before
