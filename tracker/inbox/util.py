"""Reads for the case page: what the actor may do, the history, canned answers, organisers."""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

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
