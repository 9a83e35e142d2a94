"""The final review (终审) as figures, counted by hand: the working days from the last answer to its
approval (mean and nearest-rank 90th percentile), their share of the working days to closure, and
the share of answers sent back (驳回率), by row and in total, on the page and in every export.

Calendar facts used: 4/4–4/6 Qingming, 5/1–5/5 Labour Day (4/28 Sunday a working day). T = 6/28 18:00.

| case | row | received | answers (to review) | sent back | approved | review wd | handling wd |
|---|---|---|---|---|---|---|---|
| A | 广州 | 4/1 Mon | 4/2 | | 4/3 | 1 | 1 |
| B | 广州 | 4/8 Mon | 4/9, 4/10 | 4/10 | 4/12 Fri | 2 (from 4/10) | 2 |
| C | 广州 | 4/26 Fri | 4/28 Sun (调休) | | 5/6 | 3 (4/29, 4/30, 5/6) | 1 |
| J | 广州 | 5/20 Mon | 5/21 | | 5/22, reopened 7/1 (after T) | 1 | 1 |
| D | 深圳 | 6/3 Mon | 6/4 10:00 | | 6/4 16:00 | 0 | 1 |
| E | 深圳 | 6/11 Tue | 6/12, 6/13 | 6/13, 6/14 | — open | | |
| F | 深圳 | 6/17 Mon | 6/25 | | 7/1 (after T) — open at T | | |
| G | 深圳 | 6/17 Mon | not taken up 6/18 | | 6/19 | 1 | 1 |
| K | 深圳 | 6/26 Wed | 6/28 20:00 (after T) | | | | |
| H | 省本级 | 6/18 | supervisor: not a gov site, from triage (no review) | | | | |

- 广州: review days 1, 2, 3, 1: mean 1.75, p90 the 4th of 4 = 3; share 7 / (7 + 5) = 58.3% (▲);
  sent to review 5 (A, B twice, C, J), sent back 1: 20%.
- 深圳: review days 0, 1: mean 0.5, p90 the 2nd of 2 = 1; share 1 / (1 + 2) = 33.3%;
  sent to review 5 (D, E twice, F, G), sent back 2: 40%.
- 本级: nothing reviewed, nothing sent: no figures.
- Totals: 0, 1, 1, 1, 2, 3: mean 8 / 6 = 1.33, p90 the 6th of 6 = 3; share 8 / 15 = 53.3% (▲);
  sent 10, sent back 3: 30%.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.report.conftest import bj, login
from tracker.cases import operations as ops
from tracker.reports.figures import sla_report

AS_OF = bj(6, 28, 18)
WINDOW = {"from": "2024-04-01", "to": "2024-06-30", "as_of": AS_OF.isoformat()}
REVIEW = ("review_avg_workdays", "review_p90_workdays", "review_share", "submitted", "sent_back", "reject_rate")


@pytest.fixture()
def reviews(tree):
    t = tree
    t.answer(t.submit(bj(4, 1), site=t.gz_site), bj(4, 2, 10), bj(4, 3, 9))
    b = t.submit(bj(4, 8), site=t.gz_site)
    t.do(bj(4, 9, 10), ops.answer, b, t.gz_staff, text="已处理。")
    t.do(bj(4, 10, 9), ops.reject, b, t.supervisor, reason="没有写明改了什么。")
    t.answer(b, bj(4, 10, 15), bj(4, 12, 9))
    t.answer(t.submit(bj(4, 26, 15), site=t.gz_site), bj(4, 28, 10), bj(5, 6, 9))
    j = t.answer(t.submit(bj(5, 20), site=t.gz_site), bj(5, 21, 10), bj(5, 22, 9))
    t.do(bj(7, 1, 10), ops.reopen, j, t.supervisor, reason="网民不满意。")
    t.do(bj(7, 2, 10), ops.answer, j, t.gz_staff, text="已重新更新页面。")  # after T: not counted
    t.answer(t.submit(bj(6, 3), site=t.sz_site), bj(6, 4, 10), bj(6, 4, 16))
    e = t.submit(bj(6, 11), site=t.sz_site)
    t.do(bj(6, 12, 10), ops.answer, e, t.sz_staff, text="已处理。")
    t.do(bj(6, 13, 9), ops.reject, e, t.supervisor, reason="请写明处理情况。")
    t.do(bj(6, 13, 15), ops.answer, e, t.sz_staff, text="已处理完毕。")
    t.do(bj(6, 14, 9), ops.reject, e, t.supervisor, reason="仍未写明。")
    t.answer(t.submit(bj(6, 17), site=t.sz_site), bj(6, 25, 10), bj(7, 1, 9))
    g = t.submit(bj(6, 17, 10), site=t.sz_site)
    t.do(bj(6, 18, 10), ops.close_not_taken_up, g, t.sz_staff, outcome="duplicate", reason="与前一条重复。")
    t.do(bj(6, 19, 9), ops.approve, g, t.supervisor)
    t.do(bj(6, 28, 20), ops.answer, t.submit(bj(6, 26), site=t.sz_site), t.sz_staff, text="已更新。")
    h = t.submit(bj(6, 18, 9), page_url="https://unknown.example.com/page")
    t.do(bj(6, 18, 10), ops.close_not_taken_up, h, t.supervisor, outcome="not_gov_site", reason="不是政府网站。")
    t.session.flush()


EXPECTED = {
    "440100": {"review_avg_workdays": 1.75, "review_p90_workdays": 3, "review_share": 7 / 12,
               "submitted": 5, "sent_back": 1, "reject_rate": 0.2},
    "440300": {"review_avg_workdays": 0.5, "review_p90_workdays": 1, "review_share": 1 / 3,
               "submitted": 5, "sent_back": 2, "reject_rate": 0.4},
    "440000": {"review_avg_workdays": None, "review_p90_workdays": None, "review_share": None,
               "submitted": 0, "sent_back": 0, "reject_rate": None},
}
TOTALS = {"review_avg_workdays": 1.33, "review_p90_workdays": 3, "review_share": 8 / 15,
          "submitted": 10, "sent_back": 3, "reject_rate": 0.3}


def _report(session, tree, **kw):
    return sla_report(session, date_from="2024-04-01", date_to="2024-06-30", scope_org=tree.province,
                      as_of=AS_OF, **kw)


def test_review_figures_by_row_and_in_total(session, tree, reviews):
    report = _report(session, tree)
    rows = {row["key"]: {key: row[key] for key in REVIEW} for row in report["rows"]}
    assert rows == EXPECTED
    assert {key: report[key] for key in REVIEW} == TOTALS
    # the other figures are untouched by the review's: 广州 closed 3 at T (J replayed as closed), 深圳 3
    assert {row["key"]: row["closed"] for row in report["rows"]} == {"440100": 4, "440300": 2, "440000": 1}


def test_by_category_adds_up_to_the_same_totals(session, tree, reviews):
    report = _report(session, tree, by="category")
    assert sum(row["submitted"] for row in report["by_category"]) == 10
    assert sum(row["sent_back"] for row in report["by_category"]) == 3
    assert sum(row["submitted"] for row in report["rows"]) == 10


def test_an_earlier_as_of_moment_counts_only_what_happened_by_then(session, tree, reviews):
    """At 4/10 12:00 B's first answer had been sent back and its second not yet given; A was approved."""
    report = sla_report(session, date_from="2024-04-01", date_to="2024-06-30", scope_org=tree.province,
                        as_of=bj(4, 10, 12))
    gz = next(row for row in report["rows"] if row["key"] == "440100")
    assert (gz["submitted"], gz["sent_back"], gz["reject_rate"]) == (2, 1, 0.5)
    assert (gz["review_avg_workdays"], gz["review_p90_workdays"], gz["review_share"]) == (1, 1, 0.5)


def test_the_page_shows_the_review_table_and_the_bottleneck(client, tree, reviews, session):
    session.commit()
    login(client, tree.supervisor_user)
    page = client.get("/supervise/report", query_string={**WINDOW, "scope": "440000"}).text
    assert 'id="review-table"' in page
    summary = page.split('id="review-summary"')[1].split("</p>")[0]
    assert "答复到审核通过平均1.33个工作日（90%：3）。终审用时占经审核办结留言所用工作日的53.3%。" in summary
    assert "提交审核10次，驳回3次，驳回率30.0%。" in summary
    assert "终审占用了一半以上的办结时间：审核是瓶颈。" in summary
    table = page.split('id="review-table"')[1].split("</table>")[0]
    assert '<tr data-key="440100" class="is-slow-review" data-slow="1">' in table
    assert '<tr data-key="440300">' in table
    gz = table.split('data-key="440100"')[1].split("</tr>")[0]
    assert '<td data-field="review_avg_workdays">1.75</td>' in gz and '<td data-field="reject_rate">20.0%</td>' in gz
    assert '<td data-field="review_share">58.3%</td>' in gz
    assert "驳回率＝驳回次数÷提交审核次数" in page
    main = page.split('id="report-table"')[1].split("</table>")[0]
    assert "驳回率" not in main  # the main table keeps its width


def test_the_exports_carry_the_review_columns(client, runner, tree, reviews, session):
    session.commit()
    login(client, tree.supervisor_user)
    response = client.get("/supervise/report/export.csv", query_string={**WINDOW, "scope": "440000"})
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    heading = lines[0]
    assert heading[-6:] == ["终审平均工作日", "90%终审工作日", "终审用时占比(%)", "提交审核", "驳回", "驳回率(%)"]
    by_name = {line[1]: line[-6:] for line in lines[1:]}
    assert by_name["广州市政务服务数据管理局"] == ["1.75", "3", "58.3", "5", "1", "20.0"]
    assert by_name["合计"] == ["1.33", "3", "53.3", "10", "3", "30.0"]

    workbook = load_workbook(io.BytesIO(client.get("/supervise/report/export.xlsx",
                                                   query_string={**WINDOW, "scope": "440000"}).data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[2]]
    assert header[-6:] == ["终审平均工作日", "90%终审工作日", "终审用时占比", "提交审核", "驳回", "驳回率"]
    totals = [cell for cell in sheet[sheet.max_row]]
    assert totals[1].value == "合计" and totals[-1].value == pytest.approx(0.3)
    assert totals[-1].number_format == "0.0%" and totals[-4].number_format == "0.0%"
    assert any(row[0].value == "终审" for row in workbook["说明"].iter_rows())

    printed = runner.invoke(args=["report", "--from", "2024-04-01", "--to", "2024-06-30", "--scope", "440000",
                                  "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.output)
    assert (data["submitted"], data["sent_back"], data["reject_rate"]) == (10, 3, 0.3)
    assert data["review_p90_workdays"] == 3
