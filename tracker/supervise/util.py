"""Reads for the supervisor's queues and the per-organisation overview."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as when
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases import history
from tracker.cases.history import Action
from tracker.cases.models import Case, CaseAccess, CaseEvent, ExtensionRequest
from tracker.cases.queries import by_due_time, due_soon_bound
from tracker.cases.scope import Actor, list_columns, scoped, scoped_cases, seeing_organisation
from tracker.cases.states import OPEN_STATES, State
from tracker.organisations.models import Organisation

QUEUE_LIMIT = 50


def triage(session: Session, actor: Actor) -> list[Case]:
    """Unrouted and returned cases, oldest triage deadline first."""
    return session.exec(scoped_cases(session, actor).where(list_columns(actor).state == State.triage)
                        .order_by(Case.triage_due_at, Case.due_at, Case.id).limit(QUEUE_LIMIT)).all()


def unsatisfied(session: Session, actor: Actor) -> list[Case]:
    """Closed cases the citizen rated unsatisfied: candidates for reopening (重办), newest rating
    first (the partial index ``ix_case_unsatisfied``)."""
    return session.exec(scoped_cases(session, actor).where(Case.state == State.closed,
                                                           Case.feedback == "unsatisfied")
                        .order_by(Case.feedback_at.desc(), Case.id).limit(QUEUE_LIMIT)).all()


def in_review(session: Session, actor: Actor) -> list[Case]:
    return session.exec(by_due_time(scoped_cases(session, actor), list_columns(actor), [State.in_review],
                                    QUEUE_LIMIT)).all()


def extension_requests(session: Session, actor: Actor) -> list[tuple[ExtensionRequest, Case]]:
    query = scoped(select(ExtensionRequest, Case).join(Case, Case.id == ExtensionRequest.case_id)
                   .where(ExtensionRequest.state == "pending"), actor)
    query = query.order_by(ExtensionRequest.created_at).limit(QUEUE_LIMIT)
    return session.exec(query).all()


def overdue(session: Session, actor: Actor, now: datetime) -> list[Case]:
    """Open, assigned cases past their due time: the ones to chase (督办)."""
    columns = list_columns(actor)
    return session.exec(by_due_time(scoped_cases(session, actor).where(columns.due_at <= now), columns,
                                    [State.assigned, State.in_progress, State.in_review], QUEUE_LIMIT)).all()


@dataclass(frozen=True)
class ReturnNote:
    """The organiser's latest hand-back (退回) of a case: why, who, when."""

    reason: str
    organiser: str | None
    at: datetime


def return_notes(session: Session, cases: list[Case]) -> dict[int, ReturnNote]:
    """The latest return of each of ``cases`` that was returned, by case id (one query on the
    event index)."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id.in_(ids),
                                                  CaseEvent.action == Action.return_case.value)
                          .order_by(CaseEvent.case_id, CaseEvent.id)).all()
    latest = {e.case_id: e for e in events}
    names = organisation_names(session, [history.read(e).returned_by for e in latest.values()])
    return {case_id: ReturnNote(e.note or "", names.get(history.read(e).returned_by), e.created_at)
            for case_id, e in latest.items()}


@dataclass(frozen=True)
class Chasing:
    """How often a case was chased (督办), and when last."""

    count: int
    last_at: datetime | None


def chasing(session: Session, cases: list[Case]) -> dict[int, Chasing]:
    """Chase count and latest chase of each of ``cases`` (one grouped query on the event index)."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    rows = session.execute(select(CaseEvent.case_id, func.count(), func.max(CaseEvent.id))
                           .where(CaseEvent.case_id.in_(ids), CaseEvent.action == Action.chase.value)
                           .group_by(CaseEvent.case_id)).all()
    last = dict(session.execute(select(CaseEvent.id, CaseEvent.created_at)
                                .where(CaseEvent.id.in_([r[2] for r in rows]))).all()) if rows else {}
    return {c.id: Chasing(0, None) for c in cases} | {r[0]: Chasing(r[1], last.get(r[2])) for r in rows}


def organisation_names(session: Session, ids) -> dict[int, str]:
    """``{id: name}`` of the organisations with these ids (None ignored)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name)
                                .where(Organisation.id.in_(wanted))).all())


@dataclass
class OrgLoad:
    organisation: Organisation
    open: int
    overdue: int
    due_soon: int


def overview(session: Session, actor: Actor, now: datetime) -> list[OrgLoad]:
    """Per organiser: open, overdue and due-soon cases (one grouped query)."""
    bound = due_soon_bound(load_calendar(session), now)
    open_states = [s.value for s in OPEN_STATES]
    seeing = seeing_organisation(actor)
    if seeing is None:
        return []
    # the access rows carry the organiser: one index walk of (org_id, state, organiser_id)
    query = (select(CaseAccess.organiser_id, func.count(),
                    func.sum(when((CaseAccess.due_at <= now, 1), else_=0)),
                    func.sum(when(((CaseAccess.due_at > now) & (CaseAccess.due_at <= bound), 1), else_=0)))
             .where(CaseAccess.org_id == seeing, CaseAccess.state.in_(open_states),
                    CaseAccess.organiser_id.is_not(None))
             .group_by(CaseAccess.organiser_id))
    rows = session.execute(query).all()
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_([r[0] for r in rows])))} if rows else {}
    loads = [OrgLoad(orgs[r[0]], r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows if r[0] in orgs]
    return sorted(loads, key=lambda x: (-x.overdue, -x.due_soon, x.organisation.code))
