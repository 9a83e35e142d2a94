"""Deadlines of cases: the calendar as loaded from the database, and when the sweep should look."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from flask import current_app
from sqlmodel import Session, select

from tracker.sla.models import CalendarDay, CalendarYear
from tracker.workdays import Due, WorkCalendar

_CACHE: dict = {}
_PINNED: ContextVar[WorkCalendar | None] = ContextVar("tracker_pinned_calendar", default=None)


@contextmanager
def pinned_calendar(session: Session):
    """Inside the block, :func:`load_calendar` returns the calendar as it is now, without reading
    the tables again: for bulk work such as an import, during which no year is loaded."""
    token = _PINNED.set(load_calendar(session))
    try:
        yield
    finally:
        _PINNED.reset(token)


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: chinese-calendar's years overridden by the loaded ones.

    The loaded years are a few dozen rows, read on every call: the calendar built from them is
    reused while they are unchanged (so a year reloaded twice at the same instant, or a load
    rolled back, is never served stale).
    """
    pinned = _PINNED.get()
    if pinned is not None:
        return pinned
    years = session.exec(select(CalendarYear.year, CalendarYear.source).order_by(CalendarYear.year)).all()
    days = session.exec(select(CalendarDay.day, CalendarDay.year, CalendarDay.kind)
                        .order_by(CalendarDay.day)).all()
    key = (tuple(tuple(row) for row in years), tuple(tuple(row) for row in days))
    calendar = _CACHE.get(key)
    if calendar is None:
        loaded: dict[int, dict] = {year: {} for year, _source in years}
        for day, year, kind in days:
            loaded.setdefault(year, {})[day] = kind == "workday"
        calendar = WorkCalendar(loaded=loaded, sources={year: source for year, source in years})
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
