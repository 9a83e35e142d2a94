"""Case lists for staff: the inbox and the supervisor's case list share these queries.

Every list starts from :func:`tracker.cases.scope.scoped_cases`, so scope is applied once, here.
A supervisor's lists walk the access rows (:mod:`tracker.cases.access`), an organiser's the
(organiser_id, state, due_at) index. Pages are ``LIMIT size + 1`` with an OFFSET: the extra row
says whether there is a next page, so no list ever counts all of an organisation's cases. Queue
sizes are counted up to a cap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_pgettext
from sqlalchemy import func, or_, union_all
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases.models import Case, Category
from tracker.cases.scope import CASE_COLUMNS, Actor, ListColumns, list_columns, scoped_cases
from tracker.cases.states import OPEN_STATES, State
from tracker.db import utcnow
from tracker.inputs import whole_number
from tracker.organisations.models import Organisation, OrgKind, Site
from tracker.organisations.scope import subtree_ids
from tracker.workdays import WorkCalendar, beijing_date, start_of_day

PAGE_SIZE = 50
COUNT_CAP = 100

#: queue name -> its label, in the order the tabs show them
QUEUES = {
    "open": lazy_pgettext("queue", "全部在办"),
    "new": lazy_pgettext("queue", "待签收"),
    "in_progress": lazy_pgettext("queue", "办理中"),
    "due_soon": lazy_pgettext("queue", "1个工作日内到期"),
    "overdue": lazy_pgettext("queue", "已超期"),
    "in_review": lazy_pgettext("queue", "待审核"),
    "sent_back": lazy_pgettext("queue", "被驳回"),
    "triage": lazy_pgettext("queue", "待分办"),
    "closed": lazy_pgettext("queue", "已办结"),
    "all": lazy_pgettext("queue", "全部"),
}
_OPEN = [s.value for s in OPEN_STATES]


@dataclass
class Filters:
    """What a case list is narrowed to. Every field is optional."""

    state: str = "open"
    site: str = ""
    category: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args, default_state: str = "open") -> Filters:
        def _date(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        state = args.get("state", default_state)
        category = args.get("category", "")
        return cls(
            state=state if state in QUEUES else default_state,
            site=args.get("site", "").strip()[:32],
            category=whole_number(category),
            received_from=_date("from"),
            received_to=_date("to"),
            q=args.get("q", "").strip()[:200],
        )

    def as_args(self) -> dict:
        args = {"state": self.state, "site": self.site, "category": self.category, "q": self.q,
                "from": self.received_from.isoformat() if self.received_from else None,
                "to": self.received_to.isoformat() if self.received_to else None}
        return {k: v for k, v in args.items() if v not in (None, "")}


@dataclass
class Row:
    case: Case
    workdays_left: int | None  # working days left after today; 0: due today; negative: days overdue; None: closed


@dataclass
class Page:
    rows: list[Row]
    number: int
    has_next: bool
    filters: Filters
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def due_soon_bound(calendar: WorkCalendar, now: datetime) -> datetime:
    """The latest due time that leaves at most 1 working day (today included) at ``now``."""
    today = beijing_date(now)
    second_workday, _ = calendar.add_workdays(today - timedelta(days=1), 2)
    return start_of_day(second_workday)


def _queue(state: str, now: datetime, calendar: WorkCalendar, due_at) -> tuple[list[str] | None, list, bool]:
    """A queue as (states, extra conditions, newest first). ``due_at``: the due time column the
    list orders by."""
    if state == "open":
        return _OPEN, [], False
    if state == "new":
        return [State.assigned], [], False
    if state == "in_progress":
        return [State.in_progress], [], False
    if state == "due_soon":
        return _OPEN, [due_at > now, due_at <= due_soon_bound(calendar, now)], False
    if state == "overdue":
        return _OPEN, [due_at <= now], False
    if state == "in_review":
        return [State.in_review], [], False
    if state == "sent_back":
        return [State.in_progress], [Case.sent_back_at.is_not(None)], False
    if state == "triage":
        return [State.triage], [], False
    if state == "closed":
        return [State.closed], [], True
    return [s.value for s in State], [], False  # every case: one index walk per state


def _ordered(columns: ListColumns, newest_first: bool):
    return (columns.due_at.desc(), columns.id.desc()) if newest_first else (columns.due_at, columns.id)


def by_due_time(query, columns: ListColumns, states: list[str] | None, limit: int, *, newest_first: bool = False):
    """``query`` (of ``Case``) in the given states, ordered by due time, at most ``limit`` rows.

    A list of several states is a UNION ALL of one branch per state, each walking the
    (organisation, state, due_at) index in order and stopping after ``limit`` rows; only those few
    rows are merged and sorted. So the first page costs the same however many cases exist.
    """
    order = _ordered(columns, newest_first)
    if states is None or len(states) == 1:
        if states:
            query = query.where(columns.state == states[0])
        return query.order_by(*order).limit(limit)
    branches = []
    for one in states:
        branch = (query.where(columns.state == one).with_only_columns(Case.id)
                  .order_by(*order).limit(limit).subquery())
        branches.append(select(branch.c.id))
    ids = union_all(*branches).subquery()
    return select(Case).where(Case.id.in_(select(ids.c.id))).order_by(*_ordered(CASE_COLUMNS, newest_first)) \
        .limit(limit)


def _narrow(query, columns: ListColumns, state: str, now: datetime, calendar: WorkCalendar, limit: int):
    """``query`` narrowed to one queue, ordered by due time, at most ``limit`` rows (:func:`by_due_time`)."""
    states, conditions, newest_first = _queue(state, now, calendar, columns.due_at)
    return by_due_time(query.where(*conditions), columns, states, limit, newest_first=newest_first)


def _filtered(session: Session, actor: Actor, filters: Filters):
    query = scoped_cases(session, actor)
    if filters.site:
        query = query.where(Case.site_id == select(Site.id).where(Site.code == filters.site).scalar_subquery())
    if filters.category is not None:
        query = query.where(Case.category_code == filters.category)
    if filters.received_from:
        query = query.where(Case.received_at >= start_of_day(filters.received_from))
    if filters.received_to:
        query = query.where(Case.received_at < start_of_day(filters.received_to + timedelta(days=1)))
    if filters.q:
        text = filters.q
        if text.upper().startswith("ZC") and " " not in text:
            query = query.where(Case.tracking_number == text.upper())
        else:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(Case.tracking_number.like(pattern, escape="\\"),
                                    Case.page_url.like(pattern, escape="\\"),
                                    Case.description.like(pattern, escape="\\")))
    return query


def list_query(session: Session, actor: Actor, filters: Filters, page: int = 1, *, now: datetime | None = None,
               size: int = PAGE_SIZE, calendar: WorkCalendar | None = None):
    """The SELECT behind one page (``size + 1`` rows), for the views and for EXPLAIN."""
    now = now or utcnow()
    offset = (max(page, 1) - 1) * size
    query = _narrow(_filtered(session, actor, filters), list_columns(actor), filters.state, now,
                    calendar or load_calendar(session), offset + size + 1)
    return query.offset(offset)


def list_cases(session: Session, actor: Actor, filters: Filters, page: int = 1, *, now: datetime | None = None,
               size: int = PAGE_SIZE, queues: tuple[str, ...] = ()) -> Page:
    """One page of the cases ``actor`` may see, filtered and sorted by due time.

    ``queues`` names the queues whose sizes to count (each capped at :data:`COUNT_CAP`).
    """
    now = now or utcnow()
    page = max(page, 1)
    calendar = load_calendar(session)
    cases = session.exec(list_query(session, actor, filters, page, now=now, size=size, calendar=calendar)).all()
    rows = [Row(c, calendar.workdays_left(now, c.due_at) if c.state != State.closed else None)
            for c in cases[:size]]
    counts = {name: count_queue(session, actor, filters, name, now=now, calendar=calendar) for name in queues}
    return Page(rows=rows, number=page, has_next=len(cases) > size, filters=filters, counts=counts)


def count_queue(session: Session, actor: Actor, filters: Filters, state: str, *, now: datetime | None = None,
                cap: int = COUNT_CAP, calendar: WorkCalendar | None = None) -> int:
    """How many cases the queue holds, counting at most ``cap`` (show ``cap`` as "99+")."""
    now = now or utcnow()
    inner = _narrow(_filtered(session, actor, filters), list_columns(actor), state, now,
                    calendar or load_calendar(session), cap).subquery()
    return session.exec(select(func.count()).select_from(inner)).one()


def organisers_in_scope(session: Session, actor: Actor) -> list[Organisation]:
    """Organisers a supervisor may route to (its subtree); every organiser for an admin."""
    query = select(Organisation).where(Organisation.kind == OrgKind.organiser)
    if actor.role != "admin":
        if actor.organisation is None:
            return []
        query = query.where(Organisation.id.in_(subtree_ids(actor.organisation)))
    return session.exec(query.order_by(Organisation.code)).all()


def sites_in_scope(session: Session, actor: Actor) -> list[Site]:
    """Sites for the list filter: the organiser's own, the supervisor's subtree's, or all."""
    query = select(Site)
    if actor.role == "organiser":
        query = query.where(Site.organiser_id == actor.organisation.id)
    elif actor.role == "supervisor":
        subtree = subtree_ids(actor.organisation)
        query = query.where(or_(Site.organiser_id.in_(subtree), Site.supervisor_id.in_(subtree)))
    return session.exec(query.order_by(Site.code).limit(500)).all()


def categories(session: Session) -> list[Category]:
    return session.exec(select(Category).order_by(Category.sort_order, Category.code)).all()
