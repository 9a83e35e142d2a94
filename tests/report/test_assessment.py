"""The annual assessment: cases of the year not closed, closed after a month, and the points."""
from __future__ import annotations

import re

from tests.report.conftest import bj, login
from tracker.reports.assessment import assessment


def test_assessment_counts_and_points(app, session, tree, client):
    t = tree
    t.answer(t.submit(bj(3, 15), site=t.gz_site), bj(4, 15, 10), bj(4, 15, 12))  # 4/15 is within a month
    t.answer(t.submit(bj(3, 15), site=t.gz_site), bj(4, 16, 10), bj(4, 16, 12))  # 4/16: more than a month
    t.answer(t.submit(bj(1, 31), site=t.gz_site), bj(3, 1, 10), bj(3, 1, 12))  # 1/31 -> 2/29: 3/1 is late
    t.submit(bj(12, 30), site=t.sz_site)  # still open
    t.answer(t.submit(bj(11, 1), site=t.sz_site), bj(11, 2), bj(11, 3))  # on time
    t.submit(bj(12, 31, 9, year=2023), site=t.sz_site)  # another year
    data = assessment(session, year=2024, scope_org=t.province, as_of=bj(1, 10, year=2025))
    rows = {r["key"]: r for r in data["rows"]}
    assert (rows["GZ0001"]["received"], rows["GZ0001"]["not_closed"], rows["GZ0001"]["closed_after_month"],
            rows["GZ0001"]["deduction"]) == (3, 0, 2, 4)
    assert (rows["SZ0001"]["received"], rows["SZ0001"]["not_closed"], rows["SZ0001"]["closed_after_month"],
            rows["SZ0001"]["deduction"]) == (2, 1, 0, 3)
    assert data["deduction"] == 7

    app.config.update(ASSESSMENT_POINTS_OPEN=5, ASSESSMENT_POINTS_LATE=1)
    login(client, t.supervisor_user)
    page = client.get("/supervise/report/assessment", query_string={"year": 2024, "as_of": "2025-01-10"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    deductions = dict(re.findall(r'<tr[^>]*data-key="([^"]*)">.*?data-field="deduction">(\d+)<', html))
    assert deductions == {"GZ0001": "2", "SZ0001": "5", "": "7"}
