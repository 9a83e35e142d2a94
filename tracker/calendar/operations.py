"""Changes to the working-day calendar: loading a year's schedule (国务院办公厅节假日安排).

Like every operation, these flush but do not commit: the caller commits.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, delete

from tracker.calendar.models import CalendarDay, CalendarYear
from tracker.db import utcnow
from tracker.errors import InvalidInput
from tracker.workdays import parse_year_csv

CSV_HEADER = ["date", "kind", "name"]
SOURCE_MAX_LENGTH = 500
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class StoredYear:
    year: int
    source: str
    holidays: int
    workdays: int
    replaced: bool  # the year had been loaded before


def read_year_csv(text: str) -> list[dict[str, str]]:
    """The rows of a ``date,kind,name`` file, checked for shape. Raises ValueError naming the line.

    Blank lines are skipped. Dates, kinds and years are checked by :func:`store_year`.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValueError(f"line 1: {exc}") from None
    if header is None:
        raise ValueError("the file is empty: the first line must be 'date,kind,name'")
    if [cell.strip().lower() for cell in header] != CSV_HEADER:
        raise ValueError(f"line 1: the header must be 'date,kind,name', not {','.join(header)!r}")
    rows = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ValueError(f"line {reader.line_num}: {exc}") from None
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != 3:
            raise ValueError(f"line {reader.line_num}: expected 3 fields (date,kind,name), found {len(cells)}")
        name = cells[2].strip()
        if len(name) > NAME_MAX_LENGTH:
            raise ValueError(f"line {reader.line_num}: the name is longer than {NAME_MAX_LENGTH} characters")
        rows.append({"date": cells[0], "kind": cells[1], "name": name, "line": str(reader.line_num)})
    if not rows:
        raise ValueError("the file lists no days: a year needs at least one holiday or make-up working day")
    return rows


def store_year(session: Session, rows: Iterable[Mapping[str, str]], source: str) -> StoredYear:
    """Store (or replace) one year's schedule. Flushes; the caller commits.

    ``rows`` are ``{"date", "kind", "name"}`` mappings of a single year; days not listed follow
    the weekday rule. Raises :class:`InvalidInput` for bad rows (the message names the line).
    Deadlines that depend on the year are recomputed by :func:`tracker.cases.deadlines.load_year`.
    """
    rows = list(rows)
    source = (source or "").strip()
    if len(source) > SOURCE_MAX_LENGTH:
        raise InvalidInput(_l("来源不能超过%(n)s字。", n=SOURCE_MAX_LENGTH),
                           fields={"source": [f"≤ {SOURCE_MAX_LENGTH}"]})
    try:
        year, days, names = parse_year_csv(rows)
    except ValueError as exc:
        raise InvalidInput(_l("节假日文件有误：%(error)s", error=exc), fields={"file": [str(exc)]}) from None
    if not 2000 <= year <= 2100:
        raise InvalidInput(_l("年份%(year)s超出范围。", year=year), fields={"file": [str(year)]})

    existing = session.get(CalendarYear, year)
    session.exec(delete(CalendarDay).where(CalendarDay.year == year))
    if existing is not None:
        existing.source = source or "loaded"
        existing.loaded_at = utcnow()
    else:
        session.add(CalendarYear(year=year, source=source or "loaded", loaded_at=utcnow()))
    session.flush()
    for day, is_workday in sorted(days.items()):
        session.add(CalendarDay(day=day, year=year, kind="workday" if is_workday else "holiday",
                                name=names.get(day, "")))
    session.flush()
    return StoredYear(year=year, source=source, holidays=sum(1 for v in days.values() if not v),
                      workdays=sum(1 for v in days.values() if v), replaced=existing is not None)
