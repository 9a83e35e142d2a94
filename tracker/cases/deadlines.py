"""Every due rule of a case, and when the sweep must next look at it. The one place for them.

- A clock carries its own rule. When it starts, the period in working days then in force is
  stored: the answer period on the case at receipt (``answer_workdays``), the reopen period on the
  case and its event at a reopen (``reopen_workdays``), the days of an extension on its request.
  Recomputes after a calendar load, and the report's replay of history, use what was stored; a
  changed setting only affects clocks that start afterwards.
- On time: the answer that was finally approved was given before the exclusive due time
  (:func:`tracker.workdays.is_on_time`, for Python values and SQL columns alike).
- Triage: a supervisor has ``TRIAGE_WORKDAYS`` from the moment a case reaches triage.
- Pause (挂起): the working days a pause lasted are those after the day it started up to and
  including the day it ended (:meth:`~tracker.workdays.WorkCalendar.workdays_between`, the rule of
  a period), at most its stored limit (``PAUSE_LIMIT_WORKDAYS`` when it started). A pause that
  counts moves the due time by that many working days from the due date then in force, as an
  extension does; one that needs approval counts once a supervisor approves it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlmodel import Session, select

from tracker.calendar.operations import StoredYear, store_year
from tracker.calendar.store import load_calendar
from tracker.cases import history
from tracker.cases.models import Case, CasePause, ExtensionRequest
from tracker.cases.scope import SYSTEM
from tracker.cases.states import State
from tracker.workdays import Due, WorkCalendar


def answer_period() -> int:
    """The answer period for a clock that starts now (``ANSWER_WORKDAYS``)."""
    return int(current_app.config["ANSWER_WORKDAYS"])


def answer_due(session: Session, received_at: datetime, workdays: int | None = None) -> Due:
    """The due time of an answer to a case received at ``received_at`` (``workdays``, or the
    period in force now)."""
    return load_calendar(session).due(received_at, workdays if workdays is not None else answer_period())


def start_answer_clock(case: Case, calendar: WorkCalendar) -> Due:
    """Start a new case's clock at its receipt, storing the period in force."""
    case.answer_workdays = answer_period()
    due = calendar.due(case.received_at, case.answer_workdays)
    case.due_at, case.due_is_provisional = due.due_at, due.provisional
    return due


def start_reopen_clock(case: Case, calendar: WorkCalendar, now: datetime) -> Due:
    """Start the clock of a reopened case (重办) at ``now``, storing the period in force."""
    case.reopen_workdays = int(current_app.config["REOPEN_WORKDAYS"])
    due = calendar.due(now, case.reopen_workdays)
    case.due_at, case.due_is_provisional = due.due_at, due.provisional
    return due


def triage_due(calendar: WorkCalendar, at: datetime) -> datetime:
    """When a case that reaches triage at ``at`` must be routed."""
    return calendar.due(at, int(current_app.config["TRIAGE_WORKDAYS"])).due_at


def extension_due(case: Case, calendar: WorkCalendar, workdays: int) -> Due:
    """The due time an extension of ``workdays`` would give, from the case's current due date (the
    case is not changed: what the supervisor is shown before deciding)."""
    return calendar.extend(case.due_at, workdays)


def extended_due(case: Case, calendar: WorkCalendar, workdays: int) -> Due:
    """Move the case's due time by an approved extension of ``workdays``, from its current due date."""
    due = extension_due(case, calendar, workdays)
    case.due_at, case.due_is_provisional = due.due_at, due.provisional
    return due


def pause_limit() -> int:
    """The limit of a pause that starts now (``PAUSE_LIMIT_WORKDAYS``)."""
    return int(current_app.config["PAUSE_LIMIT_WORKDAYS"])


def pause_ends(calendar: WorkCalendar, started_at: datetime, limit_workdays: int) -> datetime:
    """When a pause started at ``started_at`` ends on its own: 24:00 Beijing on the
    ``limit_workdays``-th working day after the day it started."""
    return calendar.due(started_at, limit_workdays).due_at


def pause_workdays(calendar: WorkCalendar, pause: CasePause, ended_at: datetime) -> int:
    """The working days ``pause`` lasted if it ends at ``ended_at``: after its start day up to and
    including its end day, at most its stored limit."""
    return min(calendar.workdays_between(pause.started_at, ended_at), pause.limit_workdays)


def paused_due(case: Case, calendar: WorkCalendar, pause: CasePause, now: datetime) -> Due | None:
    """Move the case's due time by the working days of an ended pause that counts, from its current
    due date, and note the move on the pause. None (nothing moves) for a pause that does not count
    or lasted no working day."""
    if pause.ended_at is None or not pause.counts or pause.counted_at is not None:
        return None
    pause.counted_at = now
    pause.due_before = case.due_at
    due = calendar.extend(case.due_at, pause.workdays or 0)
    case.due_at, case.due_is_provisional = due.due_at, due.provisional
    pause.due_after = case.due_at
    return due


def clock_due(session: Session, case: Case, calendar: WorkCalendar) -> Due:
    """The due time of the case's current clock under ``calendar``, from its stored periods: the
    answer period from receipt (or the reopen period from the last reopen), then every extension
    approved and every pause counted since that clock started, in the order they moved it."""
    if case.reopened_at is not None:
        due = calendar.due(case.reopened_at, case.reopen_workdays or case.answer_workdays)
    else:
        due = calendar.due(case.received_at, case.answer_workdays)
    start = case.reopened_at or case.received_at
    approved = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.state == "approved",
        ExtensionRequest.decided_at >= start)).all()
    paused = session.exec(select(CasePause).where(CasePause.case_id == case.id, CasePause.counted_at >= start)).all()
    moves = sorted([(r.decided_at, r.workdays) for r in approved] + [(p.counted_at, p.workdays or 0) for p in paused],
                   key=lambda move: move[0])
    for _, workdays in moves:
        extended = calendar.extend(due.due_at, workdays)
        due = Due(extended.due_date, extended.due_at, due.provisional or extended.provisional)
    return due


def recompute_due(session: Session, case: Case, *, reason: str, actor) -> bool:
    """Recompute a provisional due time after a calendar year is loaded. True when it moved."""
    if case.state == State.closed or not case.due_is_provisional:
        return False
    calendar = load_calendar(session)
    due = clock_due(session, case, calendar)
    before_due = case.due_at
    moved = due.due_at != before_due
    case.due_at, case.due_is_provisional = due.due_at, due.provisional
    schedule_sweep(case, calendar)
    if moved or not due.provisional:
        history.record(session, case, history.Action.recompute_due, actor, case.state, note=reason,
                       data=history.DueRecomputed(due_before=before_due, due_after=case.due_at,
                                                  provisional=due.provisional))
    return moved


def schedule_sweep(case: Case, calendar: WorkCalendar, now: datetime | None = None) -> None:
    """Set ``case.sweep_at``: when the deadline sweep must next look at this case.

    Open cases are looked at for the reminder (N working days before the due time, once per due
    time) and then at the due time; closed cases never.
    """
    if case.state == State.closed:
        case.sweep_at = None
        return
    if case.paused_at is not None:  # the clock stands still: the next look is when the pause ends
        case.sweep_at = case.pause_ends_at
        return
    if case.overdue_at is not None and case.overdue_at >= case.due_at:
        case.sweep_at = None
        return
    remind_at = calendar.reminder_at(case.due_at, current_app.config["REMINDER_WORKDAYS"])
    reminded = case.reminded_at is not None and case.reminded_at >= remind_at
    case.sweep_at = case.due_at if reminded else remind_at


@dataclass(frozen=True)
class LoadResult:
    year: int
    holidays: int
    workdays: int
    replaced: bool  # the year had been loaded before
    recomputed: int  # open cases with provisional deadlines looked at
    moved: int  # of those, how many got a different due time


def load_year(session: Session, rows: Iterable[Mapping[str, str]], source: str, *, actor=None) -> LoadResult:
    """Load (or replace) one year's schedule, then recompute the provisional deadlines of open
    cases with their own stored periods. Flushes; the caller commits."""
    stored: StoredYear = store_year(session, rows, source)
    reason = f"{stored.year}年节假日安排已导入 / {stored.year} schedule loaded" + (
        f": {stored.source}" if stored.source else "")
    open_cases = session.exec(select(Case).where(Case.state != State.closed, Case.due_is_provisional.is_(True))
                              .order_by(Case.id)).all()
    moved = sum(1 for case in open_cases
                if recompute_due(session, case, reason=reason[:1000], actor=actor or SYSTEM))
    session.flush()
    return LoadResult(year=stored.year, holidays=stored.holidays, workdays=stored.workdays,
                      replaced=stored.replaced, recomputed=len(open_cases), moved=moved)
