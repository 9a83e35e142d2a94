"""The report page by quarter: the year + quarter picker, the notice sentence with its year, the
ranked chart with its target line and weak units, the table's own scrolling box, and drill-down
rows that link to the case with the organiser and the working days late."""
from __future__ import annotations

import re

import pytest

from tests.report.conftest import bj, login
from tracker.config import ConfigError, load_config
from tracker.db import frozen_clock

REPORT = "/supervise/report"
AS_OF = "2024-07-01T09:00:00+08:00"


@pytest.fixture()
def quarter(tree, session):
    """广州 answers late (due 04-11 24:00, answered Monday 04-15), 深圳 on time."""
    late = tree.submit(bj(4, 8), site=tree.gz_site)
    tree.answer(late, bj(4, 15, 10), bj(4, 15, 11))
    on_time = tree.submit(bj(4, 8), site=tree.sz_site)
    tree.answer(on_time, bj(4, 9, 10), bj(4, 9, 11))
    session.commit()
    return late, on_time


def _page(client, tree, **args):
    login(client, tree.supervisor_user)
    return client.get(REPORT, query_string={"scope": "440000", "as_of": AS_OF, **args})


def _sentence(html: str) -> str:
    return re.search(r'<p class="notice-sentence" id="notice-sentence">(.*?)</p>', html, re.S).group(1)


def test_a_quarter_is_picked_by_year_and_number(client, tree, quarter):
    response = _page(client, tree, period="quarter", year="2024", quarter="2")
    assert response.status_code == 200
    assert _sentence(response.text).startswith("2024年4月1日至6月30日，全省共收到网民反馈的“我为政府网站找错”留言2条")
    assert 'name="from" value="2024-04-01"' in response.text and 'name="to" value="2024-06-30"' in response.text
    assert '<option value="2" selected>第2季度</option>' in response.text
    assert '<option value="2024" selected>2024</option>' in response.text
    # the links of the page repeat the window as dates
    assert "from=2024-04-01&amp;to=2024-06-30" in response.text


def test_the_running_quarter_ends_today(client, tree, quarter):
    with frozen_clock(bj(6, 23, 15)):
        response = _page(client, tree, period="quarter", year="2024", quarter="2", as_of="")
    assert _sentence(response.text).startswith("2024年4月1日至6月23日，全省共收到")


def test_custom_dates_still_work_and_win_over_the_quarter(client, tree, quarter):
    response = _page(client, tree, period="custom", year="2024", quarter="3", **{"from": "2024-04-01",
                                                                                  "to": "2024-04-30"})
    assert _sentence(response.text).startswith("2024年4月1日至4月30日，全省共收到")


@pytest.mark.parametrize("year,number", [("2024", "5"), ("abc", "1"), ("1999", "1"), ("2100", "1")])
def test_a_bad_or_future_quarter_is_refused_clearly(client, tree, year, number):
    response = _page(client, tree, period="quarter", year=year, quarter=number)
    assert response.status_code == 422
    assert "请选择年度和季度。" in response.text or "该季度尚未开始。" in response.text


def _bars(html: str) -> list[tuple[str, str, bool]]:
    return [(m.group(2), m.group(1), "weak" in m.group(0).split(">")[0])
            for m in re.finditer(r'<g class="bar[^"]*" data-key="([^"]*)" data-rank="(\d+)">', html)]


def test_the_chart_is_ranked_with_a_target_line_and_weak_units(app, client, tree, quarter):
    html = _page(client, tree, period="quarter", year="2024", quarter="2").text
    # 深圳 100% first, 广州 0% second and below the default target of 100%
    assert _bars(html) == [("1", "440300", False), ("2", "440100", True)]
    assert 'class="target-line"' in html and "目标 100%" in html
    assert re.search(r'<tr data-key="440100" class="is-weak" data-weak="1">', html)
    assert '<tr data-key="440300">' in html

    app.config["REPORT_TARGET"] = 0.0
    relaxed = _page(client, tree, period="quarter", year="2024", quarter="2").text
    assert _bars(relaxed) == [("1", "440300", False), ("2", "440100", False)] and "目标 0.0%" in relaxed


def test_the_target_is_a_checked_setting(tmp_path, monkeypatch):
    assert load_config(str(tmp_path), {"SECRET_KEY": "k" * 40, "TESTING": True})["REPORT_TARGET"] == 100.0
    monkeypatch.setenv("TRACKER_REPORT_TARGET", "95")
    assert load_config(str(tmp_path), {"SECRET_KEY": "k" * 40, "TESTING": True})["REPORT_TARGET"] == 95.0
    monkeypatch.setenv("TRACKER_REPORT_TARGET", "101")
    with pytest.raises(ConfigError, match="TRACKER_REPORT_TARGET"):
        load_config(str(tmp_path), {"SECRET_KEY": "k" * 40, "TESTING": True})


def test_the_table_scrolls_in_its_own_labelled_box(client, tree, quarter):
    html = _page(client, tree, period="quarter", year="2024", quarter="2").text
    assert re.search(r'<div class="table-scroll report-scroll" role="region" aria-labelledby="report-caption" '
                     r'tabindex="0">\s*<table class="report-table wide-table" id="report-table">', html)


def test_drill_down_rows_link_to_the_case_with_organiser_and_days_late(client, tree, quarter):
    late, on_time = quarter
    login(client, tree.supervisor_user)
    html = client.get(f"{REPORT}/cases", query_string={
        "bucket": "closed_late", "from": "2024-04-01", "to": "2024-06-30", "scope": "440000",
        "as_of": AS_OF}).text
    row = re.search(rf'<tr data-number="{late.tracking_number}">(.*?)</tr>', html, re.S).group(1)
    assert f'href="/cases/{late.tracking_number}?next=' in row
    assert '<td data-field="organiser">广州市某局</td>' in row
    assert '<td data-field="days-late">2</td>' in row  # due 04-11 24:00, answered 04-15: 04-12 and 04-15
    assert on_time.tracking_number not in html
    every = client.get(f"{REPORT}/cases", query_string={
        "bucket": "received", "from": "2024-04-01", "to": "2024-06-30", "scope": "440000", "as_of": AS_OF}).text
    row = re.search(rf'<tr data-number="{on_time.tracking_number}">(.*?)</tr>', every, re.S).group(1)
    assert '<td data-field="organiser">深圳市某局</td>' in row and '<td data-field="days-late">—</td>' in row
    # the link opens the case for the supervisor
    assert client.get(f"/cases/{late.tracking_number}").status_code == 200


def test_an_open_case_is_late_by_the_as_of_moment(client, tree, session):
    case = tree.submit(bj(4, 8), site=tree.gz_site)  # due 04-11 24:00, never answered
    session.commit()
    login(client, tree.supervisor_user)
    html = client.get(f"{REPORT}/cases", query_string={
        "bucket": "open_overdue", "from": "2024-04-01", "to": "2024-06-30", "scope": "440000",
        "as_of": "2024-04-16T09:00:00+08:00"}).text
    row = re.search(rf'<tr data-number="{case.tracking_number}">(.*?)</tr>', html, re.S).group(1)
    assert '<td data-field="days-late">3</td>' in row  # 04-12, 04-15, 04-16


def test_the_report_reads_in_english(client, tree, quarter):
    html = _page(client, tree, period="quarter", year="2024", quarter="2", lang="en").text
    assert '<option value="2" selected>Q2</option>' in html and "Show the quarter" in html
    assert "Target 100%" in html and "On-time rate, ranked" in html
