"""Reads for the inbox and the case page: the history, canned answers, a sent-back answer, returned cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from tracker.cases import history
from tracker.cases.history import Action
from tracker.cases.models import (
    Attachment,
    CannedAnswer,
    Case,
    CaseEvent,
    Category,
    ExtensionRequest,
)
from tracker.cases.permissions import case_pauses
from tracker.cases.scope import Actor
from tracker.organisations.models import Organisation, Site
from tracker.users.models import User


def case_details(session: Session, case: Case) -> dict:
    return {
        "site": session.get(Site, case.site_id) if case.site_id else None,
        "organiser": session.get(Organisation, case.organiser_id) if case.organiser_id else None,
        "supervisor": session.get(Organisation, case.supervisor_id),
        "category": session.get(Category, case.category_code),
        "events": session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all(),
        "attachments": session.exec(select(Attachment.id, Attachment.filename, Attachment.width, Attachment.height)
                                    .where(Attachment.case_id == case.id).order_by(Attachment.id)).all(),
        "extensions": session.exec(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
                                   .order_by(ExtensionRequest.id)).all(),
        "pauses": case_pauses(session, case),
    }


def canned_answers(session: Session, actor: Actor, category_code: int) -> list[CannedAnswer]:
    """Canned answers for the case's category (or for every category), shared or the actor's own."""
    org_id = actor.organisation.id if actor.organisation else None
    return session.exec(select(CannedAnswer).where(
        or_(CannedAnswer.category_code == category_code, CannedAnswer.category_code.is_(None)),
        or_(CannedAnswer.organisation_id.is_(None), CannedAnswer.organisation_id == org_id),
    ).order_by(CannedAnswer.title)).all()


def usable_canned_answers(session: Session, actor: Actor) -> list[CannedAnswer]:
    """Every canned answer ``actor``'s organisation may use: the shared ones and its own."""
    org_id = actor.organisation.id if actor.organisation else None
    return session.exec(select(CannedAnswer).where(
        or_(CannedAnswer.organisation_id.is_(None), CannedAnswer.organisation_id == org_id),
    ).order_by(CannedAnswer.category_code, CannedAnswer.title)).all()


def canned_answer(session: Session, actor: Actor, category_code: int, raw_id: str) -> CannedAnswer | None:
    """The canned answer ``raw_id`` if it is one offered to ``actor`` for this category."""
    return next((a for a in canned_answers(session, actor, category_code) if str(a.id) == raw_id), None)


def sent_back_reason(case: Case, events: list[CaseEvent]) -> CaseEvent | None:
    """The review's rejection an answer was sent back with, while it still waits to be redone."""
    if case.state != "in_progress" or case.sent_back_at is None:
        return None
    return next((e for e in reversed(events) if e.action == Action.reject), None)


@dataclass
class ReturnedRow:
    """A case the organisation handed back: only what is safe to show once it is someone else's."""

    tracking_number: str
    returned_at: datetime
    reason: str
    now_with: str  # the organisation holding it now (its organiser, or the supervisor triaging it)
    state: str
    is_ours: bool  # back with this organisation: its page may be opened


def returned_cases(session: Session, organisation: Organisation, page: int = 1,
                   size: int = 50) -> tuple[list[ReturnedRow], bool]:
    """The cases ``organisation`` returned (退回), newest return first, and whether more follow.

    Walks its users' return events (``ix_case_event_actor``); an event whose data names another
    returning organisation (a user who moved) is left out.
    """
    users = select(User.id).where(User.organisation_id == organisation.id)
    query = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.actor_user_id.in_(users), CaseEvent.action == Action.return_case)
             .order_by(CaseEvent.id.desc()).offset((max(page, 1) - 1) * size).limit(size + 1))
    found = session.exec(query).all()
    holders = {o.id: o.name for o in session.exec(select(Organisation).where(Organisation.id.in_(
        {c.organiser_id or c.supervisor_id for _e, c in found[:size]})))}
    rows = []
    for event, case in found[:size]:
        returned_by = history.read(event).returned_by
        if returned_by is not None and returned_by != organisation.id:
            continue
        rows.append(ReturnedRow(case.tracking_number, event.created_at, event.note or "",
                                holders.get(case.organiser_id or case.supervisor_id, ""), case.state,
                                case.organiser_id == organisation.id))
    return rows, len(found) > size
