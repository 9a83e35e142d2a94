"""A published quarter stays as published after the cases change; the diff names each moved case and why.

Q2 2027 so far (4月1日至6月13日), published at 10:00 on 14 June (as of that moment). 2027 has no
packaged schedule, so every deadline is provisional (Monday to Friday) until the year is loaded.
Then, on 15 June: one case is reopened, one is re-routed from 广州 to 深圳 (another supervisor),
and the 2027 schedule is loaded with Saturday 12 June a make-up working day (调休), which moves one
open case's due time a day earlier. On 16 June the published report reads exactly as before,
the diff lists exactly those three cases with their reasons, and the live report has the new figures.
"""
from __future__ import annotations

import json
from datetime import date

from openpyxl import load_workbook

from tests.report.conftest import bj
from tests.report.test_notice import _bulk_closed_cases
from tracker.calendar.operations import read_year_csv
from tracker.cases import operations as ops
from tracker.cases.deadlines import load_year
from tracker.db import frozen_clock

CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-06-12,workday,调休\n"
SOURCE_2027 = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
PUBLISHED_AT, CHANGED_AT, COMPARED_AT = bj(6, 14, 10, year=2027), bj(6, 15, 10, year=2027), bj(6, 16, 10, year=2027)
SENTENCE = ("2027年4月1日至6月13日，全省共收到网民反馈的“我为政府网站找错”留言780条，已办结778条，办结率99.7%，"
            "按期办结率100%；其中超期办结0条，超期未办结0条，尚在办理期限内2条。")


def cells(path) -> list:
    workbook = load_workbook(path)
    return [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in workbook.worksheets]


def run(runner, at, *args):
    with frozen_clock(at):
        result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def show_all(runner, tmp_path, report_id, name):
    xlsx = tmp_path / f"{name}.xlsx"
    run(runner, COMPARED_AT, "published", "show", report_id, "--format", "xlsx", "--output", str(xlsx))
    return {fmt: run(runner, COMPARED_AT, "published", "show", report_id, "--format", fmt)
            for fmt in ("json", "text", "csv")} | {"xlsx": cells(xlsx)}


def test_a_published_q2_stays_the_same_after_a_change(session, tree, runner, tmp_path):
    _bulk_closed_cases(session, tree, 777, date(2027, 4, 1), date(2027, 6, 10))
    reopened = tree.answer(tree.submit(bj(6, 1, 9, year=2027), site=tree.gz_site),
                           bj(6, 1, 11, year=2027), bj(6, 1, 12, year=2027))
    rerouted = tree.submit(bj(6, 13, 10, year=2027), site=tree.gz_site)  # a Sunday: due Wed 16 June 24:00
    moved_by_calendar = tree.submit(bj(6, 11, 10, year=2027), site=tree.sz_site)  # a Friday: due 16 June, then 15
    assert moved_by_calendar.due_is_provisional and moved_by_calendar.due_at == bj(6, 17, 0, year=2027)

    report_id = run(runner, PUBLISHED_AT, "publish-report", "--from", "2027-04-01", "--to", "2027-06-13",
                    "--scope", "440000").strip()
    before = show_all(runner, tmp_path, report_id, "before")
    published = json.loads(before["json"])
    assert published["sentence"] == SENTENCE and before["text"].splitlines()[0] == SENTENCE
    report = published["report"]
    assert (report["received"], report["closed_on_time"], report["open_not_due"], report["on_time_rate"]) == (
        780, 778, 2, 1)
    assert published["as_of_rule"] == "now" and published["as_of"] == "2027-06-14T10:00:00+08:00"
    assert published["calendar_version"][0]["year"] == 2027 and published["calendar_version"][0]["source"] == "fallback"
    lists = {(item["row"], item["bucket"]): item["case_ids"] for item in published["case_lists"]}
    assert rerouted.id in lists[("440100", "open_not_due")] and reopened.id in lists[("440100", "closed_on_time")]
    assert sum(len(lists[(row, "received")]) for row in ("440100", "440300")) == 780

    nothing = json.loads(run(runner, PUBLISHED_AT, "published", "diff", report_id, "--format", "json"))
    assert nothing["unchanged"] and nothing["cases"] == [] and nothing["figures"] == []

    # the changes of 15 June
    tree.do(CHANGED_AT, ops.reopen, reopened, tree.supervisor, reason="网民不满意，重新办理。")
    tree.do(CHANGED_AT, ops.reroute, rerouted, tree.supervisor, organiser_id=tree.sz_org.id, note="属深圳市网站。")
    with frozen_clock(CHANGED_AT):
        result = load_year(session, read_year_csv(CSV_2027), SOURCE_2027)
    session.commit()
    assert result.moved >= 1 and moved_by_calendar.due_at == bj(6, 16, 0, year=2027)

    after = show_all(runner, tmp_path, report_id, "after")
    assert after == before  # JSON, text, CSV and every cell of the XLSX, exactly as published

    changes = json.loads(run(runner, COMPARED_AT, "published", "diff", report_id, "--format", "json"))
    assert not changes["unchanged"]
    assert {case["case_id"]: case["reasons"] for case in changes["cases"]} == {
        reopened.id: ["reopened"], rerouted.id: ["rerouted"], moved_by_calendar.id: ["calendar"]}
    moves = {case["case_id"]: (case["before"], case["after"]) for case in changes["cases"]}
    assert moves[rerouted.id] == ({"row": "440100", "buckets": ["open_not_due", "received"]},
                                  {"row": "440300", "buckets": ["open_not_due", "received"]})
    assert moves[moved_by_calendar.id][1] == {"row": "440300", "buckets": ["open_overdue", "received"]}
    totals = {c["figure"]: (c["before"], c["after"]) for c in changes["figures"] if c["section"] == "total"}
    assert totals["closed"] == (778, 777) and totals["open_overdue"] == (0, 1)
    assert "received" not in totals and "open_not_due" not in totals  # still 780, and 2 (one reopened, one late)
    text = run(runner, COMPARED_AT, "published", "diff", report_id)
    assert f"{reopened.tracking_number} (#{reopened.id})" in text and "reopened (重办)" in text
    assert "rerouted" in text and "calendar" in text

    live = run(runner, COMPARED_AT, "report", "--from", "2027-04-01", "--to", "2027-06-13", "--scope", "440000")
    assert live.splitlines()[0] == (
        "2027年4月1日至6月13日，全省共收到网民反馈的“我为政府网站找错”留言780条，已办结777条，办结率99.6%，"
        "按期办结率99.9%；其中超期办结0条，超期未办结1条，尚在办理期限内2条。")
