"""The SLA report: the one query module behind every figure (HTML, CSV, XLSX, CLI, API).

Definitions (DESIGN.md, "Figures"):

- **Window.** ``[from, to]`` are receipt dates in Beijing time, both included: a case counts when
  ``00:00 Beijing on from <= received_at < 00:00 Beijing on to + 1``.
- **As-of moment** ``T`` (default: now). The figures describe the cases as they stood at ``T``.
  A case received after ``T`` is not yet received. A case is *closed at T* when it was closed
  (approved, or closed as not taken up) at or before ``T``; an answer given but approved after ``T``
  leaves the case open at ``T``.
- **Reopened cases (重办).** The case row holds only its latest cycle. A case is judged by its latest
  closure, except when it was reopened after ``T``: then it is judged as it stood at ``T`` from its
  history (CaseEvent): the closure that the first reopen after ``T`` undid (the last event before
  it whose state_after is ``closed``), the answer given before that closure, the outcome recorded
  with it, and the due time then in force (the answer period from receipt, or from the previous
  reopen, moved by every extension approved before that closure). If that closure came after ``T``
  too, the case was open at ``T`` with that due time.
- **Counts.** received; closed; closed_on_time (the answer that was finally approved was given
  before the exclusive due time); closed_late (the other closed cases); open_overdue (open at T and
  due at or before T); open_not_due (open at T, due after T); confirmed (问题属实: closed with the
  outcome ``fixed``).
- **Rates.** completion_rate = closed / received; on_time_rate = closed_on_time /
  (received - open_not_due). Both are fractions from 0 to 1, or None when the denominator is 0.
- **Handling time.** For each case closed at T: the working days from receipt to answer
  (:meth:`tracker.workdays.WorkCalendar.workdays_between`: the day of receipt not counted).
  avg_workdays is their mean (two decimals); p90_workdays is the nearest-rank 90th percentile:
  sort the n values and take the ceil(0.9 n)-th smallest. Both None when nothing is closed.
- **Scope.** An organisation and its whole subtree. A case belongs to its organiser, or, while it
  has none (triage, or closed from triage), to its responsible supervisor. Rows go by the direct
  child organisation whose subtree holds that organisation; cases held by the scope organisation
  itself form one row of their own (本级). ``by="site"`` or ``by="category"`` groups by site or
  error type instead. The rows always add up to the totals.

The counting runs in SQL (one GROUP BY with CASE expressions); only the few cases reopened after
T, and the answer durations for the handling time, are read into Python.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tracker.cases.models import Case, CaseEvent, Category
from tracker.cases.states import Outcome, State
from tracker.db import utcnow
from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation, Site
from tracker.sla.deadlines import load_calendar
from tracker.workdays import BEIJING, beijing_date, start_of_day

COUNT_KEYS = ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "open_not_due",
              "confirmed")
RATE_KEYS = ("completion_rate", "on_time_rate")
TIME_KEYS = ("avg_workdays", "p90_workdays")
FIGURE_KEYS = COUNT_KEYS + RATE_KEYS + TIME_KEYS
BUCKETS = COUNT_KEYS
GROUPINGS = ("org", "site", "category")

#: column headings (zh, en), shared by the HTML table, CSV and XLSX
HEADINGS = {
    "received": ("收到", "Received"),
    "closed": ("办结", "Closed"),
    "closed_on_time": ("按期办结", "Closed on time"),
    "closed_late": ("超期办结", "Closed late"),
    "open_overdue": ("超期未办结", "Open, overdue"),
    "open_not_due": ("在办", "Open, not yet due"),
    "confirmed": ("问题属实", "Confirmed"),
    "completion_rate": ("办结率", "Completion rate"),
    "on_time_rate": ("按期办结率", "On-time rate"),
    "avg_workdays": ("平均办理工作日", "Average working days"),
    "p90_workdays": ("90%办理工作日", "90th percentile working days"),
}
GROUP_HEADINGS = {"org": ("单位", "Organisation"), "site": ("网站", "Site"), "category": ("问题类型", "Category")}
TOTAL_LABEL = ("合计", "Total")
OWN_LEVEL_LABEL = "（本级）"
NO_SITE_LABEL = "（未关联网站）"
NO_SITE_KEY = "-"

FOOTNOTE_ZH = (
    "统计口径：按收到日期（北京时间）统计，含起止日；统计时点之后的办理不计入。"
    "办结率＝办结数÷收到数；按期办结率＝按期办结数÷（收到数－在办未到期数）。"
    "按期办结指最终审核通过的答复在办理期限内作出。"
    "办理工作日自收到次日起计算，90%办理工作日取最近秩次法（第⌈0.9n⌉小的值）。"
    "统计时点之后被重办的留言，按其在统计时点的状态（重办前的办结）计算。"
)
FOOTNOTE_EN = (
    "Cases are counted by their date of receipt (Beijing time, both ends included); anything done after "
    "the as-of moment is not counted. Completion rate = closed ÷ received; on-time rate = closed on time ÷ "
    "(received − open and not yet due). Closed on time: the finally approved answer was given by the due "
    "time. Working days are counted from the day after receipt; the 90th percentile is the nearest-rank "
    "value (the ⌈0.9n⌉-th smallest). Cases reopened after the as-of moment count as they stood then."
)


# ---------------------------------------------------------------- parameters


def parse_date(value, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput("日期格式应为YYYY-MM-DD。", f"{field} must be a date, YYYY-MM-DD.",
                           fields={field: [str(value)]}) from None


def parse_instant(value) -> datetime | None:
    """An ISO instant; a date alone means 24:00 Beijing of that day; no offset means Beijing time."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        instant = value
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return start_of_day(date.fromisoformat(text) + timedelta(days=1))
            instant = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput("时点格式应为ISO 8601。", "as_of must be an ISO 8601 date or instant.",
                               fields={"as_of": [text]}) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BEIJING)
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Params:
    date_from: date
    date_to: date
    scope: Organisation
    as_of: datetime
    by: str = "org"

    @property
    def window_start(self) -> datetime:
        return start_of_day(self.date_from)

    @property
    def window_end(self) -> datetime:
        return start_of_day(self.date_to + timedelta(days=1))


def make_params(*, date_from, date_to, scope_org: Organisation, as_of=None, by: str = "org") -> Params:
    date_from, date_to = parse_date(date_from, "from"), parse_date(date_to, "to")
    if date_to < date_from:
        raise InvalidInput("结束日期不能早于开始日期。", "The window ends before it starts.",
                           fields={"to": [date_to.isoformat()]})
    if by not in GROUPINGS:
        raise InvalidInput("分组方式应为org、site或category。", "by must be org, site or category.",
                           fields={"by": [str(by)]})
    # "now" to the second: links and downloads repeat it exactly
    return Params(date_from, date_to, scope_org, parse_instant(as_of) or utcnow().replace(microsecond=0), by)


def root_organisation(session: Session) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.parent_id.is_(None))
                        .order_by(Organisation.path)).first()


# ---------------------------------------------------------------- SQL building blocks

_owner = aliased(Organisation, name="owner_org")


def _closed_sql(as_of: datetime):
    return sa.and_(Case.state == State.closed, Case.closed_at <= as_of)


def _answer_sql():
    return sa.func.coalesce(Case.answered_at, Case.closed_at)


def bucket_condition(bucket: str, as_of: datetime):
    """The SQL condition for a case being in ``bucket`` at ``as_of``, read from its current row.

    Together with :func:`reopened_after` it decides every figure: callers that list cases
    (the drill-down) use :func:`bucket_filter`, which also handles cases reopened after ``as_of``.
    """
    closed = _closed_sql(as_of)
    received = Case.received_at <= as_of
    conditions = {
        "received": received,
        "closed": closed,
        "closed_on_time": sa.and_(closed, _answer_sql() < Case.due_at),
        "closed_late": sa.and_(closed, _answer_sql() >= Case.due_at),
        "open_overdue": sa.and_(received, sa.not_(closed), Case.due_at <= as_of),
        "open_not_due": sa.and_(received, sa.not_(closed), Case.due_at > as_of),
        "confirmed": sa.and_(closed, Case.outcome == Outcome.fixed),
    }
    try:
        return conditions[bucket]
    except KeyError:
        raise InvalidInput("统计口径不存在。", f"Unknown bucket {bucket!r}.", fields={"bucket": [bucket]}) from None


def reopened_after(as_of: datetime):
    """Cases whose history has a reopen of a closed case after ``as_of``."""
    return sa.exists().where(CaseEvent.case_id == Case.id, CaseEvent.action == "reopen",
                             CaseEvent.state_before == State.closed, CaseEvent.created_at > as_of)


def _base_conditions(params: Params):
    return [
        Case.received_at >= params.window_start,
        Case.received_at < params.window_end,
        Case.received_at <= params.as_of,
        _owner.path.startswith(params.scope.path, autoescape=True),
    ]


def _children(session: Session, scope: Organisation) -> list[Organisation]:
    return list(session.exec(select(Organisation).where(Organisation.parent_id == scope.id)
                             .order_by(Organisation.code)).all())


def _group_expression(session: Session, params: Params):
    if params.by == "site":
        return Case.site_id
    if params.by == "category":
        return Case.category_code
    children = _children(session, params.scope)
    if not children:
        return sa.literal(params.scope.id)
    whens = [(_owner.path.startswith(child.path, autoescape=True), child.id) for child in children]
    return sa.case(*whens, else_=params.scope.id)


def _from_cases(query):
    return query.select_from(Case).join(_owner, _owner.id == sa.func.coalesce(Case.organiser_id, Case.supervisor_id))


# ---------------------------------------------------------------- the history of reopened cases


@dataclass
class Snapshot:
    """A case's times as they stood at the as-of moment (used for cases reopened after it)."""

    case_id: int
    received_at: datetime
    closed_at: datetime | None
    answered_at: datetime | None
    due_at: datetime
    outcome: str | None


def _parse_iso(value) -> datetime | None:
    if not value:
        return None
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _snapshot(case: Case, events: list[CaseEvent], as_of: datetime, calendar) -> Snapshot:
    reopen = next(e for e in events if e.action == "reopen" and e.state_before == State.closed
                  and e.created_at > as_of)
    before = [e for e in events if e.id < reopen.id]
    closing = next((e for e in reversed(before) if e.state_after == State.closed), None)
    if closing is None:  # a history without its closure: the case as it stands
        return Snapshot(case.id, case.received_at, None, None, case.due_at, None)
    answer = next((e for e in reversed(before) if e.id <= closing.id
                   and e.action in ("answer", "close_not_taken_up")), closing)
    cycle_start = next((e for e in reversed(before) if e.action == "reopen"), None)
    if cycle_start is not None and cycle_start.data.get("due_at"):
        due_at = _parse_iso(cycle_start.data["due_at"])
    else:
        due_at = calendar.due(case.received_at, current_app.config["ANSWER_WORKDAYS"]).due_at
    for event in before:
        if (event.action == "decide_extension" and event.data.get("approved") and event.id < closing.id
                and (cycle_start is None or event.id > cycle_start.id) and event.data.get("due_after")):
            due_at = _parse_iso(event.data["due_after"])
    outcome = closing.data.get("outcome") or answer.data.get("outcome")
    return Snapshot(case.id, case.received_at, closing.created_at, answer.created_at, due_at, outcome)


def snapshot_buckets(snapshot: Snapshot, as_of: datetime) -> set[str]:
    """The buckets a case falls in at ``as_of``: the rule of :func:`bucket_condition`, in Python."""
    if snapshot.received_at > as_of:
        return set()
    buckets = {"received"}
    if snapshot.closed_at is not None and snapshot.closed_at <= as_of:
        buckets.add("closed")
        answered = snapshot.answered_at or snapshot.closed_at
        buckets.add("closed_on_time" if answered < snapshot.due_at else "closed_late")
        if snapshot.outcome == Outcome.fixed:
            buckets.add("confirmed")
    else:
        buckets.add("open_overdue" if snapshot.due_at <= as_of else "open_not_due")
    return buckets


def _reopened_snapshots(session: Session, params: Params, group) -> list[tuple[object, Snapshot]]:
    """(group key, snapshot at as_of) of the cases in the report reopened after as_of."""
    rows = session.execute(_from_cases(select(Case, group.label("group_key")))
                           .where(*_base_conditions(params), reopened_after(params.as_of))).all()
    if not rows:
        return []
    calendar = load_calendar(session)
    ids = [case.id for case, _ in rows]
    events: dict[int, list[CaseEvent]] = {i: [] for i in ids}
    for event in session.exec(select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.id)):
        events[event.case_id].append(event)
    return [(key, _snapshot(case, events[case.id], params.as_of, calendar)) for case, key in rows]


# ---------------------------------------------------------------- figures


def _empty_counts() -> dict:
    return {key: 0 for key in COUNT_KEYS}


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def nearest_rank(values: list[int], percentile: float = 0.9) -> int | None:
    """The nearest-rank percentile: the ceil(p n)-th smallest value (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percentile * len(ordered)), 1) - 1]


def _finish(counts: dict, durations: list[int]) -> dict:
    figures = dict(counts)
    figures["completion_rate"] = rate(counts["closed"], counts["received"])
    figures["on_time_rate"] = rate(counts["closed_on_time"], counts["received"] - counts["open_not_due"])
    figures["avg_workdays"] = round(sum(durations) / len(durations), 2) if durations else None
    figures["p90_workdays"] = nearest_rank(durations)
    return figures


def _count(session: Session, params: Params, group, *, extra=()) -> dict:
    """group key -> counts, in SQL for the ordinary cases, plus the reopened ones from history."""
    as_of = params.as_of
    columns = [sa.func.sum(sa.case((bucket_condition(b, as_of), 1), else_=0)).label(b) for b in COUNT_KEYS]
    query = (_from_cases(select(group.label("group_key"), *columns))
             .where(*_base_conditions(params), sa.not_(reopened_after(as_of)), *extra)
             .group_by(group))
    result: dict = {}
    for row in session.execute(query).mappings():
        result[row["group_key"]] = {b: int(row[b] or 0) for b in COUNT_KEYS}
    return result


def _durations(session: Session, params: Params, group) -> dict:
    """group key -> working days from receipt to answer of the cases closed at as_of."""
    calendar = load_calendar(session)
    query = (_from_cases(select(group.label("group_key"), Case.received_at, _answer_sql()))
             .where(*_base_conditions(params), sa.not_(reopened_after(params.as_of)),
                    bucket_condition("closed", params.as_of)))
    result: dict = {}
    for key, received_at, answered_at in session.execute(query):
        result.setdefault(key, []).append(calendar.workdays_between(received_at, answered_at))
    return result


def _group_labels(session: Session, params: Params, keys) -> dict:
    """group key -> (code, name), and the order of the rows."""
    keys = [k for k in keys]
    if params.by == "org":
        orgs = {o.id: o for o in session.exec(select(Organisation).where(
            Organisation.id.in_([k for k in keys if k is not None]))).all()}
        labels = {}
        for key in keys:
            org = orgs.get(key)
            if org is None:
                continue
            name = org.name + (OWN_LEVEL_LABEL if org.id == params.scope.id and _children(session, params.scope)
                               else "")
            labels[key] = (org.code, name)
        return labels
    if params.by == "site":
        sites = {s.id: s for s in session.exec(select(Site).where(Site.id.in_([k for k in keys if k]))).all()}
        return {k: (sites[k].code, sites[k].name) if k in sites else (NO_SITE_KEY, NO_SITE_LABEL) for k in keys}
    cats = {c.code: c for c in session.exec(select(Category).where(Category.code.in_(keys))).all()}
    return {k: (str(k), cats[k].name_zh if k in cats else str(k)) for k in keys}


def compute(session: Session, params: Params) -> dict:
    """The report for ``params``: totals, rows, breakdowns and the notice sentence."""
    group = _group_expression(session, params)
    counts = _count(session, params, group)
    durations = _durations(session, params, group)
    by_outcome = {o.value: 0 for o in Outcome}
    outcome_rows = session.execute(
        _from_cases(select(Case.outcome, sa.func.count()))
        .where(*_base_conditions(params), sa.not_(reopened_after(params.as_of)),
               bucket_condition("closed", params.as_of)).group_by(Case.outcome)).all()
    for outcome, number in outcome_rows:
        by_outcome[outcome] = by_outcome.get(outcome, 0) + number
    category_counts = _count(session, params, Case.category_code)
    category_durations = _durations(session, params, Case.category_code)

    calendar = None
    for key, snap in _reopened_snapshots(session, params, group):
        buckets = snapshot_buckets(snap, params.as_of)
        category = session.get(Case, snap.case_id).category_code
        for target, target_key in ((counts, key), (category_counts, category)):
            row = target.setdefault(target_key, _empty_counts())
            for bucket in buckets:
                row[bucket] += 1
        if "closed" in buckets:
            calendar = calendar or load_calendar(session)
            days = calendar.workdays_between(snap.received_at, snap.answered_at or snap.closed_at)
            durations.setdefault(key, []).append(days)
            category_durations.setdefault(category, []).append(days)
            if snap.outcome:
                by_outcome[snap.outcome] = by_outcome.get(snap.outcome, 0) + 1

    labels = _group_labels(session, params, counts.keys())
    rows = []
    for key, row_counts in counts.items():
        code, name = labels.get(key, ("", str(key)))
        rows.append({"key": code, "name": name, **_finish(row_counts, durations.get(key, []))})
    if params.by == "category":
        rows.sort(key=lambda r: int(r["key"]))
    else:
        rows.sort(key=lambda r: (r["key"] == params.scope.code, r["key"] == NO_SITE_KEY, r["key"]))

    totals = _empty_counts()
    for row_counts in counts.values():
        for bucket in COUNT_KEYS:
            totals[bucket] += row_counts[bucket]
    all_durations = [d for values in durations.values() for d in values]

    cat_names = {c.code: c.name_zh for c in session.exec(select(Category)).all()}
    by_category = [
        {"key": str(code), "name": cat_names.get(code, str(code)),
         **_finish(category_counts[code], category_durations.get(code, []))}
        for code in sorted(category_counts)
    ]
    report = {
        "from": params.date_from.isoformat(),
        "to": params.date_to.isoformat(),
        "as_of": params.as_of.astimezone(BEIJING).isoformat(),
        "scope": {"code": params.scope.code, "name": params.scope.name},
        "by": params.by,
        **_finish(totals, all_durations),
        "by_outcome": {k: v for k, v in by_outcome.items() if k},
        "by_category": by_category,
        "rows": rows,
    }
    from tracker.sla.notice import notice_sentence

    report["sentence"] = notice_sentence(report, params.scope, params.as_of)
    return report


def sla_report(session: Session, *, date_from, date_to, scope_org: Organisation, as_of=None,
               by: str = "org") -> dict:
    """The report as a JSON-ready dict (what ``tracker report --format json`` prints).

    ``date_from``/``date_to``: dates or ``YYYY-MM-DD``; ``as_of``: an aware datetime, an ISO
    string, or None for now; ``by``: org, site or category.
    """
    return compute(session, make_params(date_from=date_from, date_to=date_to, scope_org=scope_org,
                                        as_of=as_of, by=by))


# ---------------------------------------------------------------- drill-down


def bucket_filter(session: Session, params: Params, bucket: str, key: str | None = None,
                  outcome: str | None = None):
    """``select(Case)`` of the cases behind one number of the report: ``bucket`` (a count key) in
    the row whose ``key`` (org code, site code or category code) is given, or in the totals;
    ``outcome`` narrows closed cases to one outcome (the breakdown by outcome)."""
    bucket_condition(bucket, params.as_of)  # validates the name
    group = _group_expression(session, params)
    group_condition = sa.true()
    if key not in (None, ""):
        value = _group_value(session, params, key)
        group_condition = group.is_(None) if value is None else group == value
    reopened_ids = [snap.case_id for k, snap in _reopened_snapshots(session, params, group)
                    if bucket in snapshot_buckets(snap, params.as_of)
                    and (outcome is None or snap.outcome == outcome)
                    and (key in (None, "") or k == _group_value(session, params, key))]
    ordinary = sa.and_(sa.not_(reopened_after(params.as_of)), bucket_condition(bucket, params.as_of),
                       Case.outcome == outcome if outcome else sa.true())
    return (_from_cases(select(Case))
            .where(*_base_conditions(params), group_condition,
                   sa.or_(ordinary, Case.id.in_(reopened_ids) if reopened_ids else sa.false()))
            .order_by(Case.received_at, Case.id))


def _group_value(session: Session, params: Params, key: str):
    if params.by == "org":
        org = session.exec(select(Organisation).where(Organisation.code == key)).first()
        return org.id if org else -1
    if params.by == "site":
        if key == NO_SITE_KEY:
            return None
        site = session.exec(select(Site).where(Site.code == key)).first()
        return site.id if site else -1
    try:
        return int(key)
    except ValueError:
        return -1


# ---------------------------------------------------------------- annual assessment


def add_month(day: date) -> date:
    """The same day one month later, or the month's last day (1月31日 -> 2月28/29日)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def assessment(session: Session, *, year: int, scope_org: Organisation, as_of=None) -> dict:
    """The annual assessment (年度考核) for the cases received in ``year`` (Beijing), per organisation
    that holds them (organiser, or supervisor for unrouted cases), within ``scope_org``'s subtree.

    - not_closed: cases not closed at ``as_of`` (default now);
    - closed_after_month: cases closed at ``as_of`` whose Beijing closing date is later than the
      same date one month after receipt (received 3月15日, closed 4月16日 or later);
    - deduction = not_closed x ASSESSMENT_POINTS_OPEN + closed_after_month x ASSESSMENT_POINTS_LATE.
    Closure is read from the case's current row (a reopened case is judged by its latest closure).
    """
    as_of = parse_instant(as_of) or utcnow().replace(microsecond=0)
    start, end = start_of_day(date(year, 1, 1)), start_of_day(date(year + 1, 1, 1))
    points_open = current_app.config["ASSESSMENT_POINTS_OPEN"]
    points_late = current_app.config["ASSESSMENT_POINTS_LATE"]
    closed = _closed_sql(as_of)
    query = (_from_cases(select(_owner.id, _owner.code, _owner.name, Case.received_at, Case.closed_at,
                                sa.case((closed, True), else_=False)))
             .where(Case.received_at >= start, Case.received_at < end, Case.received_at <= as_of,
                    _owner.path.startswith(scope_org.path, autoescape=True)))
    rows: dict[int, dict] = {}
    for org_id, code, name, received_at, closed_at, is_closed in session.execute(query):
        row = rows.setdefault(org_id, {"key": code, "name": name, "received": 0, "not_closed": 0,
                                       "closed_after_month": 0})
        row["received"] += 1
        if not is_closed:
            row["not_closed"] += 1
        elif beijing_date(closed_at) > add_month(beijing_date(received_at)):
            row["closed_after_month"] += 1
    result = []
    for row in rows.values():
        row["deduction"] = row["not_closed"] * points_open + row["closed_after_month"] * points_late
        result.append(row)
    result.sort(key=lambda r: (-r["deduction"], r["key"]))  # the heaviest deductions first
    totals = {k: sum(r[k] for r in result) for k in ("received", "not_closed", "closed_after_month", "deduction")}
    return {"year": year, "as_of": as_of.astimezone(BEIJING).isoformat(),
            "scope": {"code": scope_org.code, "name": scope_org.name},
            "points_open": points_open, "points_late": points_late, "rows": result, **totals}
