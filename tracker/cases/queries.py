"""Case lists for staff: the inbox and the supervisor's case list share these queries.

Every list starts from :func:`tracker.cases.scope.scoped_cases`, so scope is applied once, here.
Pages are ``LIMIT size + 1`` with an OFFSET: the extra row says whether there is a next page, so
no list ever counts all of an organisation's cases. Queue sizes are counted up to a cap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from tracker.cases.models import Case
from tracker.cases.scope import Actor, scoped_cases
from tracker.cases.states import OPEN_STATES, State
from tracker.db import utcnow
from tracker.organisations.models import Site
from tracker.sla.deadlines import load_calendar
from tracker.workdays import BEIJING, WorkCalendar, beijing_date, start_of_day

PAGE_SIZE = 50
COUNT_CAP = 100

#: queue name -> (zh, en) label, in the order the tabs show them
QUEUES = {
    "open": ("全部在办", "All open"),
    "new": ("待签收", "New"),
    "in_progress": ("办理中", "In progress"),
    "due_soon": ("1个工作日内到期", "Due within 1 working day"),
    "overdue": ("已超期", "Overdue"),
    "in_review": ("待审核", "In review"),
    "sent_back": ("被驳回", "Sent back"),
    "triage": ("待分办", "Triage"),
    "closed": ("已办结", "Closed"),
    "all": ("全部", "All"),
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
    def from_args(cls, args, default_state: str = "open") -> "Filters":
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
            category=int(category) if category.isdigit() else None,
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
    workdays_left: int | None  # positive: days left; negative: days overdue; None: closed


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


def _queue(query, state: str, now: datetime, calendar: WorkCalendar):
    """Narrow ``query`` to one queue, ordered by due time (closed: latest due first)."""
    order = (Case.due_at, Case.id)
    if state == "open":
        query = query.where(Case.state.in_(_OPEN))
    elif state == "new":
        query = query.where(Case.state == State.assigned)
    elif state == "in_progress":
        query = query.where(Case.state == State.in_progress)
    elif state == "due_soon":
        query = query.where(Case.state.in_(_OPEN), Case.due_at > now,
                            Case.due_at <= due_soon_bound(calendar, now))
    elif state == "overdue":
        query = query.where(Case.state.in_(_OPEN), Case.due_at <= now)
    elif state == "in_review":
        query = query.where(Case.state == State.in_review)
    elif state == "sent_back":
        query = query.where(Case.state == State.in_progress, Case.sent_back_at.is_not(None))
    elif state == "triage":
        query = query.where(Case.state == State.triage)
    elif state == "closed":
        query = query.where(Case.state == State.closed)
        order = (Case.due_at.desc(), Case.id.desc())
    return query, order


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
               size: int = PAGE_SIZE):
    """The SELECT behind one page (``size + 1`` rows), for the views and for EXPLAIN."""
    now = now or utcnow()
    query, order = _queue(_filtered(session, actor, filters), filters.state, now, load_calendar(session))
    return query.order_by(*order).offset((max(page, 1) - 1) * size).limit(size + 1)


def list_cases(session: Session, actor: Actor, filters: Filters, page: int = 1, *, now: datetime | None = None,
               size: int = PAGE_SIZE, queues: tuple[str, ...] = ()) -> Page:
    """One page of the cases ``actor`` may see, filtered and sorted by due time.

    ``queues`` names the queues whose sizes to count (each capped at :data:`COUNT_CAP`).
    """
    now = now or utcnow()
    page = max(page, 1)
    cases = session.exec(list_query(session, actor, filters, page, now=now, size=size)).all()
    calendar = load_calendar(session)
    rows = [Row(c, calendar.workdays_left(now, c.due_at) if c.state != State.closed else None)
            for c in cases[:size]]
    counts = {name: count_queue(session, actor, filters, name, now=now) for name in queues}
    return Page(rows=rows, number=page, has_next=len(cases) > size, filters=filters, counts=counts)


def count_queue(session: Session, actor: Actor, filters: Filters, state: str, *, now: datetime | None = None,
                cap: int = COUNT_CAP) -> int:
    """How many cases the queue holds, counting at most ``cap`` (show ``cap`` as "99+")."""
    now = now or utcnow()
    query, _ = _queue(_filtered(session, actor, filters), state, now, load_calendar(session))
    inner = query.with_only_columns(Case.id).limit(cap).subquery()
    return session.exec(select(func.count()).select_from(inner)).one()


def beijing_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(BEIJING).date()
