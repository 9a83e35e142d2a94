"""The replay of history for cases reopened after the as-of moment: how each stood at that moment.

Everything is read from the typed event data (:mod:`tracker.cases.history`) and the periods the
case stored when its clocks started, never from today's settings: the answer period from receipt
(``Case.answer_workdays``), the due time the previous reopen set, and every extension approved
before the closure, and every pause counted before it (:mod:`tracker.cases.deadlines`).
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases import history
from tracker.cases.history import Action
from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import State
from tracker.reports.buckets import (
    SUBMITTED_ACTIONS,
    Snapshot,
    base_conditions,
    from_cases,
    reopened_after,
)
from tracker.reports.params import Params


def snapshot(case: Case, events: list[CaseEvent], as_of: datetime, calendar) -> Snapshot:
    """``case`` as it stood at ``as_of``, from ``events`` (its whole history, in order)."""
    reopen = next(e for e in events if e.action == Action.reopen and e.state_before == State.closed
                  and e.created_at > as_of)
    before = [e for e in events if e.id < reopen.id]
    # the transition into closed (a rating or a note on a closed case leaves it closed)
    closing = next((e for e in reversed(before) if e.state_after == State.closed and e.state_before != State.closed),
                   None)
    extra = _extra_counts(events, as_of)
    if closing is None:  # a history without its closure: the case as it stands
        return Snapshot(case.id, case.received_at, None, None, case.due_at, None, case.category_code, False,
                        *_reviews(events, as_of), **extra)
    answer = next((e for e in reversed(before) if e.id <= closing.id
                   and e.action in (Action.answer, Action.close_not_taken_up)), closing)
    cycle_start = next((e for e in reversed(before) if e.action == Action.reopen), None)
    started = history.read(cycle_start) if cycle_start is not None else None
    if started is not None and started.due_at is not None:
        due_at = started.due_at
    else:
        due_at = calendar.due(case.received_at, case.answer_workdays).due_at
    for event in before:
        if (event.action in DUE_MOVES and event.id < closing.id
                and (cycle_start is None or event.id > cycle_start.id)):
            decided = history.read(event)
            if decided.approved is not False and decided.due_after is not None:
                due_at = decided.due_after
    outcome = history.read(closing).outcome or history.read(answer).outcome
    rating = next((e for e in before if e.id > closing.id and e.action == Action.record_feedback
                   and e.created_at <= as_of), None) if closing.created_at <= as_of else None
    satisfied = rating is not None and history.read(rating).satisfied
    return Snapshot(case.id, case.received_at, closing.created_at, answer.created_at, due_at, outcome,
                    case.category_code, closing.action == Action.approve, *_reviews(events, as_of),
                    **extra | {"rated": int(rating is not None), "satisfied": int(satisfied)})


#: events that move the due time with a ``due_after``: an approved extension, a counted pause
DUE_MOVES = (Action.decide_extension, Action.resume, Action.decide_pause)


def _extra_counts(events: list[CaseEvent], as_of: datetime) -> dict:
    """Paused by ``as_of``, and reopened by then after an unsatisfied rating (the rule of
    :func:`tracker.reports.buckets.extra_counts_sql`)."""
    paused = any(e.action == Action.pause and e.created_at <= as_of for e in events)
    redone, unsatisfied = False, False
    for event in events:
        if event.created_at > as_of:
            continue
        if event.action == Action.record_feedback:
            unsatisfied = not history.read(event).satisfied
        elif event.action == Action.reopen:
            redone, unsatisfied = redone or unsatisfied, False
    return {"paused": int(paused), "redone": int(redone)}


def _reviews(events: list[CaseEvent], as_of: datetime) -> tuple[int, int]:
    """The answers sent to the final review and sent back by ``as_of`` (the rule of
    :func:`tracker.reports.buckets.submitted_sql` and :func:`~tracker.reports.buckets.sent_back_sql`)."""
    until = [e for e in events if e.created_at <= as_of]
    return (sum(1 for e in until if e.action in SUBMITTED_ACTIONS and e.state_after == State.in_review),
            sum(1 for e in until if e.action == Action.reject))


def reopened_snapshots(session: Session, params: Params, group) -> list[tuple[object, Snapshot]]:
    """(group key, snapshot at as_of) of the cases in the report reopened after as_of."""
    rows = session.execute(from_cases(select(Case, group.label("group_key")))
                           .where(*base_conditions(params), reopened_after(params.as_of))).all()
    if not rows:
        return []
    calendar = load_calendar(session)
    ids = [case.id for case, _ in rows]
    events: dict[int, list[CaseEvent]] = {i: [] for i in ids}
    for event in session.exec(select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.id)):
        events[event.case_id].append(event)
    return [(key, snapshot(case, events[case.id], params.as_of, calendar)) for case, key in rows]
