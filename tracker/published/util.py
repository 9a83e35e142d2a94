"""Reads of published reports: the case lists and calendar version stored at publication, a
snapshot as the report's own dict (what the exports write), and the diff against now.

The diff (与发布时比较) recomputes the report for the same window, scope and grouping, at the same
as-of moment when it was fixed, else as of now; it lists every figure that changed, and every case
whose row or bucket changed, with the reasons read from its history (:mod:`tracker.cases.history`)
after the moment of publication:

- ``reopened``: reopened (重办); ``approved_late``: approved in the final review after publication;
  ``closed_since``: answered or closed otherwise after publication;
- ``rerouted``: assigned or re-routed (改派) to another organisation; ``moved``: its row changed
  without that (its site, or its organisation, now under another supervisor);
- ``calendar``: a loaded calendar year moved its due time (a recompute that changed it);
- ``imported_later``: received before the as-of moment, not counted then, and not routed since:
  recorded after publication (an import of the national platform's records, whose events carry
  the records' own past times); ``received_later``: received after the as-of moment;
- ``due_passed``: its due time passed while it stayed open; ``other``: none of these.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.calendar.store import load_calendar
from tracker.cases.history import Action, read
from tracker.cases.models import Case, CaseEvent
from tracker.cases.states import OUTCOME_NAMES
from tracker.db import utcnow
from tracker.errors import NotFound
from tracker.organisations.models import Organisation
from tracker.organisations.scope import in_subtree
from tracker.published.models import AS_OF_FIXED, PublishedCaseList, PublishedReport
from tracker.reports.figures import bucket_filter, compute
from tracker.reports.params import COUNT_KEYS, FIGURE_KEYS, Params, make_params
from tracker.workdays import SOURCE_FALLBACK, SOURCE_LOADED, beijing_date

NOT_YOURS = _l("只能发布本单位及下级单位的通报。")
NO_SUCH_REPORT = _l("没有这份已发布的通报。")

REASONS = {
    "reopened": _l("重办"),
    "approved_late": _l("发布后审核通过"),
    "closed_since": _l("发布后办结"),
    "rerouted": _l("改派至其他单位"),
    "moved": _l("改由其他监管单位负责"),
    "calendar": _l("节假日安排调整改变了办理期限"),
    "imported_later": _l("发布后导入"),
    "received_later": _l("统计时点后收到"),
    "due_passed": _l("发布后超过办理期限"),
    "other": _l("其他变化"),
}
#: what is not a figure in a report dict or in one of its rows
NOT_FIGURES = frozenset({"from", "to", "as_of", "scope", "by", "by_outcome", "by_category", "rows", "sentence",
                         "key", "name"})


# ---------------------------------------------------------------- at publication


#: prefixes of the list keys of the breakdowns (a row key of the report's own rows has no colon)
CATEGORY_PREFIX, OUTCOME_PREFIX = "category:", "outcome:"


def case_lists(session: Session, params: Params, report: dict, *,
               breakdowns: bool = True) -> dict[tuple[str, str], list[int]]:
    """(row key, count key) -> the ids of the cases behind that figure of that row, selected by the
    report's own drill-down (:func:`tracker.reports.figures.bucket_filter`); the same for the
    breakdowns, as ``category:<code>`` (every count) and ``outcome:<value>`` (its closed cases).
    The totals are the rows' union, so they are not stored twice. ``breakdowns=False``: the rows'
    lists only (all that a diff compares)."""
    def ids(query_params: Params, bucket: str, key, outcome=None) -> list[int]:
        query = bucket_filter(session, query_params, bucket, key, outcome).with_only_columns(Case.id)
        return list(session.exec(query).all())

    lists = {(row["key"], bucket): ids(params, bucket, row["key"]) for row in report["rows"] for bucket in COUNT_KEYS}
    if not breakdowns:
        return lists
    if params.by != "category":  # else the rows are the categories already
        by_category = replace(params, by="category")
        lists.update({(f"{CATEGORY_PREFIX}{row['key']}", bucket): ids(by_category, bucket, str(row["key"]))
                      for row in report.get("by_category", []) for bucket in COUNT_KEYS})
    lists.update({(f"{OUTCOME_PREFIX}{outcome}", "closed"): ids(params, "closed", None, outcome)
                  for outcome in report.get("by_outcome", {})})
    return lists


def list_name(figures: dict, key: str) -> str:
    """What a list key names: a row's name, a category's name, or an outcome's words."""
    if key.startswith(OUTCOME_PREFIX):
        return str(OUTCOME_NAMES.get(key.removeprefix(OUTCOME_PREFIX), key))
    section, key = ("by_category", key.removeprefix(CATEGORY_PREFIX)) if key.startswith(CATEGORY_PREFIX) \
        else ("rows", key)
    return next((r["name"] for r in figures.get(section, []) if str(r["key"]) == key), key)


def row_lists(lists: dict[tuple[str, str], list[int]]) -> dict[tuple[str, str], list[int]]:
    """Only the lists of the report's own rows (each case is in exactly one of those rows)."""
    return {key: value for key, value in lists.items() if ":" not in key[0]}


def _package_version() -> str:
    try:
        return f"chinese-calendar {version('chinesecalendar')}"
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "chinese-calendar"


def calendar_version(session: Session, params: Params) -> list[dict]:
    """Per year that the window's deadlines can touch (from its first year to the later of the year
    after its last and the as-of year): where the schedule came from (the loaded notice, the
    package and its version, or the Monday-to-Friday fallback) and a SHA-256 of its working days
    (one character per day of the year, 1 a working day, 0 not), which changes when any day does."""
    calendar = load_calendar(session)
    last = max(params.date_to.year + 1, beijing_date(params.as_of).year)
    years = []
    for year in range(params.date_from.year, last + 1):
        kind = calendar.year_source(year)
        notice = {SOURCE_LOADED: calendar.sources.get(year, ""), SOURCE_FALLBACK: "Monday–Friday (provisional)"}.get(
            kind) or _package_version()
        day, days = date(year, 1, 1), []
        while day.year == year:
            days.append("1" if calendar.is_workday(day) else "0")
            day += timedelta(days=1)
        years.append({"year": year, "source": kind, "notice": notice,
                      "checksum": hashlib.sha256("".join(days).encode()).hexdigest()})
    return years


# ---------------------------------------------------------------- reads


def get_published(session: Session, report_id) -> PublishedReport:
    try:
        found = session.get(PublishedReport, int(report_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(NO_SUCH_REPORT)
    return found


def published_list(session: Session, scope: Organisation | None = None) -> list[PublishedReport]:
    """Published reports, newest first; with ``scope``, those of that organisation and below."""
    query = select(PublishedReport).order_by(PublishedReport.published_at.desc(), PublishedReport.id.desc())
    if scope is not None:
        query = query.join(Organisation, Organisation.id == PublishedReport.scope_id).where(
            in_subtree(Organisation.path, scope))
    return list(session.exec(query).all())


def report_of(published: PublishedReport) -> dict:
    """The report dict as published (what the CSV, XLSX and text are written from). A figure the
    report gained since then is shown empty rather than guessed."""
    report = dict(published.figures)
    report["rows"] = [{**dict.fromkeys(FIGURE_KEYS), **row} for row in report.get("rows", [])]
    return {**dict.fromkeys(FIGURE_KEYS), **report}


def stored_lists(session: Session, published: PublishedReport) -> dict[tuple[str, str], list[int]]:
    rows = session.exec(select(PublishedCaseList).where(PublishedCaseList.report_id == published.id)).all()
    return {(row.row_key, row.bucket): list(row.case_ids) for row in rows}


def totals(report: dict) -> dict:
    """The figures of the totals (what the public sees beside the sentence)."""
    return {key: value for key, value in report.items() if key not in NOT_FIGURES}


# ---------------------------------------------------------------- diff


def live_params(session: Session, published: PublishedReport, now=None) -> Params:
    """The same window, scope and grouping; the same as-of moment when it was fixed, else now."""
    scope = session.get(Organisation, published.scope_id)
    as_of = published.as_of if published.as_of_rule == AS_OF_FIXED else (now or utcnow()).replace(microsecond=0)
    return make_params(date_from=published.date_from, date_to=published.date_to, scope_org=scope, as_of=as_of,
                       by=published.by)


def _figures(report: dict) -> dict[tuple[str, str, str], object]:
    """(section, row key, figure) -> value, for every figure of the report: the totals, each row,
    each category and each outcome."""
    flat = {("total", "", key): value for key, value in totals(report).items()}
    for section in ("rows", "by_category"):
        for row in report.get(section, []):
            flat.update({(section, row["key"], key): value for key, value in row.items() if key not in NOT_FIGURES})
    flat.update({("by_outcome", "", key): value for key, value in report.get("by_outcome", {}).items()})
    return flat


def _names(report: dict) -> dict[tuple[str, str], str]:
    return {(section, row["key"]): row["name"] for section in ("rows", "by_category")
            for row in report.get(section, [])}


def changed_figures(before: dict, after: dict) -> list[dict]:
    """Every figure whose value differs, in the order of the published report (then new ones)."""
    old, new = _figures(before), _figures(after)
    names = {**_names(after), **_names(before)}
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            section, row, figure = key
            changes.append({"section": section, "row": row, "name": names.get((section, row), ""),
                            "figure": figure, "before": old.get(key), "after": new.get(key)})
    return changes


def _membership(lists: dict[tuple[str, str], list[int]]) -> dict[int, tuple[str, frozenset]]:
    """case id -> (its row key, the count keys it adds to)."""
    found: dict[int, tuple[str, set]] = {}
    for (row, bucket), ids in lists.items():
        for case_id in ids:
            found.setdefault(case_id, (row, set()))[1].add(bucket)
    return {case_id: (row, frozenset(buckets)) for case_id, (row, buckets) in found.items()}


def _reasons(case: Case | None, events: list[CaseEvent], before, after, published: PublishedReport) -> list[str]:
    """Why a case moved, from its events after publication (see the module's docstring)."""
    actions = {event.action for event in events}
    routed = bool(actions & {Action.reroute, Action.assign})
    if before is None and case is not None:
        # not counted then: received since, routed into the scope since, or recorded since (an import
        # replays a record's events at their own past times, so a later import has no later event)
        if case.received_at > published.as_of:
            return ["received_later"]
        return ["rerouted"] if routed else ["imported_later"]
    reasons = []
    if Action.reopen in actions:
        reasons.append("reopened")
    if Action.approve in actions:
        reasons.append("approved_late")
    elif any(e.state_after == "closed" for e in events if e.action != Action.reopen):
        reasons.append("closed_since")
    if routed:
        reasons.append("rerouted")
    elif before is not None and after is not None and before[0] != after[0]:
        reasons.append("moved")
    if any(e.action == Action.recompute_due and read(e).due_before != read(e).due_after for e in events):
        reasons.append("calendar")
    if not reasons and before is not None and after is not None and "open_not_due" in before[1] \
            and "open_overdue" in after[1]:
        reasons.append("due_passed")
    return reasons or ["other"]


def diff(session: Session, published: PublishedReport, now=None) -> dict:
    """The published report against the same report today: the figures that changed and the cases
    that moved row or bucket, each with its reasons; ``unchanged`` when nothing did."""
    params = live_params(session, published, now)
    live = compute(session, params)
    before = _membership(row_lists(stored_lists(session, published)))
    after = _membership(case_lists(session, params, live, breakdowns=False))
    moved_ids = sorted(i for i in set(before) | set(after) if before.get(i) != after.get(i))
    cases = {c.id: c for c in session.exec(select(Case).where(Case.id.in_(moved_ids))).all()} if moved_ids else {}
    events: dict[int, list[CaseEvent]] = {i: [] for i in moved_ids}
    if moved_ids:
        for event in session.exec(select(CaseEvent).where(CaseEvent.case_id.in_(moved_ids),
                                                          CaseEvent.created_at > published.published_at)
                                  .order_by(CaseEvent.id)):
            events[event.case_id].append(event)
    moved = []
    for case_id in moved_ids:
        case = cases.get(case_id)
        was, now_in = before.get(case_id), after.get(case_id)
        moved.append({
            "case_id": case_id, "tracking_number": case.tracking_number if case else None,
            "before": {"row": was[0], "buckets": sorted(was[1])} if was else None,
            "after": {"row": now_in[0], "buckets": sorted(now_in[1])} if now_in else None,
            "reasons": _reasons(case, events[case_id], was, now_in, published),
        })
    figures_changed = changed_figures(report_of(published), live)
    return {"id": published.id, "as_of": live["as_of"], "published_as_of": published.figures.get("as_of"),
            "sentence_before": published.sentence, "sentence_after": live["sentence"],
            "unchanged": not figures_changed and not moved, "figures": figures_changed, "cases": moved,
            "live": live}
