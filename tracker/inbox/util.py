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
from tracker.cases.operations import ALLOWED
from tracker.cases.scope import Actor
from tracker.organisations.models import Organisation, OrgKind, Site

#: operations offered on the case page, in this order
ACTIONS = ("accept", "answer", "add_note", "request_extension", "return", "close_not_taken_up", "assign",
           "reroute", "approve", "reject", "decide_extension", "chase", "reopen")


def available_actions(actor: Actor, case: Case, pending_extension: ExtensionRequest | None) -> list[str]:
    """The operations the state and the actor's role allow now (operations.ALLOWED decides)."""
    result = []
    for name in ACTIONS:
        states = ALLOWED[name].get(actor.role, frozenset())
        if case.state not in states:
            continue
        if name == "decide_extension" and pending_extension is None:
            continue
        if name == "request_extension" and pending_extension is not None:
            continue
        result.append(name)
    return result


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
    }


def canned_answers(session: Session, actor: Actor, category_code: int) -> list[CannedAnswer]:
    """Canned answers for the case's category (or for every category), shared or the actor's own."""
    org_id = actor.organisation.id if actor.organisation else None
    return session.exec(select(CannedAnswer).where(
        or_(CannedAnswer.category_code == category_code, CannedAnswer.category_code.is_(None)),
        or_(CannedAnswer.organisation_id.is_(None), CannedAnswer.organisation_id == org_id),
    ).order_by(CannedAnswer.title)).all()


def organisers_in_scope(session: Session, actor: Actor) -> list[Organisation]:
    """Organisers a supervisor may route to (its subtree); every organiser for an admin."""
    query = select(Organisation).where(Organisation.kind == OrgKind.organiser)
    if actor.role != "admin":
        if actor.organisation is None:
            return []
        query = query.where(Organisation.path.startswith(actor.organisation.path))
    return session.exec(query.order_by(Organisation.code)).all()


def sites_in_scope(session: Session, actor: Actor) -> list[Site]:
    """Sites for the list filter: the organiser's own, the supervisor's subtree's, or all."""
    query = select(Site)
    if actor.role == "organiser":
        query = query.where(Site.organiser_id == actor.organisation.id)
    elif actor.role == "supervisor":
        subtree = select(Organisation.id).where(Organisation.path.startswith(actor.organisation.path))
        query = query.where(or_(Site.organiser_id.in_(subtree), Site.supervisor_id.in_(subtree)))
    return session.exec(query.order_by(Site.code).limit(500)).all()


def categories(session: Session) -> list[Category]:
    return session.exec(select(Category).order_by(Category.sort_order, Category.code)).all()
