"""Which bucket of the report a case falls in at the as-of moment: the one rule, written once as
SQL over the case row (:func:`bucket_condition`) and once in Python for a case replayed from its
history (:func:`snapshot_buckets`), side by side."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import Grouping
from sqlmodel import Session, select

from tracker.cases.history import Action
from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import Outcome, State
from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation
from tracker.organisations.scope import in_subtree
from tracker.reports.params import Params
from tracker.workdays import ORDINAL_YEAR, is_on_time

owner = aliased(Organisation, name="owner_org")


def closed_sql(as_of: datetime):
    return sa.and_(Case.state == State.closed, Case.closed_at <= as_of)


def answer_sql():
    return sa.func.coalesce(Case.answered_at, Case.closed_at)


def reviewed_sql():
    """A closure through the final review (终审): approved after the answer. Closing without review
    (review off, a supervisor's decision from triage, the platform's answer) stamps both at once."""
    return Case.closed_at > Case.answered_at


#: events that sent an answer (or a not-taken-up decision) to the final review, and that sent one back
SUBMITTED_ACTIONS = (Action.answer.value, Action.close_not_taken_up.value)


def _events_sql(as_of: datetime, *conditions):
    return (select(sa.func.count()).select_from(CaseEvent)
            .where(CaseEvent.case_id == Case.id, CaseEvent.created_at <= as_of, *conditions)
            .scalar_subquery())


def submitted_sql(as_of: datetime):
    """SQL: how many times the case's answer went to the final review by ``as_of``."""
    return _events_sql(as_of, CaseEvent.action.in_(SUBMITTED_ACTIONS), CaseEvent.state_after == State.in_review)


def sent_back_sql(as_of: datetime):
    """SQL: how many times the final review sent the case's answer back (驳回重办) by ``as_of``."""
    return _events_sql(as_of, CaseEvent.action == Action.reject.value)


def extra_counts_sql(as_of: datetime) -> list:
    """SQL sums, per group, of :data:`tracker.reports.params.EXTRA_COUNT_KEYS` at ``as_of``: cases
    paused by then; closed cases rated by then, and rated satisfied; cases reopened by then after an
    unsatisfied rating. Columns of the case row only (the rule of :meth:`Snapshot.extra_counts`)."""
    rated = sa.and_(closed_sql(as_of), Case.feedback_at <= as_of)

    def count(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    return [count(Case.first_paused_at <= as_of), count(rated),
            count(sa.and_(rated, Case.feedback == "satisfied")), count(Case.redone_at <= as_of)]


#: the one bucket of the four each received case falls in at the as-of moment -> the counts it adds to
BUCKETS_OF = {
    "closed_on_time": frozenset({"received", "closed", "closed_on_time"}),
    "closed_late": frozenset({"received", "closed", "closed_late"}),
    "open_overdue": frozenset({"received", "open_overdue"}),
    "open_not_due": frozenset({"received", "open_not_due"}),
}


def days_late(calendar, case, as_of: datetime) -> int | None:
    """Working days ``case`` is late at ``as_of`` (the drill-down's 超期工作日), by the rule of
    :func:`bucket_of`: a case closed by then is late by its answer, an open one by ``as_of``;
    None when it is on time or not yet due."""
    closed = case.state == State.closed and case.closed_at is not None and case.closed_at <= as_of
    end = (case.answered_at or case.closed_at) if closed else as_of
    if case.due_at is None or end < case.due_at:
        return None
    return -calendar.workdays_left(end, case.due_at)


def bucket_of(as_of: datetime):
    """SQL: which of the four buckets of :data:`BUCKETS_OF` a received case is in at ``as_of``,
    read from its current row (cases reopened after ``as_of`` are replayed instead)."""
    closed = closed_sql(as_of)
    return sa.case((sa.and_(closed, is_on_time(answer_sql(), Case.due_at)), "closed_on_time"),
                   (closed, "closed_late"),
                   (Case.due_at <= as_of, "open_overdue"),
                   else_="open_not_due")


def bucket_condition(bucket: str, as_of: datetime):
    """The SQL condition for a case being in ``bucket`` (any count key) at ``as_of``, read from its
    current row: :func:`bucket_of`, and for ``confirmed`` (问题属实) a closure with the outcome fixed.

    Together with :func:`reopened_after` it decides every figure: callers that list cases
    (the drill-down) use :func:`bucket_filter`, which also handles cases reopened after ``as_of``.
    """
    received = Case.received_at <= as_of
    if bucket == "received":
        return received
    if bucket == "confirmed":
        return sa.and_(received, closed_sql(as_of), Case.outcome == Outcome.fixed)
    members = [name for name, counts in BUCKETS_OF.items() if bucket in counts]
    if not members:
        raise InvalidInput(_l("统计口径不存在。", bucket=bucket), fields={"bucket": [bucket]})
    return sa.and_(received, bucket_of(as_of).in_(members))


def reopened_after(as_of: datetime):
    """Cases reopened after ``as_of`` (the case row keeps the time of its latest reopen, which
    is the time of its reopen event)."""
    return Case.reopened_at > as_of


def not_reopened_after(as_of: datetime):
    return sa.or_(Case.reopened_at.is_(None), Case.reopened_at <= as_of)


#: days from 1970-01-01 to 1 January of ORDINAL_YEAR, and Beijing's offset from UTC in seconds
_EPOCH_DAYS = (date(ORDINAL_YEAR, 1, 1) - date(1970, 1, 1)).days
_BEIJING_OFFSET = 8 * 3600


def beijing_day_number(instant, dialect: str):
    """SQL: the Beijing date of an instant column, as days since 1 January of ORDINAL_YEAR.
    Beijing has kept UTC+8 all year since 1991, so this is arithmetic on the instant."""
    if dialect == "postgresql":
        seconds = sa.func.date_part("epoch", instant) + _BEIJING_OFFSET
        return sa.cast(sa.func.floor(seconds / 86400), sa.Integer) - _EPOCH_DAYS
    # SQLite keeps UTC as text
    epoch = sa.func.julianday(f"{ORDINAL_YEAR}-01-01")
    return sa.cast(sa.func.julianday(sa.func.date(instant, "+8 hours")) - epoch, sa.Integer)


def workdays_sql(start, end, calendar, first: date, last: date, dialect: str):
    """SQL for the working days after ``start``'s Beijing date up to and
    including ``end``'s (:meth:`WorkCalendar.workdays_between`), for dates from ``first`` to
    ``last``: the difference of the two dates' working-day ordinals (:meth:`WorkCalendar.ordinal`).

    The ordinals travel as one parameter: an array on PostgreSQL (a subscript per row), a JSON array
    on SQLite, which has no arrays.
    """
    epoch = date(ORDINAL_YEAR, 1, 1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    ordinals = [calendar.ordinal(day) for day in days]
    offset = (first - epoch).days
    start_day, end_day = beijing_day_number(start, dialect), beijing_day_number(end, dialect)
    if dialect == "postgresql":
        array = Grouping(sa.literal(ordinals, type_=postgresql.ARRAY(sa.Integer)))  # (…)[i], not …[][i]
        return array[end_day - (offset - 1)] - array[start_day - (offset - 1)]
    # SQLite: a JSON array, read with json_extract (a joined VALUES table is scanned for every row)
    ordinal_list = sa.literal(json.dumps(ordinals))

    def lookup(day):
        return sa.func.json_extract(ordinal_list, sa.literal("$[") + sa.cast(day - offset, sa.String) + "]")

    return lookup(end_day) - lookup(start_day)


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
    """SQL: the key of a case's row. By organisation it is the code of the scope's direct child
    whose subtree holds the case's owner, read from the owner's path (``/44/4401/x/`` under
    ``/44/`` gives ``4401``), or ``''`` for the scope's own cases (本级)."""
    if params.by == "site":
        return Case.site_id
    if params.by == "category":
        return Case.category_code
    # what follows the scope's path, and a "/" so that the scope's own path ends at once
    rest = sa.func.substr(owner.path, len(params.scope.path) + 1).concat("/")
    find = sa.func.strpos if session.get_bind().dialect.name == "postgresql" else sa.func.instr
    return sa.func.substr(rest, 1, find(rest, "/") - 1)


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
    category_code: int
    #: closed through the final review (an approval), and the answers sent to it and sent back by then
    reviewed: bool = False
    submitted: int = 0
    sent_back: int = 0
    #: paused by then (0 or 1); the closure's rating by then: rated, satisfied; reopened after an unsatisfied rating
    paused: int = 0
    rated: int = 0
    satisfied: int = 0
    redone: int = 0

    @property
    def extra_counts(self) -> tuple[int, int, int, int]:
        return self.paused, self.rated, self.satisfied, self.redone


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
