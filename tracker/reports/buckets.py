"""Which bucket of the report a case falls in at the as-of moment: the one rule, written once as
SQL over the case row (:func:`bucket_condition`) and once in Python for a case replayed from its
history (:func:`snapshot_buckets`), side by side."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tracker.cases.history import Action
from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import Outcome, State
from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation
from tracker.organisations.scope import in_subtree
from tracker.reports.params import Params
from tracker.workdays import is_on_time

owner = aliased(Organisation, name="owner_org")


def closed_sql(as_of: datetime):
    return sa.and_(Case.state == State.closed, Case.closed_at <= as_of)


def answer_sql():
    return sa.func.coalesce(Case.answered_at, Case.closed_at)


def bucket_condition(bucket: str, as_of: datetime):
    """The SQL condition for a case being in ``bucket`` at ``as_of``, read from its current row.

    Together with :func:`reopened_after` it decides every figure: callers that list cases
    (the drill-down) use :func:`bucket_filter`, which also handles cases reopened after ``as_of``.
    """
    closed = closed_sql(as_of)
    received = Case.received_at <= as_of
    conditions = {
        "received": received,
        "closed": closed,
        "closed_on_time": sa.and_(closed, is_on_time(answer_sql(), Case.due_at)),
        "closed_late": sa.and_(closed, sa.not_(is_on_time(answer_sql(), Case.due_at))),
        "open_overdue": sa.and_(received, sa.not_(closed), Case.due_at <= as_of),
        "open_not_due": sa.and_(received, sa.not_(closed), Case.due_at > as_of),
        "confirmed": sa.and_(closed, Case.outcome == Outcome.fixed),
    }
    try:
        return conditions[bucket]
    except KeyError:
        raise InvalidInput(_l("统计口径不存在。", bucket=bucket), fields={"bucket": [bucket]}) from None


def reopened_after(as_of: datetime):
    """Cases whose history has a reopen of a closed case after ``as_of``."""
    return sa.exists().where(CaseEvent.case_id == Case.id, CaseEvent.action == Action.reopen,
                             CaseEvent.state_before == State.closed, CaseEvent.created_at > as_of)


def base_conditions(params: Params):
    return [
        Case.received_at >= params.window_start,
        Case.received_at < params.window_end,
        Case.received_at <= params.as_of,
        in_subtree(owner.path, params.scope),
    ]


def children(session: Session, scope: Organisation) -> list[Organisation]:
    return list(session.exec(select(Organisation).where(Organisation.parent_id == scope.id)
                             .order_by(Organisation.code)).all())


def group_expression(session: Session, params: Params):
    if params.by == "site":
        return Case.site_id
    if params.by == "category":
        return Case.category_code
    below = children(session, params.scope)
    if not below:
        return sa.literal(params.scope.id)
    whens = [(in_subtree(owner.path, child), child.id) for child in below]
    return sa.case(*whens, else_=params.scope.id)


def from_cases(query):
    return query.select_from(Case).join(owner, owner.id == sa.func.coalesce(Case.organiser_id, Case.supervisor_id))



@dataclass
class Snapshot:
    """A case's times as they stood at the as-of moment (used for cases reopened after it)."""

    case_id: int
    received_at: datetime
    closed_at: datetime | None
    answered_at: datetime | None
    due_at: datetime
    outcome: str | None


def snapshot_buckets(snapshot: Snapshot, as_of: datetime) -> set[str]:
    """The buckets a case falls in at ``as_of``: the rule of :func:`bucket_condition`, in Python."""
    if snapshot.received_at > as_of:
        return set()
    buckets = {"received"}
    if snapshot.closed_at is not None and snapshot.closed_at <= as_of:
        buckets.add("closed")
        answered = snapshot.answered_at or snapshot.closed_at
        buckets.add("closed_on_time" if is_on_time(answered, snapshot.due_at) else "closed_late")
        if snapshot.outcome == Outcome.fixed:
            buckets.add("confirmed")
    else:
        buckets.add("open_overdue" if snapshot.due_at <= as_of else "open_not_due")
    return buckets
