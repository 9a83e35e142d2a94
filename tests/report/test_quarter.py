"""A hand-made quarter (2024 Q2), counted by hand.

Calendar facts used: 4/4–4/6 Qingming (4/7 Sunday a working day), 5/1–5/5 Labour Day (4/28 Sunday
and 5/11 Saturday working days), 6/10 Dragon Boat. Answer period: 3 working days, receipt day not
counted, ending 24:00 Beijing.

| case | organiser | received | due (24:00) | what happens | at T = 6/28 18:00 |
|---|---|---|---|---|---|
| A | 广州 | 4/3 Wed | 4/9 (4/7 调休) | answered 4/9 16:00, approved 4/10 | on time, fixed, 3 wd |
| B | 广州 | 4/26 Fri | 4/30 (4/28 调休) | answered 5/6 after the holiday | late, explained, 4 wd |
| C | 广州 | 5/10 Fri | 5/14 (5/11 调休) | answered 5/14 20:00 | on time, fixed, 3 wd |
| D | 广州 | 5/20 Mon | 5/23, reopened 5/22 -> 5/27 | first answer on time, re-answer 5/28 | late, fixed, 6 wd |
| E | 深圳 | 6/3 Mon | 6/6 | answered 6/5, reopened 7/1 (after T) | on time, explained, 2 wd |
| F | 深圳 | 6/6 Thu | 6/12 (6/10 holiday), +2 approved -> 6/14 | answered 6/14 | on time, fixed, 5 wd |
| G | 深圳 | 6/17 Mon | 6/20 | not taken up (duplicate) 6/17 | on time, 0 wd |
| H | 省（本级, triage） | 6/18 Tue | 6/21 | supervisor: not a gov site | on time, 0 wd |
| I | 深圳 | 6/19 Wed | 6/24 | accepted, no answer | open, overdue |
| J | 深圳 | 6/20 Thu | 6/25 | answered 6/25, approved 7/1 (after T) | open, overdue |
| K | 深圳 | 6/27 Thu | 7/2 | accepted | open, not yet due |
| L | 深圳 | 6/28 20:00 (after T) | 7/3 | nothing | not yet received |
| M | 广州 | 3/29 (before the window) | | answered late | not in the window |
"""
from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.report.conftest import bj, login
from tracker.cases import operations as ops
from tracker.reports.figures import sla_report

AS_OF = bj(6, 28, 18)
WINDOW = {"date_from": "2024-04-01", "date_to": "2024-06-30"}


@pytest.fixture()
def quarter(tree):
    t = tree
    c = {}
    c["A"] = t.answer(t.submit(bj(4, 3, 10), site=t.gz_site), bj(4, 9, 16), bj(4, 10, 9))
    c["B"] = t.answer(t.submit(bj(4, 26, 15), site=t.gz_site), bj(5, 6, 10), bj(5, 6, 11), "explained")
    c["C"] = t.answer(t.submit(bj(5, 10, 9), site=t.gz_site), bj(5, 14, 20), bj(5, 15, 9))
    d = t.answer(t.submit(bj(5, 20, 9), site=t.gz_site), bj(5, 21, 10), bj(5, 21, 15))
    t.do(bj(5, 22, 10), ops.reopen, d, t.supervisor, reason="网民不满意，重办。")
    c["D"] = t.answer(d, bj(5, 28, 9), bj(5, 28, 10))
    e = t.answer(t.submit(bj(6, 3, 9), site=t.sz_site), bj(6, 5, 10), bj(6, 5, 15), "explained")
    t.do(bj(7, 1, 10), ops.reopen, e, t.supervisor, reason="复查后重办。")
    c["E"] = e
    f = t.submit(bj(6, 6, 10), site=t.sz_site)
    t.do(bj(6, 7, 9), ops.accept, f, t.sz_staff)
    request = t.do(bj(6, 11, 9), ops.request_extension, f, t.sz_staff, workdays=2, reason="需要技术部门配合。")
    t.do(bj(6, 11, 10), ops.decide_extension, f, t.supervisor, request_id=request.id, approve=True)
    c["F"] = t.answer(f, bj(6, 14, 10), bj(6, 14, 11))
    g = t.submit(bj(6, 17, 9), site=t.sz_site)
    t.do(bj(6, 17, 15), ops.close_not_taken_up, g, t.sz_staff, outcome="duplicate", reason="与前一条留言重复。")
    t.do(bj(6, 18, 9), ops.approve, g, t.supervisor)
    c["G"] = g
    h = t.submit(bj(6, 18, 9), page_url="https://unknown.example.com/page")
    assert h.state == "triage"
    t.do(bj(6, 18, 10), ops.close_not_taken_up, h, t.supervisor, outcome="not_gov_site", reason="不是政府网站。")
    c["H"] = h
    i = t.submit(bj(6, 19, 9), site=t.sz_site)
    t.do(bj(6, 19, 10), ops.accept, i, t.sz_staff)
    c["I"] = i
    c["J"] = t.answer(t.submit(bj(6, 20, 9), site=t.sz_site), bj(6, 25, 10), bj(7, 1, 9))
    k = t.submit(bj(6, 27, 9), site=t.sz_site)
    t.do(bj(6, 27, 10), ops.accept, k, t.sz_staff)
    c["K"] = k
    c["L"] = t.submit(bj(6, 28, 20), site=t.sz_site)
    c["M"] = t.answer(t.submit(bj(3, 29, 9), site=t.gz_site), bj(4, 8, 9), bj(4, 8, 10))
    t.session.flush()
    return c


def test_due_times_follow_the_calendar(quarter):
    due = {name: case.due_at.astimezone(bj(1, 1).tzinfo).strftime("%m-%d") for name, case in quarter.items()}
    # exclusive bounds: 00:00 of the day after the last working day
    assert due["A"] == "04-10" and due["B"] == "05-01" and due["C"] == "05-15"
    assert due["D"] == "05-28" and due["F"] == "06-15" and due["I"] == "06-25" and due["K"] == "07-03"


def test_totals_counted_by_hand(quarter, session, tree):
    report = sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF)
    assert {k: report[k] for k in ("received", "closed", "closed_on_time", "closed_late", "open_overdue",
                                   "open_not_due", "confirmed")} == {
        "received": 11, "closed": 8, "closed_on_time": 6, "closed_late": 2,
        "open_overdue": 2, "open_not_due": 1, "confirmed": 4}
    assert report["completion_rate"] == pytest.approx(8 / 11)
    assert report["on_time_rate"] == pytest.approx(6 / 10)
    # working days to answer: A3 B4 C3 D6 E2 F5 G0 H0 -> mean 23/8, nearest-rank p90 = 8th of 8
    assert report["avg_workdays"] == 2.88
    assert report["p90_workdays"] == 6
    assert report["by_outcome"] == {"fixed": 4, "explained": 2, "duplicate": 1, "out_of_scope": 0,
                                    "not_gov_site": 1, "insufficient_info": 0}
    assert report["sentence"] == (
        "2024年4月1日至6月30日，全省共收到网民反馈的“我为政府网站找错”留言11条，已办结8条，办结率72.7%，"
        "按期办结率60.0%；其中超期办结2条，超期未办结2条，尚在办理期限内1条。")


def test_rows_by_child_organisation(quarter, session, tree):
    rows = {r["key"]: r for r in sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF)["rows"]}
    assert list(rows) == ["440100", "440300", "440000"]
    gz, sz, own = rows["440100"], rows["440300"], rows["440000"]
    assert (gz["received"], gz["closed_on_time"], gz["closed_late"], gz["confirmed"]) == (4, 2, 2, 3)
    assert gz["on_time_rate"] == pytest.approx(0.5) and gz["p90_workdays"] == 6
    sz_counts = (sz["received"], sz["closed"], sz["closed_on_time"], sz["open_overdue"], sz["open_not_due"])
    assert sz_counts == (6, 3, 3, 2, 1)
    assert sz["on_time_rate"] == pytest.approx(3 / 5) and sz["completion_rate"] == pytest.approx(0.5)
    assert own["name"].endswith("（本级）") and (own["received"], own["closed_on_time"]) == (1, 1)


def test_a_later_as_of_moment(quarter, session, tree):
    report = sla_report(session, **WINDOW, scope_org=tree.province, as_of=bj(7, 5, 12))
    # E reopened 7/1 (new due 7/4) is open and overdue; J closed on time; K and L overdue
    assert (report["received"], report["closed"], report["closed_on_time"], report["closed_late"],
            report["open_overdue"], report["open_not_due"]) == (12, 8, 6, 2, 4, 0)
    city = sla_report(session, **WINDOW, scope_org=tree.gz, as_of=AS_OF)
    assert city["received"] == 4 and [r["key"] for r in city["rows"]] == ["GZ0001"]
    assert city["sentence"].startswith("2024年4月1日至6月30日，全市共收到")


def test_by_site_and_category(quarter, session, tree):
    by_site = sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF, by="site")
    sites = {r["key"]: r["received"] for r in by_site["rows"]}
    assert sites == {"4401000001": 4, "4403000001": 6, "-": 1}
    by_category = sla_report(session, **WINDOW, scope_org=tree.province, as_of=AS_OF, by="category")
    assert [(r["key"], r["received"], r["closed_on_time"]) for r in by_category["rows"]] == [("2", 11, 6)]


def _drill(client, bucket, key=None, **extra):
    args = {"from": "2024-04-01", "to": "2024-06-30", "as_of": AS_OF.isoformat(), "bucket": bucket, **extra}
    if key:
        args["key"] = key
    response = client.get("/supervise/report/cases", query_string=args)
    assert response.status_code == 200
    return set(re.findall(r'data-number="([^"]+)"', response.get_data(as_text=True)))


def test_every_number_drills_down_to_its_cases(quarter, client, tree):
    login(client, tree.supervisor_user)
    number = {name: case.tracking_number for name, case in quarter.items()}
    assert _drill(client, "closed_on_time") == {number[n] for n in "ACEFGH"}
    assert _drill(client, "closed_late") == {number[n] for n in "BD"}
    assert _drill(client, "open_overdue") == {number[n] for n in "IJ"}
    assert _drill(client, "open_not_due") == {number["K"]}
    assert _drill(client, "confirmed", "440100") == {number[n] for n in "ACD"}
    assert _drill(client, "closed", outcome="explained") == {number[n] for n in "BE"}
    assert _drill(client, "received", "-", by="site") == {number["H"]}
    assert _drill(client, "closed_on_time", "440300") == {number[n] for n in "EFG"}
    page = client.get("/supervise/report", query_string={"from": "2024-04-01", "to": "2024-06-30",
                                                         "as_of": AS_OF.isoformat()}).get_data(as_text=True)
    assert "/supervise/report/cases?bucket=closed_late" in page.replace("&amp;", "&")


class _TableParser(HTMLParser):
    """Reads ``#report-table``: row key -> field -> cell text, and the notice sentence."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.key = self.field = None
        self.in_table = self.in_sentence = False
        self.sentence = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "report-table":
            self.in_table = True
        if attrs.get("id") == "notice-sentence":
            self.in_sentence = True
        if self.in_table and tag == "tr" and "data-key" in attrs:
            self.key = "TOTAL" if attrs.get("data-total") else attrs["data-key"]
            self.rows[self.key] = {}
        if self.in_table and tag == "td":
            self.field = attrs.get("data-field")
            self.rows[self.key][self.field] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        if tag == "td":
            self.field = None
        if tag == "p":
            self.in_sentence = False

    def handle_data(self, data):
        if self.in_table and self.field:
            self.rows[self.key][self.field] += data.strip()
        if self.in_sentence:
            self.sentence += data


def test_json_csv_xlsx_and_html_agree(quarter, runner, client, tree, tmp_path):
    args = ["report", "--from", "2024-04-01", "--to", "2024-06-30", "--scope", "440000", "--as-of",
            AS_OF.isoformat()]
    data = json.loads(runner.invoke(args=[*args, "--format", "json"]).output)
    from tracker.reports.notice import percent

    def expected(row):
        return {"received": str(row["received"]), "closed_on_time": str(row["closed_on_time"]),
                "open_overdue": str(row["open_overdue"]), "on_time_rate": percent(row["on_time_rate"]),
                "completion_rate": percent(row["completion_rate"]),
                "p90_workdays": "" if row["p90_workdays"] is None else str(row["p90_workdays"])}

    want = {r["key"]: expected(r) for r in data["rows"]} | {"TOTAL": expected(data)}
    assert want["TOTAL"]["received"] == "11" and want["TOTAL"]["on_time_rate"] == "60.0%"

    csv_text = runner.invoke(args=[*args, "--format", "csv"]).output.lstrip("\ufeff")
    table = list(csv.DictReader(io.StringIO(csv_text)))

    def from_number(text):  # the CSV's rates are numbers of percent: 60.0, 100, or empty
        return percent(float(text) / 100 if text else None)

    got_csv = {(r["代码"] or "TOTAL"): {"received": r["收到"], "closed_on_time": r["按期办结"],
                                          "open_overdue": r["超期未办结"],
                                          "on_time_rate": from_number(r["按期办结率(%)"]),
                                          "completion_rate": from_number(r["办结率(%)"]),
                                          "p90_workdays": r["90%办理工作日"]}
               for r in table}
    assert got_csv == want and table[-1]["单位"] == "合计"
    assert table[-1]["按期办结率(%)"] == "60.0"

    path = tmp_path / "report.xlsx"
    assert runner.invoke(args=[*args, "--format", "xlsx", "--output", str(path)]).exit_code == 0
    workbook = load_workbook(path)
    sheet = workbook["按期办结情况"]
    header = [cell.value for cell in sheet[2]]  # below the title row
    assert header[:4] == ["代码", "单位", "收到", "办结"]
    got_xlsx = {}
    for values in sheet.iter_rows(min_row=3, values_only=True):
        row = dict(zip(header, values, strict=True))
        got_xlsx[row["代码"] or "TOTAL"] = expected({
            "received": row["收到"], "closed_on_time": row["按期办结"], "open_overdue": row["超期未办结"],
            "on_time_rate": row["按期办结率"], "completion_rate": row["办结率"],
            "p90_workdays": row["90%办理工作日"]})
    assert got_xlsx == want
    assert len(sheet._charts) == 1 and sheet._charts[0].tagname == "barChart"
    assert workbook["说明"]["A2"].value == data["sentence"]

    login(client, tree.supervisor_user)
    response = client.get("/supervise/report", query_string={"from": "2024-04-01", "to": "2024-06-30",
                                                             "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parser = _TableParser()
    parser.feed(html)
    got_html = {key: {f: cells[f] for f in want["TOTAL"]} for key, cells in parser.rows.items()}
    assert got_html == want
    assert parser.sentence.strip() == data["sentence"]
    assert "<svg" in html and "style=" not in html.split("<main", 1)[1]

    text = runner.invoke(args=[*args, "--format", "text"]).output
    assert text.splitlines()[0] == data["sentence"] and "合计" in text


def test_scope_outside_the_subtree_is_not_found(quarter, app, client, factory, tree, session):
    city_supervisor = factory.user("supervisor", org=tree.gz)
    organiser = factory.user("organiser", org=tree.gz_org)
    session.commit()  # an error page rolls the request's session back
    login(client, city_supervisor)
    base = {"from": "2024-04-01", "to": "2024-06-30", "as_of": AS_OF.isoformat()}
    assert client.get("/supervise/report", query_string={**base, "scope": "440300"}).status_code == 404
    own = client.get("/supervise/report", query_string=base)
    assert own.status_code == 200 and "全市共收到网民反馈的“我为政府网站找错”留言4条" in own.get_data(as_text=True)
    assert client.get("/supervise/report/export.csv", query_string={**base, "scope": "440000"}).status_code == 404
    login(client, organiser)
    assert client.get("/supervise/report", query_string=base).status_code == 403


def test_the_page_in_english(quarter, client, tree):
    login(client, tree.supervisor_user)
    query = {"from": "2024-04-01", "to": "2024-06-30", "as_of": AS_OF.isoformat(), "lang": "en"}
    html = client.get("/supervise/report", query_string=query).get_data(as_text=True)
    assert "On-time rate" in html and "Download Excel" in html and "Closed on time" in html
    assert "Completion rate = closed ÷ received" in html
