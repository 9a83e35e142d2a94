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
- **挂起.** paused: cases paused at least once by T (``Case.first_paused_at``). A pause that counts
  moved the due time (:mod:`tracker.cases.deadlines`), and the on-time judgement reads the moved
  due time; the replay of a case reopened after T takes the due time that its last pause before
  the closure set, as it does an extension's.
- **Satisfaction.** rated (参评): cases closed at T whose answer the citizen rated at or before T;
  satisfied: of those, rated satisfied; rating_rate (参评率) = rated / closed; satisfaction_rate
  (满意率) = satisfied / rated; redone (重办): cases reopened at or before T after an unsatisfied
  rating (``Case.redone_at``). Ratings after T do not count.
- **Handling time.** For each case closed at T: the working days from receipt to answer
  (:meth:`tracker.workdays.WorkCalendar.workdays_between`: the day of receipt not counted).
  avg_workdays is their mean (two decimals); p90_workdays is the nearest-rank 90th percentile:
  sort the n values and take the ceil(0.9 n)-th smallest. Both None when nothing is closed.
- **Scope.** An organisation and its whole subtree. A case belongs to its organiser, or, while it
  has none (triage, or closed from triage), to its responsible supervisor. Rows go by the direct
  child organisation whose subtree holds that organisation; cases held by the scope organisation
  itself form one row of their own (本级). ``by="site"`` or ``by="category"`` groups by site or
  error type instead. The rows always add up to the totals.

The counting is one scan of the window in SQL (:func:`_one_pass`): one GROUP BY of row, category,
bucket (:func:`tracker.reports.buckets.bucket_of`), outcome and handling time, the handling time
counted as a difference of working-day ordinals (:meth:`tracker.workdays.WorkCalendar.ordinal`,
joined as a small VALUES table). What comes back is a few hundred groups however many cases the
window holds; the averages and percentiles are taken from those histograms. Only the few cases
reopened after T (found by ``Case.reopened_at``) are read one by one, to be replayed.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases.models import Case, Category
from tracker.cases.states import Outcome
from tracker.db import utcnow
from tracker.organisations.models import Organisation, Site
from tracker.reports.buckets import (
    BUCKETS_OF,
    answer_sql,
    base_conditions,
    bucket_condition,
    bucket_of,
    children,
    closed_sql,
    extra_counts_sql,
    from_cases,
    group_expression,
    not_reopened_after,
    reviewed_sql,
    sent_back_sql,
    snapshot_buckets,
    submitted_sql,
    workdays_sql,
)
from tracker.reports.history import reopened_snapshots
from tracker.reports.notice import notice_sentence
from tracker.reports.params import (
    COUNT_KEYS,
    EXTRA_COUNT_KEYS,
    NO_SITE_KEY,
    NO_SITE_LABEL,
    OWN_LEVEL_LABEL,
    Params,
    make_params,
)
from tracker.workdays import BEIJING, beijing_date

# ---------------------------------------------------------------- figures


def _empty_counts() -> dict:
    return {key: 0 for key in COUNT_KEYS + EXTRA_COUNT_KEYS}


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def nearest_rank(histogram: Counter, percentile: float = 0.9) -> int | None:
    """The nearest-rank percentile of the values counted in ``histogram`` (value -> how many):
    the ceil(p n)-th smallest value (None for no values)."""
    n = sum(histogram.values())
    if not n:
        return None
    rank, seen = max(math.ceil(percentile * n), 1), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # unreachable: the ranks add up to n


def _mean(histogram: Counter) -> float | None:
    n = sum(histogram.values())
    return round(sum(d * c for d, c in histogram.items()) / n, 2) if n else None


def _finish(counts: dict, durations: Counter, review: Review | None = None) -> dict:
    review = review or Review()
    figures = dict(counts)
    figures["completion_rate"] = rate(counts["closed"], counts["received"])
    figures["on_time_rate"] = rate(counts["closed_on_time"], counts["received"] - counts["open_not_due"])
    figures["avg_workdays"] = _mean(durations)
    figures["p90_workdays"] = nearest_rank(durations)
    figures["review_avg_workdays"] = _mean(review.days)
    figures["review_p90_workdays"] = nearest_rank(review.days)
    waited = sum(d * c for d, c in review.days.items())
    figures["review_share"] = rate(waited, waited + review.handling_days)
    figures["submitted"], figures["sent_back"] = review.submitted, review.sent_back
    figures["reject_rate"] = rate(review.sent_back, review.submitted)
    figures["rating_rate"] = rate(counts["rated"], counts["closed"])
    figures["satisfaction_rate"] = rate(counts["satisfied"], counts["rated"])
    return figures


@dataclass
class Review:
    """The final review (终审) of one row: a histogram of the working days from the last answer to
    the approval of the cases closed through review, the working days from receipt to answer of
    the same cases, and the answers sent to review and sent back."""

    days: Counter = field(default_factory=Counter)
    handling_days: int = 0
    submitted: int = 0
    sent_back: int = 0

    def add(self, handling_days, review_days, submitted: int, sent_back: int, number: int) -> None:
        if review_days is not None:
            self.days[review_days] += number
            self.handling_days += (handling_days or 0) * number
        self.submitted += submitted
        self.sent_back += sent_back

    def __add__(self, other: Review) -> Review:
        return Review(self.days + other.days, self.handling_days + other.handling_days,
                      self.submitted + other.submitted, self.sent_back + other.sent_back)


@dataclass
class Tally:
    """The figures being added up: counts and handling-time histograms per row and per category,
    and the closed cases by outcome."""

    counts: dict = field(default_factory=dict)
    durations: dict = field(default_factory=dict)
    category_counts: dict = field(default_factory=dict)
    category_durations: dict = field(default_factory=dict)
    by_outcome: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    reviews: dict = field(default_factory=dict)
    category_reviews: dict = field(default_factory=dict)

    def add(self, key, category, buckets, outcome, days, number: int = 1, review_days=None,
            submitted: int = 0, sent_back: int = 0, extra: tuple = (0, 0, 0, 0)) -> None:
        """``extra``: how many of the ``number`` cases count in each of :data:`EXTRA_COUNT_KEYS`."""
        for target, target_key in ((self.counts, key), (self.category_counts, category)):
            row = target.setdefault(target_key, _empty_counts())
            for bucket in buckets:
                row[bucket] += number
            for extra_key, extra_number in zip(EXTRA_COUNT_KEYS, extra, strict=True):
                row[extra_key] += int(extra_number or 0)
        for target, target_key in ((self.reviews, key), (self.category_reviews, category)):
            target.setdefault(target_key, Review()).add(days, review_days if "closed" in buckets else None,
                                                        submitted, sent_back, number)
        if "closed" in buckets:
            self.durations.setdefault(key, Counter())[days] += number
            self.category_durations.setdefault(category, Counter())[days] += number
            if outcome:
                self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + number


def _one_pass(session: Session, params: Params, group, tally: Tally) -> None:
    """Every case of the window not reopened after as_of, in one scan: grouped by row, category,
    bucket, outcome and handling time, so that what comes back is a few hundred groups."""
    first = beijing_date(params.window_start)
    last = max(beijing_date(min(params.as_of, utcnow())), first)
    closed = closed_sql(params.as_of)
    calendar, dialect = load_calendar(session), session.get_bind().dialect.name
    workdays = workdays_sql(Case.received_at, answer_sql(), calendar, first, last, dialect)
    review_workdays = workdays_sql(Case.answered_at, Case.closed_at, calendar, first, last, dialect)
    query = (from_cases(select(group.label("group_key"), Case.category_code, bucket_of(params.as_of).label("bucket"),
                               sa.case((closed, Case.outcome)).label("outcome"),
                               sa.case((closed, workdays)).label("days"),
                               sa.case((sa.and_(closed, reviewed_sql()), review_workdays)).label("review_days"),
                               sa.func.count().label("number"),
                               sa.func.sum(submitted_sql(params.as_of)), sa.func.sum(sent_back_sql(params.as_of)),
                               *extra_counts_sql(params.as_of)))
             .where(*base_conditions(params), not_reopened_after(params.as_of))
             .group_by(*(sa.literal_column(str(n)) for n in range(1, 7))))
    confirmed = {bucket: counts | {"confirmed"} for bucket, counts in BUCKETS_OF.items()}
    for key, category, bucket, outcome, days, review_days, number, submitted, sent_back, *extra in (
            session.execute(query)):
        tally.add(key, category, confirmed[bucket] if outcome == Outcome.fixed else BUCKETS_OF[bucket], outcome,
                  days, number, review_days, int(submitted or 0), int(sent_back or 0), tuple(extra))


def _group_labels(session: Session, params: Params, keys) -> dict:
    """group key -> (code, name), and the order of the rows."""
    keys = [k for k in keys]
    if params.by == "org":
        below = {child.code: child for child in children(session, params.scope)}
        labels = {"": (params.scope.code, params.scope.name + (OWN_LEVEL_LABEL if below else ""))}
        labels.update({code: (code, child.name) for code, child in below.items()})
        return {key: labels.get(key, (key, key)) for key in keys}
    if params.by == "site":
        sites = {s.id: s for s in session.exec(select(Site).where(Site.id.in_([k for k in keys if k]))).all()}
        return {k: (sites[k].code, sites[k].name) if k in sites else (NO_SITE_KEY, NO_SITE_LABEL) for k in keys}
    cats = {c.code: c for c in session.exec(select(Category).where(Category.code.in_(keys))).all()}
    return {k: (str(k), cats[k].name_zh if k in cats else str(k)) for k in keys}


def compute(session: Session, params: Params) -> dict:
    """The report for ``params``: totals, rows, breakdowns and the notice sentence."""
    group = group_expression(session, params)
    tally = Tally()
    _one_pass(session, params, group, tally)
    calendar = None
    for key, snap in reopened_snapshots(session, params, group):
        buckets = snapshot_buckets(snap, params.as_of)
        days = review_days = None
        if "closed" in buckets:
            calendar = calendar or load_calendar(session)
            days = calendar.workdays_between(snap.received_at, snap.answered_at or snap.closed_at)
            if snap.reviewed:
                review_days = calendar.workdays_between(snap.answered_at, snap.closed_at)
        tally.add(key, snap.category_code, buckets, snap.outcome, days, 1, review_days, snap.submitted,
                  snap.sent_back, snap.extra_counts)
    counts, durations, by_outcome = tally.counts, tally.durations, tally.by_outcome
    category_counts, category_durations = tally.category_counts, tally.category_durations

    labels = _group_labels(session, params, counts.keys())
    rows = []
    for key, row_counts in counts.items():
        code, name = labels.get(key, ("", str(key)))
        rows.append({"key": code, "name": name,
                     **_finish(row_counts, durations.get(key, Counter()), tally.reviews.get(key))})
    if params.by == "category":
        rows.sort(key=lambda r: int(r["key"]))
    else:
        rows.sort(key=lambda r: (r["key"] == params.scope.code, r["key"] == NO_SITE_KEY, r["key"]))

    totals = _empty_counts()
    for row_counts in counts.values():
        for bucket in totals:
            totals[bucket] += row_counts[bucket]
    all_durations = sum(durations.values(), Counter())

    cat_names = {c.code: c.name_zh for c in session.exec(select(Category)).all()}
    by_category = [
        {"key": str(code), "name": cat_names.get(code, str(code)),
         **_finish(category_counts[code], category_durations.get(code, Counter()), tally.category_reviews.get(code))}
        for code in sorted(category_counts)
    ]
    report = {
        "from": params.date_from.isoformat(),
        "to": params.date_to.isoformat(),
        "as_of": params.as_of.astimezone(BEIJING).isoformat(),
        "scope": {"code": params.scope.code, "name": params.scope.name},
        "by": params.by,
        **_finish(totals, all_durations, sum(tally.reviews.values(), Review())),
        "by_outcome": {k: v for k, v in by_outcome.items() if k},
        "by_category": by_category,
        "rows": rows,
    }
    report["sentence"] = notice_sentence(report, params.scope, params.with_satisfaction)
    return report


def sla_report(session: Session, *, date_from, date_to, scope_org: Organisation, as_of=None,
               by: str = "org", with_satisfaction: bool = False) -> dict:
    """The report as a JSON-ready dict (what ``tracker report --format json`` prints).

    ``date_from``/``date_to``: dates or ``YYYY-MM-DD``; ``as_of``: an aware datetime, an ISO
    string, or None for now; ``by``: org, site or category; ``with_satisfaction``: the notice
    sentence gives 参评率 and 满意率 too.
    """
    return compute(session, make_params(date_from=date_from, date_to=date_to, scope_org=scope_org,
                                        as_of=as_of, by=by, with_satisfaction=with_satisfaction))


# ---------------------------------------------------------------- drill-down


def bucket_filter(session: Session, params: Params, bucket: str, key: str | None = None,
                  outcome: str | None = None):
    """``select(Case)`` of the cases behind one number of the report: ``bucket`` (a count key) in
    the row whose ``key`` (org code, site code or category code) is given, or in the totals;
    ``outcome`` narrows closed cases to one outcome (the breakdown by outcome)."""
    bucket_condition(bucket, params.as_of)  # validates the name
    group = group_expression(session, params)
    group_condition, whole = sa.true(), key in (None, "")
    if not whole:
        value = _group_value(session, params, key)
        group_condition = group.is_(None) if value is None else group == value
    reopened_ids = [snap.case_id for k, snap in reopened_snapshots(session, params, group)
                    if bucket in snapshot_buckets(snap, params.as_of)
                    and (outcome is None or snap.outcome == outcome)
                    and (whole or k == value)]
    ordinary = sa.and_(not_reopened_after(params.as_of), bucket_condition(bucket, params.as_of),
                       Case.outcome == outcome if outcome else sa.true())
    return (from_cases(select(Case))
            .where(*base_conditions(params), group_condition,
                   sa.or_(ordinary, Case.id.in_(reopened_ids) if reopened_ids else sa.false()))
            .order_by(Case.received_at, Case.id))


def _group_value(session: Session, params: Params, key: str):
    if params.by == "org":  # the row keys of group_expression; "/" is in no code, so matches nothing
        if key == params.scope.code:
            return ""
        return key if key in {child.code for child in children(session, params.scope)} else "/"
    if params.by == "site":
        if key == NO_SITE_KEY:
            return None
        site = session.exec(select(Site).where(Site.code == key)).first()
        return site.id if site else -1
    try:
        return int(key)
    except ValueError:
        return -1

