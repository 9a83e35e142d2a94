"""Loaded working-day calendars: years announced after the packaged data ends."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import UTCDateTime, utcnow


class CalendarYear(SQLModel, table=True):
    """A year whose schedule was loaded by an admin, with where it came from."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(max_length=500)
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarDay(SQLModel, table=True):
    """A listed day of a loaded year: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_day"
    __table_args__ = (sa.CheckConstraint("kind IN ('holiday', 'workday')", name="ck_calendar_day_kind"),)

    day: date = Field(primary_key=True)
    year: int = Field(foreign_key="calendar_year.year", index=True)
    kind: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
