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

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases.models import Case, Category
from tracker.cases.states import Outcome
from tracker.organisations.models import Organisation, Site
from tracker.reports.buckets import (
    answer_sql,
    base_conditions,
    bucket_condition,
    children,
    from_cases,
    group_expression,
    reopened_after,
    snapshot_buckets,
)
from tracker.reports.history import reopened_snapshots
from tracker.reports.notice import notice_sentence
from tracker.reports.params import (
    COUNT_KEYS,
    NO_SITE_KEY,
    NO_SITE_LABEL,
    OWN_LEVEL_LABEL,
    Params,
    make_params,
)
from tracker.workdays import BEIJING

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
    query = (from_cases(select(group.label("group_key"), *columns))
             .where(*base_conditions(params), sa.not_(reopened_after(as_of)), *extra)
             .group_by(group))
    result: dict = {}
    for row in session.execute(query).mappings():
        result[row["group_key"]] = {b: int(row[b] or 0) for b in COUNT_KEYS}
    return result


def _durations(session: Session, params: Params, group) -> dict:
    """group key -> working days from receipt to answer of the cases closed at as_of."""
    calendar = load_calendar(session)
    query = (from_cases(select(group.label("group_key"), Case.received_at, answer_sql()))
             .where(*base_conditions(params), sa.not_(reopened_after(params.as_of)),
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
            name = org.name + (OWN_LEVEL_LABEL if org.id == params.scope.id and children(session, params.scope)
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
    group = group_expression(session, params)
    counts = _count(session, params, group)
    durations = _durations(session, params, group)
    by_outcome = {o.value: 0 for o in Outcome}
    outcome_rows = session.execute(
        from_cases(select(Case.outcome, sa.func.count()))
        .where(*base_conditions(params), sa.not_(reopened_after(params.as_of)),
               bucket_condition("closed", params.as_of)).group_by(Case.outcome)).all()
    for outcome, number in outcome_rows:
        by_outcome[outcome] = by_outcome.get(outcome, 0) + number
    category_counts = _count(session, params, Case.category_code)
    category_durations = _durations(session, params, Case.category_code)

    calendar = None
    for key, snap in reopened_snapshots(session, params, group):
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
    group = group_expression(session, params)
    group_condition = sa.true()
    if key not in (None, ""):
        value = _group_value(session, params, key)
        group_condition = group.is_(None) if value is None else group == value
    reopened_ids = [snap.case_id for k, snap in reopened_snapshots(session, params, group)
                    if bucket in snapshot_buckets(snap, params.as_of)
                    and (outcome is None or snap.outcome == outcome)
                    and (key in (None, "") or k == _group_value(session, params, key))]
    ordinary = sa.and_(sa.not_(reopened_after(params.as_of)), bucket_condition(bucket, params.as_of),
                       Case.outcome == outcome if outcome else sa.true())
    return (from_cases(select(Case))
            .where(*base_conditions(params), group_condition,
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

