"""The working-day calendar (工作日): pure functions over dates, no database.

Rules (DESIGN.md, "Deadlines"):
- A working day is a calendar date. The State Council's schedule decides it, including 调休
  make-up working days. Years loaded by an admin win; then the years chinese-calendar knows;
  beyond those, Monday to Friday, and every result that leaned on that guess is *provisional*.
- A period of N working days does not count the day of receipt. It ends at 24:00 Beijing time on
  the Nth working day after that day, stored as the exclusive bound 00:00 of the next day.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

BEIJING = ZoneInfo("Asia/Shanghai")

SOURCE_LOADED = "loaded"
SOURCE_PACKAGE = "package"
SOURCE_FALLBACK = "fallback"
#: working-day ordinals (:meth:`WorkCalendar.ordinal`) count from 1 January of this year
ORDINAL_YEAR = 2000


def _package_years() -> range:
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return range(years[0], years[-1] + 1)


PACKAGE_YEARS = _package_years()


def beijing_date(instant: datetime) -> date:
    """The calendar date in Beijing of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(BEIJING).date()


def start_of_day(day: date) -> datetime:
    """00:00 Beijing time on ``day``, as an aware UTC instant."""
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)


def is_on_time(answered_at, due_at):
    """An answer is on time when it came before the exclusive due time (24:00 Beijing of the last
    working day). The one definition: it takes datetimes, or SQL columns to build a condition."""
    return answered_at < due_at


@dataclass(frozen=True)
class Due:
    """A deadline: the last working day, the exclusive instant, and whether it was guessed."""

    due_date: date
    due_at: datetime
    provisional: bool

    def as_dict(self) -> dict:
        return {
            "due_date": self.due_date.isoformat(),
            "due_at": self.due_at.astimezone(BEIJING).isoformat(),
            "provisional": self.provisional,
        }


@dataclass
class WorkCalendar:
    """Decides which dates are working days.

    ``loaded`` maps a loaded year to its listed days (``date -> True`` for a make-up working day,
    ``False`` for a holiday); unlisted days of a loaded year follow the weekday rule.
    """

    loaded: Mapping[int, Mapping[date, bool]] = field(default_factory=dict)
    sources: Mapping[int, str] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    # year -> the running count of working days on each day of the year (prefix sums)
    _prefix: dict = field(default_factory=dict, repr=False, compare=False)
    # year -> working days from ORDINAL_YEAR up to the end of the previous year
    _base: dict = field(default_factory=dict, repr=False, compare=False)

    def year_source(self, year: int) -> str:
        """Where ``year``'s schedule comes from: loaded, package or fallback."""
        if year in self.loaded:
            return SOURCE_LOADED
        if year in PACKAGE_YEARS:
            return SOURCE_PACKAGE
        return SOURCE_FALLBACK

    def is_known(self, year: int) -> bool:
        return self.year_source(year) != SOURCE_FALLBACK

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        source = self.year_source(day.year)
        if source == SOURCE_LOADED:
            result = self.loaded[day.year].get(day, day.weekday() < 5)
        elif source == SOURCE_PACKAGE:
            result = chinese_calendar.is_workday(day)
        else:
            result = day.weekday() < 5
        self._cache[day] = result
        return result

    def add_workdays(self, day: date, n: int) -> tuple[date, bool]:
        """The Nth working day after ``day`` (``day`` itself not counted), and whether a guessed year was used."""
        if n < 0:
            raise ValueError("n must not be negative")
        provisional = False
        current = day
        counted = 0
        while counted < n:
            current += timedelta(days=1)
            if not self.is_known(current.year):
                provisional = True
            if self.is_workday(current):
                counted += 1
        return current, provisional

    def due(self, received_at: datetime, n: int) -> Due:
        """The due time of a period of ``n`` working days starting at ``received_at``."""
        due_date, provisional = self.add_workdays(beijing_date(received_at), n)
        return Due(due_date, start_of_day(due_date + timedelta(days=1)), provisional)

    def extend(self, due_at: datetime, n: int) -> Due:
        """Move an exclusive due time by ``n`` working days, counted from its due date."""
        current_due_date = beijing_date(due_at) - timedelta(days=1)
        due_date, provisional = self.add_workdays(current_due_date, n)
        # a due date that itself lies in a guessed year was a guess, and so is anything after it
        provisional = provisional or not self.is_known(current_due_date.year)
        return Due(due_date, start_of_day(due_date + timedelta(days=1)), provisional)

    def _year_prefix(self, year: int) -> list[int]:
        prefix = self._prefix.get(year)
        if prefix is None:
            prefix, count, day = [], 0, date(year, 1, 1)
            while day.year == year:
                count += self.is_workday(day)
                prefix.append(count)
                day += timedelta(days=1)
            self._prefix[year] = prefix
        return prefix

    def _year_base(self, year: int) -> int:
        base = self._base.get(year)
        if base is None:
            step = 1 if year >= ORDINAL_YEAR else -1
            base = 0
            for y in range(ORDINAL_YEAR, year, step) if step == 1 else range(year, ORDINAL_YEAR):
                base += self._year_prefix(y)[-1]
            base *= step
            self._base[year] = base
        return base

    def ordinal(self, day: date) -> int:
        """The running count of working days up to and including ``day``, from the start of
        :data:`ORDINAL_YEAR` (negative before it): working days between two dates are a
        difference of ordinals, whatever the distance (prefix sums, built once per year)."""
        return self._year_base(day.year) + self._year_prefix(day.year)[day.timetuple().tm_yday - 1]

    def workdays_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s date up to and including ``end``'s date (Beijing).

        Received on Friday and answered on Monday is 1; the same day is 0.
        """
        first, last = beijing_date(start), beijing_date(end)
        return self.ordinal(last) - self.ordinal(first) if last > first else 0

    def count_workdays(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included (0 when ``last`` < ``first``)."""
        return self.ordinal(last) - self.ordinal(first - timedelta(days=1)) if last >= first else 0

    def workdays_left(self, now: datetime, due_at: datetime) -> int:
        """The citizen's count of what is left before ``due_at``: the working days after today up to
        and including the due date, so a case promised within 3 working days has 3 left on the day
        of receipt (that day does not count) and 0 on its last day (due at 24:00 today). Once the
        due time has passed, minus the working days overdue (at least 1).

        剩3个工作日 (received today) · 剩1个工作日 · 0: 今日24时到期 · -2: 超期2个工作日.
        """
        today = beijing_date(now)
        due_date = beijing_date(due_at) - timedelta(days=1)
        if now < due_at:
            return self.count_workdays(today + timedelta(days=1), due_date)
        return -max(self.count_workdays(due_date + timedelta(days=1), today), 1)

    def reminder_at(self, due_at: datetime, workdays_before: int) -> datetime:
        """When to remind: the start of the working day that leaves ``workdays_before`` days."""
        day = beijing_date(due_at) - timedelta(days=1)
        remaining = workdays_before
        while True:
            if self.is_workday(day):
                remaining -= 1
                if remaining <= 0:
                    return start_of_day(day)
            day -= timedelta(days=1)


def parse_year_csv(rows: Iterable[Mapping[str, str]]) -> tuple[int, dict[date, bool], dict[date, str]]:
    """Read ``date,kind,name`` rows of one year. Raises ValueError naming the bad row.

    Rows are numbered as lines of a file with a header (the first row is line 2), unless a row
    carries its own ``line``.
    """
    days: dict[date, bool] = {}
    names: dict[date, str] = {}
    years: set[int] = set()
    for index, row in enumerate(rows, start=2):
        number = row.get("line") or index  # the file's own line number when the reader kept it
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            raise ValueError(f"line {number}: date {row.get('date')!r} is not YYYY-MM-DD") from None
        kind = (row.get("kind") or "").strip()
        if kind not in ("holiday", "workday"):
            raise ValueError(f"line {number}: kind must be 'holiday' or 'workday', not {kind!r}")
        if day in days:
            raise ValueError(f"line {number}: {day} is listed twice")
        years.add(day.year)
        days[day] = kind == "workday"
        names[day] = (row.get("name") or "").strip()
    if len(years) != 1:
        raise ValueError(f"the file must list days of exactly one year, found {sorted(years) or 'none'}")
    return years.pop(), days, names
