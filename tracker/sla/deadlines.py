"""Deadlines of cases: the calendar as loaded from the database, and when the sweep should look."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.sla.models import CalendarDay, CalendarYear
from tracker.workdays import Due, WorkCalendar

_CACHE: dict = {}


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: chinese-calendar's years overridden by the loaded ones.

    Cached until a year is loaded or removed (checked with one cheap query).
    """
    count, last = session.exec(select(func.count(), func.max(CalendarYear.loaded_at))).one()
    key = (str(session.get_bind().engine.url), count, last)
    calendar = _CACHE.get(key)
    if calendar is None:
        years = session.exec(select(CalendarYear)).all()
        loaded: dict[int, dict] = {year.year: {} for year in years}
        for day in session.exec(select(CalendarDay)).all():
            loaded[day.year][day.day] = day.kind == "workday"
        calendar = WorkCalendar(loaded=loaded, sources={y.year: y.source for y in years})
        _CACHE.clear()
        _CACHE[key] = calendar
    return calendar


def answer_due(session: Session, received_at: datetime, workdays: int | None = None) -> Due:
    """The due time of an answer to a case received at ``received_at``."""
    n = workdays if workdays is not None else current_app.config["ANSWER_WORKDAYS"]
    return load_calendar(session).due(received_at, n)


def schedule_sweep(case, calendar: WorkCalendar, now: datetime | None = None) -> None:
    """Set ``case.sweep_at``: when the deadline sweep must next look at this case.

    Open cases are looked at for the reminder (N working days before the due time, once per due
    time) and then at the due time; closed cases never.
    """
    from tracker.cases.states import State

    if case.state == State.closed:
        case.sweep_at = None
        return
    if case.overdue_at is not None and case.overdue_at >= case.due_at:
        case.sweep_at = None
        return
    remind_at = calendar.reminder_at(case.due_at, current_app.config["REMINDER_WORKDAYS"])
    reminded = case.reminded_at is not None and case.reminded_at >= remind_at
    case.sweep_at = case.due_at if reminded else remind_at
