"""Every due rule of a case, and when the sweep must next look at it. The one place for them.

- A clock carries its own rule. When it starts, the period in working days then in force is
  stored: the answer period on the case at receipt (``answer_workdays``), the reopen period on the
  case and its event at a reopen (``reopen_workdays``), the days of an extension on its request.
  Recomputes after a calendar load, and the report's replay of history, use what was stored; a
  changed setting only affects clocks that start afterwards.
- On time: the answer that was finally approved was given before the exclusive due time
  (:func:`tracker.workdays.is_on_time`, for Python values and SQL columns alike).
- Triage: a supervisor has ``TRIAGE_WORKDAYS`` from the moment a case reaches triage.
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
from tracker.cases.models import Case, ExtensionRequest
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


def clock_due(session: Session, case: Case, calendar: WorkCalendar) -> Due:
    """The due time of the case's current clock under ``calendar``, from its stored periods: the
    answer period from receipt (or the reopen period from the last reopen), then every extension
    approved since that clock started."""
    if case.reopened_at is not None:
        due = calendar.due(case.reopened_at, case.reopen_workdays or case.answer_workdays)
    else:
        due = calendar.due(case.received_at, case.answer_workdays)
    start = case.reopened_at or case.received_at
    approved = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.state == "approved",
        ExtensionRequest.decided_at >= start).order_by(ExtensionRequest.decided_at)).all()
    for request in approved:
        extended = calendar.extend(due.due_at, request.workdays)
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
