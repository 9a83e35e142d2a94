"""Who acts, and which cases they may see: the case side of :mod:`tracker.organisations.scope`."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from tracker.cases.models import Case, CaseAccess
from tracker.organisations.models import Organisation
from tracker.organisations.scope import is_within
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


@dataclass(frozen=True)
class ListColumns:
    """The columns a list of an actor's cases filters and orders by. For a supervisor they are the
    access row's copies of the case's state and due time, so that one index walk serves the list."""

    state: object
    due_at: object
    id: object


CASE_COLUMNS = ListColumns(Case.state, Case.due_at, Case.id)
ACCESS_COLUMNS = ListColumns(CaseAccess.state, CaseAccess.due_at, CaseAccess.case_id)


def seeing_organisation(actor: Actor):
    """SQL: the ``CaseAccess.org_id`` whose rows are ``actor``'s cases (a supervisor's own
    organisation; the national root's for an admin), or None when ``actor`` reads no access rows."""
    if actor.role == Role.admin:
        return select(Organisation.id).where(Organisation.path == "/").scalar_subquery()
    if actor.role == Role.supervisor and actor.organisation is not None:
        return actor.organisation.id
    return None


def list_columns(actor: Actor) -> ListColumns:
    """The columns to filter and order ``actor``'s lists by (see :func:`scoped`)."""
    return CASE_COLUMNS if seeing_organisation(actor) is None else ACCESS_COLUMNS


def scoped(query, actor: Actor):
    """``query`` (which reads ``Case``) limited to the cases ``actor`` may see.

    A supervisor's cases are read through their access rows (:mod:`tracker.cases.access`): the
    rule of :func:`can_see`, kept as one row per seeing organisation. The admins see every case,
    through the national root's rows; an organiser its own organisation's.
    """
    if actor.role == "system":
        return query
    if actor.role == Role.organiser and actor.organisation is not None:
        return query.where(Case.organiser_id == actor.organisation.id)
    seeing = seeing_organisation(actor)
    if seeing is None:
        return query.where(False)
    return query.join(CaseAccess, (CaseAccess.case_id == Case.id) & (CaseAccess.org_id == seeing))


def scoped_cases(session: Session, actor: Actor):
    """``select(Case)`` limited to what ``actor`` may see (:func:`scoped`)."""
    return scoped(select(Case), actor)
