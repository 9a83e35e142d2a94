"""参评率 and 满意率 beside the other figures: a quarter (2024 Q2) counted by hand.

As of T = 6/28 18:00. Every case is answered the day after receipt and approved at once (on time).

| case | row | what happens | at T |
|---|---|---|---|
| S1 | 广州 | rated satisfied 5/8 | closed, rated, satisfied |
| S2 | 广州 | rated unsatisfied 5/8, not reopened | closed, rated |
| S3 | 广州 | never rated | closed, unrated |
| S4 | 广州 | closed 6/25, rated satisfied 7/1 (after T) | closed, unrated |
| S5 | 深圳 | unsatisfied 5/8, reopened 5/9, re-answered, rated satisfied 5/16 | closed, rated, satisfied, 重办 |
| S6 | 深圳 | unsatisfied 6/20, reopened 7/2 (after T) | closed, rated (replayed), not 重办 |
| S7 | 深圳 | accepted, no answer | open |
| S8 | 深圳 | reopened 5/9 without a rating, re-answered, unrated | closed, unrated, not 重办 |
| S9 | 深圳 | unsatisfied 5/8, reopened 5/9, still open | open, 重办 |

广州: closed 4, rated 2, satisfied 1 -> 参评率 50.0%, 满意率 50.0%, 重办 0.
深圳: closed 3 (S5, S6, S8), rated 2 (S5, S6), satisfied 1 -> 参评率 66.7%, 满意率 50.0%, 重办 2 (S5, S9).
Total: closed 7, rated 4, satisfied 2, 重办 2 -> 参评率 57.1%, 满意率 50.0%.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.report.conftest import bj, login
from tracker.cases import operations as ops
from tracker.db import frozen_clock
from tracker.reports.figures import sla_report
from tracker.reports.params import FIGURE_KEYS

AS_OF = bj(6, 28, 18)
WINDOW = {"date_from": "2024-04-01", "date_to": "2024-06-30"}


@pytest.fixture()
def quarter(tree):
    t = tree

    def closed(month, day, site):
        case = t.submit(bj(month, day, 9), site=site)
        return t.answer(case, bj(month, day + 1, 9), bj(month, day + 1, 10))

    def rate(case, at, satisfied):
        with frozen_clock(at):
            ops.record_feedback(t.session, case, satisfied=satisfied, comment=None if satisfied else "页面仍未更新。")

    def reopen(case, at):
        t.do(at, ops.reopen, case, t.supervisor, reason="网民不满意，重办。")

    s1, s2, _s3 = closed(5, 6, t.gz_site), closed(5, 6, t.gz_site), closed(5, 6, t.gz_site)
    rate(s1, bj(5, 8, 9), True)
    rate(s2, bj(5, 8, 9), False)
    s4 = closed(6, 24, t.gz_site)
    rate(s4, bj(7, 1, 9), True)
    s5, s8, s9 = closed(5, 6, t.sz_site), closed(5, 6, t.sz_site), closed(5, 6, t.sz_site)
    rate(s5, bj(5, 8, 9), False)
    reopen(s5, bj(5, 9, 9))
    t.answer(s5, bj(5, 10, 9), bj(5, 10, 10))
    rate(s5, bj(5, 16, 9), True)
    reopen(s8, bj(5, 9, 9))
    t.answer(s8, bj(5, 10, 9), bj(5, 10, 10))
    rate(s9, bj(5, 8, 9), False)
    reopen(s9, bj(5, 9, 9))
    s6 = closed(6, 17, t.sz_site)
    rate(s6, bj(6, 20, 9), False)
    reopen(s6, bj(7, 2, 9))
    s7 = t.submit(bj(6, 26, 9), site=t.sz_site)
    t.do(bj(6, 26, 10), ops.accept, s7, t.sz_staff)
    t.session.flush()


def figures(row):
    return (row["closed"], row["rated"], row["satisfied"], row["rating_rate"], row["satisfaction_rate"],
            row["redone"])


def test_rating_and_satisfaction_rates_match_the_hand_count(session, tree, quarter):
    report = sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF)
    rows = {row["key"]: row for row in report["rows"]}
    assert figures(rows["440100"]) == (4, 2, 1, 0.5, 0.5, 0)
    assert figures(rows["440300"]) == (3, 2, 1, pytest.approx(2 / 3), 0.5, 2)
    assert figures(report) == (7, 4, 2, pytest.approx(4 / 7), 0.5, 2)
    # the default sentence is unchanged; asked for, it gives the two rates
    assert "参评率" not in report["sentence"]
    asked = sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF, with_satisfaction=True)
    assert asked["sentence"].endswith("；网民参评4条，参评率57.1%，满意率50.0%。")
    assert asked["sentence"][:-len("；网民参评4条，参评率57.1%，满意率50.0%。")] == report["sentence"][:-1]


def test_later_ratings_count_as_of_a_later_moment(session, tree, quarter):
    report = sla_report(session, **WINDOW, scope_org=tree.province, as_of=bj(7, 1, 12))
    rows = {row["key"]: row for row in report["rows"]}
    assert figures(rows["440100"]) == (4, 3, 2, 0.75, pytest.approx(2 / 3), 0)
    # S6 was reopened on 7/2: as of 7/1 it is closed and rated unsatisfied, as at T
    assert figures(rows["440300"]) == (3, 2, 1, pytest.approx(2 / 3), 0.5, 2)
    after = sla_report(session, **WINDOW, scope_org=tree.province, as_of=bj(7, 3, 12))
    rows = {row["key"]: row for row in after["rows"]}
    assert figures(rows["440300"]) == (2, 1, 1, 0.5, 1, 3)  # S6 open again, and a 重办


def test_the_exports_the_page_and_the_command_carry_the_columns(client, runner, session, tree, quarter):
    session.commit()
    login(client, tree.supervisor_user)
    query = {"from": "2024-04-01", "to": "2024-06-30", "scope": "440000", "as_of": AS_OF.isoformat()}
    lines = list(csv.reader(io.StringIO(client.get("/supervise/report/export.csv", query_string=query)
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    start = 2 + FIGURE_KEYS.index("paused")
    assert lines[0][start:start + 6] == ["挂起", "参评", "参评率(%)", "满意", "满意率(%)", "重办"]
    assert lines[-1][1] == "合计" and lines[-1][start:start + 6] == ["0", "4", "57.1", "2", "50.0", "2"]
    sheet = load_workbook(io.BytesIO(client.get("/supervise/report/export.xlsx", query_string=query).data))
    totals = [cell.value for cell in sheet.worksheets[0][sheet.worksheets[0].max_row]]
    assert totals[start:start + 6] == [0, 4, pytest.approx(4 / 7), 2, 0.5, 2]
    page = client.get("/supervise/report", query_string={**query, "with_satisfaction": "1"}).get_data(as_text=True)
    assert 'id="satisfaction-table"' in page and "参评率57.1%，满意率50.0%" in page
    assert "满意率＝评价满意数÷参评数" in page
    printed = runner.invoke(args=["report", "--from", "2024-04-01", "--to", "2024-06-30", "--scope", "440000",
                                  "--as-of", AS_OF.isoformat(), "--format", "json", "--with-satisfaction"])
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.output)
    assert (data["rated"], data["satisfied"], data["redone"]) == (4, 2, 2)
    assert data["sentence"].endswith("满意率50.0%。")
