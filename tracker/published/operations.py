"""Publishing a report (发布通报): the one write of this package. A published report is never
updated or deleted (see :mod:`tracker.published.models`).

Like every operation, this flushes but does not commit: the caller commits.
"""
from __future__ import annotations

from sqlmodel import Session

from tracker.cases.scope import Actor
from tracker.db import utcnow
from tracker.errors import NotAllowed
from tracker.organisations.scope import is_within
from tracker.published.models import AS_OF_FIXED, AS_OF_NOW, PublishedCaseList, PublishedReport
from tracker.published.util import NOT_YOURS, calendar_version, case_lists
from tracker.reports.figures import compute
from tracker.reports.params import RULES_VERSION, Params
from tracker.users.models import Role


def can_publish(actor: Actor, params: Params) -> bool:
    """Supervisors publish for their own organisation and below; admins for any scope."""
    if actor.role == Role.admin:
        return True
    return (actor.role == Role.supervisor and actor.organisation is not None
            and is_within(params.scope, actor.organisation))


def publish_report(session: Session, params: Params, *, fixed_as_of: bool, actor: Actor | None = None,
                   published_by: str | None = None) -> PublishedReport:
    """Freeze the report of ``params`` as it is now: every figure, the notice sentence, the case ids
    behind each figure of each row, the calendar and counting rules in force, who and when.

    ``fixed_as_of``: the as-of moment was asked for (the diff recomputes at that moment); otherwise
    it is the moment of publication (the diff recomputes as of its own "now"). ``actor`` is the
    member of staff publishing (checked with :func:`can_publish`); without one (the command line),
    ``published_by`` names who published."""
    if actor is not None and not can_publish(actor, params):
        raise NotAllowed(NOT_YOURS)
    report = compute(session, params)
    published = PublishedReport(
        date_from=params.date_from, date_to=params.date_to, scope_id=params.scope.id,
        scope_code=params.scope.code, scope_name=params.scope.name, by=params.by, as_of=params.as_of,
        as_of_rule=AS_OF_FIXED if fixed_as_of else AS_OF_NOW, figures=report, sentence=report["sentence"],
        calendar_version=calendar_version(session, params), rules_version=RULES_VERSION,
        published_by_id=actor.user_id if actor is not None else None,
        published_by=(actor.label if actor is not None else published_by or "")[:200],
        published_at=utcnow())
    session.add(published)
    session.flush()
    for (row_key, bucket), ids in case_lists(session, params, report).items():
        session.add(PublishedCaseList(report_id=published.id, row_key=row_key, bucket=bucket, case_ids=ids))
    session.flush()
    return published
