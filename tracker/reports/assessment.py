"""The annual assessment (年度考核): deductions for cases not closed, or closed more than a month
after receipt."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from tracker.cases.models import Case
from tracker.db import utcnow
from tracker.organisations.models import Organisation
from tracker.organisations.scope import in_subtree
from tracker.reports.buckets import closed_sql, from_cases, owner
from tracker.reports.params import parse_instant
from tracker.workdays import BEIJING, beijing_date, start_of_day


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
    closed = closed_sql(as_of)
    query = (from_cases(select(owner.id, owner.code, owner.name, Case.received_at, Case.closed_at,
                                sa.case((closed, True), else_=False)))
             .where(Case.received_at >= start, Case.received_at < end, Case.received_at <= as_of,
                    in_subtree(owner.path, scope_org)))
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
