"""The working-day calendar as the database has it: chinese-calendar's years overridden by the
years an admin loaded."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlmodel import Session, select

from tracker.calendar.models import CalendarDay, CalendarYear
from tracker.workdays import WorkCalendar

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

    The loaded years are a few dozen rows, read on every call in one statement: the calendar built
    from them is reused while they are unchanged (so a year reloaded twice at the same instant, or a load
    rolled back, is never served stale).
    """
    pinned = _PINNED.get()
    if pinned is not None:
        return pinned
    # one statement: each loaded year with its listed days (a year without any gives one row of NULLs)
    rows = session.exec(
        select(CalendarYear.year, CalendarYear.source, CalendarDay.day, CalendarDay.kind)
        .join(CalendarDay, CalendarDay.year == CalendarYear.year, isouter=True)
        .order_by(CalendarYear.year, CalendarDay.day)).all()
    key = tuple(tuple(row) for row in rows)
    calendar = _CACHE.get(key)
    if calendar is None:
        loaded: dict[int, dict] = {}
        sources: dict[int, str] = {}
        for year, source, day, kind in rows:
            sources[year] = source
            days = loaded.setdefault(year, {})
            if day is not None:
                days[day] = kind == "workday"
        calendar = WorkCalendar(loaded=loaded, sources=sources)
        _CACHE.clear()
        _CACHE[key] = calendar
    return calendar
