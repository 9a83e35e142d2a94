"""Reads for the citizen's side: categories, site suggestions, duplicates, the public timeline,
and the published answers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, or_, union_all
from sqlmodel import Session, select

from tracker.cases import history
from tracker.cases.deadlines import answer_due
from tracker.cases.masking import PublicTexts
from tracker.cases.models import Case, CaseEvent, Category
from tracker.cases.states import OPEN_STATES, OUTCOME_NAMES, STATE_NAMES, Outcome, State
from tracker.i18n import current_language
from tracker.organisations.models import Organisation, Site, SiteHost
from tracker.organisations.util import route_for
from tracker.web import due_label
from tracker.workdays import is_on_time, start_of_day

PAGE_SIZE = 20


@dataclass(frozen=True)
class CategoryChoice:
    code: int
    label: str


def active_categories(session: Session) -> list[CategoryChoice]:
    rows = session.exec(select(Category).where(Category.is_active).order_by(Category.sort_order, Category.code)).all()
    language = current_language()
    return [CategoryChoice(c.code, c.name_in(language)) for c in rows]


#: the site lookup reads at most this much of what was typed: terms, and characters per term
SUGGEST_TERMS, SUGGEST_TERM_LENGTH = 4, 20
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_TERM = re.compile(r"[A-Za-z0-9.\-]+")


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _term_conditions(term: str) -> tuple[list, list]:
    """What one typed term may match, as (close matches, loose matches). Close: part of the name,
    the start of the code, part of the pinyin initials (gzrs), part of a host (rsj.gz). Loose: the
    term's characters in order in the name (广州 人社 finds 广州市人力资源和社会保障局) or its letters
    in order in the initials (gzrsj)."""
    close = [Site.name.like(f"%{_like(term)}%", escape="\\")]
    loose = []
    if _CJK.search(term) and len(term) > 1:
        loose.append(Site.name.like("%" + "%".join(_like(ch) for ch in term) + "%", escape="\\"))
    if _ASCII_TERM.fullmatch(term):
        lower = term.lower()
        close.append(Site.code.like(f"{_like(term)}%", escape="\\"))
        if lower.isalpha():
            close.append(Site.name_initials.like(f"%{lower}%"))
            if len(lower) > 2:
                loose.append(Site.name_initials.like("%" + "%".join(lower) + "%"))
        if len(lower) > 2 and not lower.isdigit():
            close.append(Site.id.in_(select(SiteHost.site_id).where(
                SiteHost.host.like(f"%{_like(lower)}%", escape="\\"))))
    return close, loose


@dataclass(frozen=True)
class Suggestions:
    sites: list[dict]
    #: more sites match than are listed
    more: bool


def suggest_sites(session: Session, query: str, limit: int = 10) -> Suggestions:
    """Running sites matching every term of ``query`` (split on spaces; see :func:`_term_conditions`),
    close matches first, then the shortest name: at most ``limit``, and whether there are more.

    Its cost is bounded: at most ``SUGGEST_TERMS`` terms of ``SUGGEST_TERM_LENGTH`` characters, over
    the site table (small beside the cases), reading ``limit + 1`` rows."""
    terms = [t[:SUGGEST_TERM_LENGTH] for t in (query or "").split()][:SUGGEST_TERMS]
    if not terms:
        return Suggestions([], False)
    conditions, loose_terms = [], []
    for term in terms:
        close, loose = _term_conditions(term)
        conditions.append(or_(*close, *loose))
        loose_terms.append(sa.case((or_(*close), 0), else_=1))
    rows = session.exec(
        select(Site.code, Site.name).where(Site.is_running, *conditions)
        .order_by(sum(loose_terms), func.length(Site.name), Site.code).limit(limit + 1)
    ).all()
    return Suggestions([{"code": code, "name": name} for code, name in rows[:limit]], len(rows) > limit)


def site_code_from_choice(value: str | None) -> str:
    """A site as the lookup offers it, ``名称（标识码）``, is its code; anything else is as typed."""
    value = (value or "").strip()
    match = _CHOICE.fullmatch(value)
    return match.group(1) if match else value


_CHOICE = re.compile(r".+（([A-Za-z0-9]{1,32})）")


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


#: public event action -> its label; ``%(org)s`` is the organiser's name, ``%(due)s`` the due time
#: in force after the event
TIMELINE_LABELS = {
    "submit": _l("已收到留言"),
    "assign": _l("已转交“%(org)s”办理"),
    "reroute": _l("已改派“%(org)s”办理，答复期限不变：%(due)s"),
    "accept": _l("办理单位已签收"),
    "answer": _l("已答复，办结"),
    "approve": _l("已答复，办结"),
    "close_not_taken_up": _l("不予受理，办结"),
    "record_feedback": _l("已评价"),
    "reopen": _l("重新办理，新的答复期限：%(due)s"),
    "pause": _l("办理单位需要您补充信息，计时暂停（挂起）：%(note)s"),
    "resume": _l("挂起结束，恢复计时，答复期限：%(due)s"),
}
#: staff events that move the due time; the citizen sees one line for each, without its note
DUE_LABELS = {
    "decide_extension": _l("延期申请已批准，答复期限延至 %(due)s"),
    "recompute_due": _l("按节假日安排调整，答复期限改为 %(due)s"),
    "decide_pause": _l("挂起已批准，答复期限顺延至 %(due)s"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str


def _due_after(event: CaseEvent, due: datetime | None) -> tuple[datetime | None, bool]:
    """The due time in force after ``event`` (``due`` before it), and whether the event moved it."""
    data = history.read(event)
    if isinstance(data, history.Reopened) and data.due_at:
        return data.due_at, True
    if isinstance(data, history.ExtensionDecided) and data.approved and data.due_after:
        return data.due_after, True
    if isinstance(data, history.DueRecomputed) and data.due_after and data.due_after != data.due_before:
        return data.due_after, True
    if isinstance(data, history.PauseCounted) and data.due_after:
        return data.due_after, True
    return due, False


def public_timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """The case's public events, oldest first, with no staff names or internal notes; a change of
    the due time (an approved extension, a reopen, a calendar load) and a re-routing each say the
    due time then in force."""
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                or_(CaseEvent.is_public, CaseEvent.action.in_(list(DUE_LABELS))))
        .order_by(CaseEvent.id)
    ).all()
    # the first clock, by the case's own stored period; later clocks are in the events' data
    due = answer_due(session, case.received_at, case.answer_workdays).due_at if case.received_at else None
    entries = []
    for event in events:
        due, moved = _due_after(event, due)
        label = TIMELINE_LABELS.get(event.action) or (DUE_LABELS.get(event.action) if moved else None)
        if label is None:
            continue
        org = (event.data or {}).get("organiser") or pgettext("timeline", "办理单位")
        note = event.note if event.action == "pause" else ""  # the pause's reason is addressed to the citizen
        entries.append(TimelineEntry(event.created_at, str(label) % {"org": org, "due": due_label(due), "note": note}))
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


#: the most pages of answers offered: the count stops there, and so does the offset
MAX_PAGES = 50
#: a site search matching at most this many sites reads each one's newest answers by its own index
SITES_ONE_BY_ONE = 20
#: a site search matching more sites than this is a filter on the newest answers (a list this long
#: would tell the planner little more than the search itself)
SITES_LISTED = 1000

#: the published cases; a literal, so that the partial indexes ``WHERE state = 'closed'`` apply
_PUBLISHED = Case.state == sa.literal_column(f"'{State.closed.value}'")
_NEWEST_FIRST = (Case.closed_at.desc(), Case.id.desc())


@dataclass(frozen=True)
class AnswersPage:
    """One page of :func:`published_answers`. ``total`` is counted up to ``MAX_PAGES`` pages of
    answers; ``capped`` says that more exist, which the list does not reach."""

    items: list[PublishedAnswer]
    total: int
    capped: bool
    page: int
    pages: int


def _site_filter(session: Session, site: str):
    """The condition on ``Case.site_id`` for a site given by its code or part of its name, and the
    ids of the sites it matches when they are few enough to read one by one (else None).

    The sites are looked up first (the site table is small), so that the cases are then read
    through the per-site index rather than joined to every site."""
    escaped = site.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = select(Site.id).where(or_(Site.code == site, Site.name.like(f"%{escaped}%", escape="\\")))
    ids = session.exec(matching.order_by(Site.id).limit(SITES_LISTED + 1)).all()
    if len(ids) > SITES_LISTED:
        return Case.site_id.in_(matching), None
    return Case.site_id.in_(ids), (ids if len(ids) <= SITES_ONE_BY_ONE else None)


def _page_ids(session: Session, conditions: list, offset: int, *, site_ids: list[int] | None = None,
              others: list = ()) -> list[int]:
    """The ids of one page of published cases, newest first, read from the indexes on
    ``(…, closed_at, id) WHERE state = 'closed'`` without sorting the history.

    ``site_ids``, when given, are the few sites that ``conditions`` limits the cases to, and
    ``others`` the conditions besides that one."""
    if site_ids is None or len(site_ids) == 1:
        query = select(Case.id).where(_PUBLISHED, *conditions).order_by(*_NEWEST_FIRST)
        return session.exec(query.offset(offset).limit(PAGE_SIZE)).all()
    # several sites: each one's newest cases by its own index, merged; at most offset + a page each
    parts = []
    for site_id in site_ids:
        newest = (select(Case.id, Case.closed_at).where(_PUBLISHED, Case.site_id == site_id, *others)
                  .order_by(*_NEWEST_FIRST).limit(offset + PAGE_SIZE).subquery())
        parts.append(select(newest.c.id, newest.c.closed_at))
    merged = union_all(*parts).subquery()
    query = select(merged.c.id).order_by(merged.c.closed_at.desc(), merged.c.id.desc())
    return session.exec(query.offset(offset).limit(PAGE_SIZE)).all()


@dataclass(frozen=True)
class AnswerSearch:
    """What /answers was asked for; ``closed_from``/``closed_to`` are Beijing dates, inclusive."""

    site: str = ""
    category: str = ""
    keyword: str = ""
    closed_from: date | None = None
    closed_to: date | None = None

    @property
    def terms(self) -> list[str]:
        return [t[:KEYWORD_TERM_LENGTH] for t in self.keyword.split()][:KEYWORD_TERMS]


#: a keyword search reads at most the newest ``KEYWORD_WINDOW`` answers of the other filters, and
#: masks at most ``KEYWORD_MATCHES`` of those whose stored texts match
KEYWORD_WINDOW = 5000
KEYWORD_MATCHES = 400
KEYWORD_TERMS, KEYWORD_TERM_LENGTH = 3, 20


def _published(case: Case, case_site: Site | None, cat: Category, texts: PublicTexts, language: str):
    return PublishedAnswer(
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
    )


def _load(session: Session, ids: list[int]) -> dict[int, tuple]:
    rows = session.exec(select(Case, Site, Category)
                        .join(Category, Category.code == Case.category_code)
                        .outerjoin(Site, Site.id == Case.site_id)
                        .where(Case.id.in_(ids), _PUBLISHED)).all() if ids else []
    return {case.id: (case, case_site, cat) for case, case_site, cat in rows}


def _newest(conditions: list, limit: int, site_ids: list[int] | None, others: list):
    """The ids and closing times of the newest ``limit`` published cases of ``conditions``, each
    site of a few read by its own index (as :func:`_page_ids` does), as a subquery."""
    if site_ids is None or len(site_ids) == 1:
        return (select(Case.id, Case.closed_at).where(_PUBLISHED, *conditions)
                .order_by(*_NEWEST_FIRST).limit(limit).subquery())
    parts = []
    for site_id in site_ids:
        newest = (select(Case.id, Case.closed_at).where(_PUBLISHED, Case.site_id == site_id, *others)
                  .order_by(*_NEWEST_FIRST).limit(limit).subquery())
        parts.append(select(newest.c.id, newest.c.closed_at))
    merged = union_all(*parts).subquery()
    return (select(merged.c.id, merged.c.closed_at).order_by(merged.c.closed_at.desc(), merged.c.id.desc())
            .limit(limit).subquery())


def _keyword_page(session: Session, search: AnswerSearch, conditions: list, site_ids, others,
                  page: int) -> AnswersPage:
    """A keyword search: the stored texts of the newest ``KEYWORD_WINDOW`` answers are matched in
    SQL, and the matches are kept only when their public (masked) texts hold every term, so that
    a search never finds what masking hides (a phone number, a name)."""
    window = _newest(conditions, KEYWORD_WINDOW, site_ids, others)
    likes = [or_(Case.description.ilike(f"%{_like(t)}%", escape="\\"),
                 Case.answer.ilike(f"%{_like(t)}%", escape="\\")) for t in search.terms]
    candidates = session.exec(
        select(Case.id).join(window, window.c.id == Case.id).where(*likes)
        .order_by(window.c.closed_at.desc(), window.c.id.desc()).limit(KEYWORD_MATCHES)).all()
    window_full = session.exec(select(func.count()).select_from(window)).one() >= KEYWORD_WINDOW
    found = _load(session, list(candidates))
    language = current_language()
    matches = []
    for case_id in candidates:
        if case_id not in found:
            continue
        case, case_site, cat = found[case_id]
        texts = PublicTexts.of(case)
        public = f"{texts.description}\n{texts.answer}".lower()
        if all(t.lower() in public for t in search.terms):
            matches.append(_published(case, case_site, cat, texts, language))
    total = len(matches)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    capped = len(candidates) >= KEYWORD_MATCHES or window_full
    return AnswersPage(matches[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], total, capped, page, pages)


def published_answers(session: Session, search: AnswerSearch | None = None, *, site: str = "", category: str = "",
                      page: int = 1) -> AnswersPage:
    """Closed cases, newest first, masked: one page of at most ``MAX_PAGES``.

    Its cost follows the page, not the history: the count stops after ``MAX_PAGES`` pages of
    answers, a page beyond the last is the last, and the rows come from the partial indexes
    ``ix_case_published (closed_at, id)``, ``ix_case_published_category (category_code, closed_at,
    id)`` and ``ix_case_published_site (site_id, closed_at, id)``, all ``WHERE state = 'closed'``;
    a range of closing dates is a range of their ``closed_at``. A keyword search reads a bounded
    window of the newest answers (:func:`_keyword_page`)."""
    search = search or AnswerSearch(site=site, category=category)
    nothing = AnswersPage([], 0, False, 1, 1)
    others = []
    if search.category not in (None, ""):
        try:
            others.append(Case.category_code == int(search.category))
        except ValueError:
            return nothing
    if search.closed_from is not None:
        others.append(Case.closed_at >= start_of_day(search.closed_from))
    if search.closed_to is not None:
        others.append(Case.closed_at < start_of_day(search.closed_to + timedelta(days=1)))
    conditions = list(others)
    site_ids = None
    site = (search.site or "").strip()
    if site:
        condition, site_ids = _site_filter(session, site)
        if site_ids == []:
            return nothing
        conditions.append(condition)
    if search.terms:
        return _keyword_page(session, search, conditions, site_ids, others, page)
    cap = MAX_PAGES * PAGE_SIZE
    counted = select(Case.id).where(_PUBLISHED, *conditions).limit(cap + 1).subquery()
    total = session.exec(select(func.count()).select_from(counted)).one()
    capped = total > cap
    total = min(total, cap)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    ids = _page_ids(session, conditions, (page - 1) * PAGE_SIZE, site_ids=site_ids, others=others)
    found = _load(session, ids)
    language = current_language()
    answers = []
    for case, case_site, cat in (found[i] for i in ids if i in found):
        answers.append(_published(case, case_site, cat, PublicTexts.of(case), language))
    return AnswersPage(answers, total, capped, page, pages)


@dataclass(frozen=True)
class AnswerRecord:
    """One published answer on its own page."""

    answer: PublishedAnswer
    organiser: str
    due_at: datetime | None
    answered_at: datetime | None
    on_time: bool | None


def published_answer(session: Session, tracking_number: str) -> AnswerRecord | None:
    """The published (closed) case with this number, masked as on the list; None otherwise."""
    number = (tracking_number or "").strip().upper()[:32]
    row = session.exec(select(Case.id).where(Case.tracking_number == number, _PUBLISHED)).first()
    if row is None:
        return None
    found = _load(session, [row])
    if row not in found:
        return None
    case, case_site, cat = found[row]
    organiser = session.get(Organisation, case.organiser_id) if case.organiser_id else None
    answered = case.answered_at or case.closed_at
    return AnswerRecord(
        answer=_published(case, case_site, cat, PublicTexts.of(case), current_language()),
        organiser=organiser.name if organiser else "",
        due_at=case.due_at, answered_at=answered,
        on_time=is_on_time(answered, case.due_at) if answered and case.due_at else None,
    )
