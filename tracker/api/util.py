"""Reads of the API: case lists and the plain dicts its schemas dump."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from tracker.cases import lint
from tracker.cases.history import action_name
from tracker.cases.masking import PublicTexts
from tracker.cases.models import Case, CaseEvent, ExtensionRequest
from tracker.cases.permissions import available_actions, case_pauses
from tracker.cases.scope import Actor, scoped_cases
from tracker.cases.states import OPEN_STATES, OUTCOME_NAMES, STATE_NAMES, Outcome, State
from tracker.evidence.util import api_list as page_checks
from tracker.organisations.models import Organisation, Site
from tracker.workdays import start_of_day


def _org(session: Session, org_id: int | None) -> dict | None:
    org = session.get(Organisation, org_id) if org_id else None
    return {"id": org.id, "code": org.code, "name": org.name} if org else None


def _site(session: Session, site_id: int | None) -> Site | None:
    return session.get(Site, site_id) if site_id else None


def created(session: Session, case: Case, query_code: str) -> dict:
    site = _site(session, case.site_id)
    organiser = session.get(Organisation, case.organiser_id) if case.organiser_id else None
    return {
        "tracking_number": case.tracking_number, "query_code": query_code, "state": case.state,
        "due_at": case.due_at,
        "site": {"code": site.code, "name": site.name} if site else None,
        "organiser": {"code": organiser.code, "name": organiser.name} if organiser else None,
    }


def public_status(session: Session, case: Case) -> dict:
    """What the citizen may see: state, times, the public timeline, and the answer once closed."""
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.is_public)
                          .order_by(CaseEvent.id)).all()
    answer = None
    if case.state == State.closed:
        outcome = Outcome(case.outcome) if case.outcome else None
        answer = {"outcome": case.outcome, "outcome_label": str(OUTCOME_NAMES[outcome]) if outcome else None,
                  "text": PublicTexts.of(case).answer, "closed_at": case.closed_at}
    return {
        "tracking_number": case.tracking_number, "state": case.state,
        "state_label": str(STATE_NAMES[State(case.state)]),
        "received_at": case.received_at, "due_at": case.due_at,
        "timeline": [{"action": e.action, "label": str(action_name(e.action)),
                      "state": e.state_after, "at": e.created_at} for e in events],
        "answer": answer,
    }


def summary(session: Session, case: Case) -> dict:
    site = _site(session, case.site_id)
    return {
        "tracking_number": case.tracking_number, "state": case.state, "category": case.category_code,
        "site_code": site.code if site else case.site_code_given, "page_url": case.page_url,
        "description": case.description, "received_at": case.received_at, "due_at": case.due_at,
        "due_is_provisional": case.due_is_provisional, "organiser": _org(session, case.organiser_id),
    }


def detail(session: Session, actor: Actor, case: Case) -> dict:
    """The staff view of a case: every field, its history and its extension requests."""
    site = _site(session, case.site_id)
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    extensions = session.exec(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
                              .order_by(ExtensionRequest.id)).all()
    return {
        **summary(session, case),
        "source": case.source, "external_id": case.external_id, "outcome": case.outcome, "answer": case.answer,
        "contact_name": case.contact_name, "contact_phone": case.contact_phone,
        "contact_email": case.contact_email,
        "supervisor": _org(session, case.supervisor_id),
        "site": {"id": site.id, "code": site.code, "name": site.name} if site else None,
        "assigned_at": case.assigned_at, "accepted_at": case.accepted_at, "answered_at": case.answered_at,
        "closed_at": case.closed_at, "feedback": case.feedback,
        "allowed_actions": available_actions(session, actor, case),
        "extensions": [{"id": x.id, "state": x.state, "workdays": x.workdays, "reason": x.reason,
                        "created_at": x.created_at, "decided_at": x.decided_at} for x in extensions],
        "pauses": [{"id": p.id, "reason": p.reason, "started_at": p.started_at, "ends_at": p.ends_at,
                    "ended_at": p.ended_at, "end_reason": p.end_reason, "reply": p.reply, "approval": p.approval,
                    "workdays": p.workdays, "due_after": p.due_after} for p in case_pauses(session, case)],
        "events": [{"id": e.id, "action": e.action,
                    "label": str(action_name(e.action)),
                    "actor": e.actor_label, "state_before": e.state_before, "state_after": e.state_after,
                    "note": e.note, "is_public": e.is_public, "at": e.created_at} for e in events],
        "page_checks": page_checks(session, case),
        "answer_lint": [{"code": f.code, "message": str(f.message)}
                        for f in lint.answer_findings(session, [case.id]).get(case.id, [])],
    }


def case_page(session: Session, actor: Actor, *, page: int, per_page: int, state: str | None = None,
              site_code: str | None = None, category: int | None = None, received_from=None, received_to=None,
              q: str | None = None) -> tuple[list[Case], int]:
    """One page of the cases ``actor`` may see, newest first, and how many match in all."""
    query = scoped_cases(session, actor)
    if state == "open":
        query = query.where(Case.state.in_([s.value for s in OPEN_STATES]))
    elif state:
        query = query.where(Case.state == state)
    if site_code:
        query = query.where(Case.site_id.in_(select(Site.id).where(Site.code == site_code)))
    if category is not None:
        query = query.where(Case.category_code == category)
    if received_from:
        query = query.where(Case.received_at >= start_of_day(received_from))
    if received_to:
        query = query.where(Case.received_at < start_of_day(received_to + timedelta(days=1)))
    if q:
        query = query.where(or_(Case.tracking_number.contains(q, autoescape=True),
                                Case.page_url.contains(q, autoescape=True),
                                Case.description.contains(q, autoescape=True)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Case.received_at.desc(), Case.id.desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def site_page(session: Session, *, page: int, per_page: int, q: str | None = None) -> tuple[list[dict], int]:
    query = select(Site)
    if q:
        query = query.where(or_(Site.code.contains(q, autoescape=True), Site.name.contains(q, autoescape=True)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Site.code).offset((page - 1) * per_page).limit(per_page)).all()
    items = [{"code": s.code, "name": s.name, "is_running": s.is_running,
              "organiser": _org(session, s.organiser_id), "supervisor": _org(session, s.supervisor_id)}
             for s in rows]
    return items, total
