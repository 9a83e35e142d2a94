"""Reads for the citizen's side: categories, site suggestions, duplicates, the public timeline,
and the published answers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, or_
from sqlmodel import Session, select

from tracker.cases.masking import PublicTexts
from tracker.cases.models import Case, CaseEvent, Category
from tracker.cases.states import OPEN_STATES, OUTCOME_NAMES, STATE_NAMES, Outcome, State
from tracker.i18n import current_language
from tracker.organisations.models import Site
from tracker.organisations.util import route_for

PAGE_SIZE = 20


@dataclass(frozen=True)
class CategoryChoice:
    code: int
    label: str


def active_categories(session: Session) -> list[CategoryChoice]:
    rows = session.exec(select(Category).where(Category.is_active).order_by(Category.sort_order, Category.code)).all()
    language = current_language()
    return [CategoryChoice(c.code, c.name_in(language)) for c in rows]


def suggest_sites(session: Session, query: str, limit: int = 10) -> list[dict]:
    """Running sites whose name contains ``query`` or whose code starts with it."""
    query = (query or "").strip()
    if not query:
        return []
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.exec(
        select(Site).where(Site.is_running, or_(Site.name.like(f"%{escaped}%", escape="\\"),
                                                Site.code.like(f"{escaped}%", escape="\\")))
        .order_by(func.length(Site.name), Site.code).limit(limit)
    ).all()
    return [{"code": s.code, "name": s.name} for s in rows]


def site_by_name_or_code(session: Session, value: str) -> Site | None:
    value = (value or "").strip()
    if not value:
        return None
    return session.exec(select(Site).where(or_(Site.code == value, Site.name == value))).first()


def open_cases_for_page(session: Session, page_url: str, limit: int = 5) -> list[dict]:
    """Open cases about the same page: tracking number and state only, nothing personal."""
    url = (page_url or "").strip()
    if not url:
        return []
    variants = {url, url.rstrip("/"), url.rstrip("/") + "/"}
    rows = session.exec(
        select(Case.tracking_number, Case.state, Case.received_at)
        .where(Case.page_url.in_(variants), Case.state.in_([s.value for s in OPEN_STATES]))
        .order_by(Case.received_at.desc()).limit(limit)
    ).all()
    return [{"tracking_number": number, "state": str(STATE_NAMES[State(state)]), "received_at": received}
            for number, state, received in rows]


def detect_site(session: Session, site_code: str | None, page_url: str) -> dict:
    """Which site a report would go to, as the routing decides it (never a second copy of it)."""
    decided = route_for(session, site_code, page_url)
    site = session.get(Site, decided.site_id) if decided.site_id else None
    return {
        "site": {"code": site.code, "name": site.name} if site else None,
        "reason": decided.reason,
        "candidates": list(decided.candidates),
    }


#: public event action -> its label; ``%(org)s`` is the organiser's name
TIMELINE_LABELS = {
    "submit": _l("已收到留言"),
    "assign": _l("已转交“%(org)s”办理"),
    "reroute": _l("已转交“%(org)s”办理"),
    "accept": _l("办理单位已签收"),
    "answer": _l("已答复，办结"),
    "approve": _l("已答复，办结"),
    "close_not_taken_up": _l("不予受理，办结"),
    "record_feedback": _l("已评价"),
    "reopen": _l("重新办理"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str


def public_timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """The case's public events, oldest first, with no staff names or internal notes."""
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.is_public).order_by(CaseEvent.id)
    ).all()
    entries = []
    for event in events:
        label = TIMELINE_LABELS.get(event.action)
        if label is None:
            continue
        org = (event.data or {}).get("organiser") or pgettext("timeline", "办理单位")
        entries.append(TimelineEntry(event.created_at, str(label) % {"org": org}))
    return entries


def outcome_label(outcome: str | None) -> str:
    return str(OUTCOME_NAMES[Outcome(outcome)]) if outcome else ""


def state_label(state: str) -> str:
    return str(STATE_NAMES[State(state)])


@dataclass(frozen=True)
class PublishedAnswer:
    tracking_number: str
    site_name: str
    site_code: str
    category: str
    page_url: str
    description: str
    answer: str
    outcome: str
    received_at: datetime
    closed_at: datetime


def published_answers(session: Session, *, site: str = "", category: str = "", page: int = 1):
    """Closed cases, newest first, masked: ``(answers, total, pages)``."""
    query = (select(Case, Site, Category)
             .join(Category, Category.code == Case.category_code)
             .outerjoin(Site, Site.id == Case.site_id)
             .where(Case.state == State.closed))
    site = (site or "").strip()
    if site:
        escaped = site.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(Site.code == site, Site.name.like(f"%{escaped}%", escape="\\")))
    if category not in (None, ""):
        try:
            query = query.where(Case.category_code == int(category))
        except ValueError:
            query = query.where(False)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.exec(query.order_by(Case.closed_at.desc(), Case.id.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    answers = []
    language = current_language()
    for case, case_site, cat in rows:
        texts = PublicTexts.of(case)
        answers.append(PublishedAnswer(
            tracking_number=case.tracking_number,
            site_name=case_site.name if case_site else "",
            site_code=case_site.code if case_site else (case.site_code_given or ""),
            category=cat.name_in(language),
            page_url=texts.page_url,
            description=texts.description,
            answer=texts.answer,
            outcome=outcome_label(case.outcome),
            received_at=case.received_at,
            closed_at=case.closed_at,
        ))
    return answers, total, page, pages
