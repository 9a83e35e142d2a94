"""Handling times are counted in SQL as differences of working-day ordinals: they equal the
calendar's own count, case by case, across holidays, make-up working days, a year boundary and a
year loaded by an admin."""
from __future__ import annotations

import math
from datetime import timedelta

from tests.report.conftest import bj
from tracker.calendar.operations import store_year
from tracker.calendar.store import load_calendar
from tracker.cases import operations as ops
from tracker.reports.figures import sla_report

# (received, answered): around 劳动节 2024 (5/1-5/5 off, 4/28 and 5/11 worked), over the new
# year, and at the edges of a day in Beijing (00:05 and 23:55 are the same UTC day as neighbours)
PAIRS = [
    (bj(4, 26, 10), bj(4, 28, 16)),   # Friday -> the make-up Sunday: 1
    (bj(4, 26, 10), bj(5, 6, 9)),     # across the holiday: 4/28, 4/29, 4/30, 5/6 = 4
    (bj(4, 30, 23, 55), bj(5, 1, 0, 5)),  # into the holiday: 0
    (bj(4, 30, 0, 5), bj(4, 30, 23, 55)),  # the same day: 0
    (bj(5, 10, 18), bj(5, 11, 9)),    # Friday -> the make-up Saturday: 1
    (bj(4, 1, 9), bj(4, 12, 9)),      # 4/4-4/6 清明 off, 4/7 worked: 8
    (bj(12, 30, 9), bj(1, 3, 9, year=2025)),  # over the new year
]


def _plain(durations: list[int]) -> tuple[float | None, int | None]:
    ordered = sorted(durations)
    return round(sum(ordered) / len(ordered), 2), ordered[math.ceil(0.9 * len(ordered)) - 1]


def _close_all(tree, pairs):
    for received, answered in pairs:
        case = tree.submit(received, site=tree.gz_site)
        tree.do(answered, ops.answer, case, tree.gz_staff, text="已处理。")
        tree.do(answered + timedelta(minutes=1), ops.approve, case, tree.supervisor)


def test_handling_times_equal_the_calendar_count(session, tree):
    _close_all(tree, PAIRS)
    calendar = load_calendar(session)
    expected = [calendar.workdays_between(r, a) for r, a in PAIRS]
    assert expected == [1, 4, 0, 0, 1, 8, 3]
    report = sla_report(session, date_from="2024-04-01", date_to="2024-12-31", scope_org=tree.province,
                        as_of=bj(2, 1, 9, year=2025))
    assert report["closed"] == len(PAIRS)
    assert (report["avg_workdays"], report["p90_workdays"]) == _plain(expected) == (2.43, 8)
    by_category = {row["key"]: row for row in report["by_category"]}
    assert (by_category["2"]["avg_workdays"], by_category["2"]["p90_workdays"]) == (2.43, 8)


def test_a_loaded_year_changes_the_handling_time(session, tree):
    """An admin's 2025 schedule, making 2 January a holiday, is what the SQL counts with."""
    _close_all(tree, PAIRS[-1:])
    before = sla_report(session, date_from="2024-12-01", date_to="2024-12-31", scope_org=tree.province,
                        as_of=bj(2, 1, 9, year=2025))
    assert before["avg_workdays"] == 3  # 12/31, 1/2, 1/3
    store_year(session, [{"date": "2025-01-01", "kind": "holiday", "name": "元旦"},
                         {"date": "2025-01-02", "kind": "holiday", "name": "元旦"}], source="测试")
    after = sla_report(session, date_from="2024-12-01", date_to="2024-12-31", scope_org=tree.province,
                       as_of=bj(2, 1, 9, year=2025))
    assert after["avg_workdays"] == 2 == load_calendar(session).workdays_between(*PAIRS[-1])
