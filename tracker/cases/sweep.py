"""The deadline sweep: reminders before the due time and overdue notices after it, exactly once.

Each case carries ``sweep_at`` (indexed), the next instant it needs a look
(:func:`tracker.cases.deadlines.schedule_sweep`). A pass repeatedly takes the first ``SWEEP_BATCH``
cases with ``sweep_at <= now`` (``ORDER BY sweep_at``: an index range scan, so its cost follows the
number of due cases, not the table), claims them, writes outbox rows, stamps ``reminded_at`` /
``overdue_at``, reschedules ``sweep_at`` and commits.

Claiming: PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` (two sweeps split the due cases); SQLite
``BEGIN IMMEDIATE`` (the second sweep waits for the first to commit, then finds nothing due). The
outbox rows also carry ``dedupe_key`` = ``reminder:<case id>:<due time>`` / ``overdue:<case id>:<due
time>`` (unique), so each kind is written once per case and due time: an approved extension moves the
due time and makes a new reminder legitimate.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlmodel import select

from tracker.calendar.store import load_calendar
from tracker.cases.deadlines import schedule_sweep
from tracker.cases.models import Case
from tracker.cases.operations import resume
from tracker.cases.scope import SYSTEM
from tracker.cases.states import State
from tracker.db import begin_writing, utcnow
from tracker.extensions import db
from tracker.outbox import enqueue


def due_cases_query(now: datetime, batch: int, dialect: str = "sqlite"):
    query = select(Case).where(Case.sweep_at <= now).order_by(Case.sweep_at).limit(batch)
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _look_at(session, case: Case, calendar, now: datetime, stats: dict) -> None:
    if case.state == State.closed:
        case.sweep_at = None
        return
    if case.state == State.in_review:  # answered; review (approve or reject) reschedules
        case.sweep_at = None
        return
    if case.paused_at is not None:
        if case.pause_ends_at is None or now < case.pause_ends_at:
            schedule_sweep(case, calendar, now)
            return
        resume(session, case, SYSTEM, now=now)
    due = case.due_at.isoformat()
    if now >= case.due_at:
        if case.overdue_at is None or case.overdue_at < case.due_at:
            if enqueue(session, "overdue", case_id=case.id, dedupe_key=f"overdue:{case.id}:{due}",
                       payload={"due_at": due}) is not None:
                stats["overdue"] += 1
            case.overdue_at = now
    else:
        remind_at = calendar.reminder_at(case.due_at, current_app.config["REMINDER_WORKDAYS"])
        if now >= remind_at and not (case.reminded_at is not None and case.reminded_at >= remind_at):
            if enqueue(session, "reminder", case_id=case.id, dedupe_key=f"reminder:{case.id}:{due}",
                       payload={"due_at": due}) is not None:
                stats["reminders"] += 1
            case.reminded_at = now
    schedule_sweep(case, calendar, now)
    if case.sweep_at is not None and case.sweep_at <= now:  # never look twice in one pass
        case.sweep_at = None if case.overdue_at is not None and case.overdue_at >= case.due_at else case.due_at


def sweep(*, now: datetime | None = None, batch: int | None = None) -> dict:
    """One pass over the due cases. Commits per batch. Returns counts."""
    now = now or utcnow()
    batch = batch or current_app.config["SWEEP_BATCH"]
    session = db.job_session()
    dialect = db.dialect
    stats = {"cases": 0, "reminders": 0, "overdue": 0}
    while True:
        if dialect == "sqlite":
            begin_writing(session)
        cases = list(session.exec(due_cases_query(now, batch, dialect)).all())
        calendar = load_calendar(session)
        with session.no_autoflush:  # one flush per batch, at commit
            for case in cases:
                _look_at(session, case, calendar, now, stats)
        stats["cases"] += len(cases)
        session.commit()
        if len(cases) < batch:
            return stats
