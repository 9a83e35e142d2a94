"""Who acts, and which cases they may see: the case side of :mod:`tracker.organisations.scope`."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from tracker.cases.models import Case
from tracker.organisations.models import Organisation
from tracker.organisations.scope import is_within, subtree_ids
from tracker.users.models import Role, User


@dataclass(frozen=True)
class Actor:
    """Someone acting on a case: a citizen, the system, or a member of staff."""

    role: str  # "citizen", "system", or a staff Role
    user: User | None = None
    organisation: Organisation | None = None
    label: str = ""

    @classmethod
    def of(cls, user: User, session: Session) -> Actor:
        org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
        return cls(role=user.role, user=user, organisation=org, label=user.name or user.email)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


CITIZEN = Actor("citizen", label="网民")
SYSTEM = Actor("system", label="系统")


def can_see(session: Session, actor: Actor, case: Case) -> bool:
    """True when ``actor`` may see ``case``.

    Admins see everything; an organiser sees its own organisation's cases; a supervisor sees the
    cases whose organiser or responsible supervisor lies in its subtree.
    """
    if actor.role in ("system", Role.admin):
        return True
    org = actor.organisation
    if org is None:
        return False
    if actor.role == Role.organiser:
        return case.organiser_id == org.id
    if actor.role == Role.supervisor:
        for org_id in (case.organiser_id, case.supervisor_id):
            other = session.get(Organisation, org_id) if org_id else None
            if other is not None and is_within(other, org):
                return True
    return False


def scoped_cases(session: Session, actor: Actor):
    """``select(Case)`` limited to what ``actor`` may see."""
    query = select(Case)
    if actor.role in ("system", Role.admin):
        return query
    org = actor.organisation
    if org is None or actor.role not in (Role.organiser, Role.supervisor):
        return query.where(False)
    if actor.role == Role.organiser:
        return query.where(Case.organiser_id == org.id)
    ids = subtree_ids(org)
    return query.where(or_(Case.organiser_id.in_(ids), Case.supervisor_id.in_(ids)))
