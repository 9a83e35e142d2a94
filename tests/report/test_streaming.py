"""The report's files are written as they are sent: the CSV a line at a time, the XLSX in openpyxl's
write-only mode, with everything the file held before (formats, the chart, the notes sheet)."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.report.conftest import bj, login
from tracker.reports.params import FIGURE_KEYS, RATE_KEYS

WINDOW = ["--from", "2024-04-01", "--to", "2024-06-30", "--scope", "440000", "--as-of", bj(7, 1).isoformat()]


@pytest.fixture()
def cases(tree, session):
    for day in range(8, 11):
        tree.submit(bj(4, day), site=tree.gz_site)
    tree.submit(bj(4, 8), site=tree.sz_site)
    session.commit()


def _export(client, tree, fmt: str, **args):
    login(client, tree.supervisor_user)
    return client.get(f"/supervise/report/export.{fmt}", buffered=False, query_string={
        "from": "2024-04-01", "to": "2024-06-30", "as_of": bj(7, 1).isoformat(), **args})


def test_the_csv_is_sent_a_line_at_a_time(client, tree, cases):
    response = _export(client, tree, "csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and response.mimetype_params == {"charset": "utf-8"}
    assert response.headers["Content-Disposition"] == "attachment; filename=sla-report-440000-20240401-20240630.csv"
    chunks = list(response.response)
    response.close()
    # the headings, 广州 and 深圳, the totals: one line each, the first led by the byte-order mark
    assert len(chunks) == 4 and all(chunk.endswith(b"\r\n") for chunk in chunks)
    assert chunks[0].startswith("\ufeff代码,单位,收到".encode())
    assert chunks[-1].startswith(",合计,4,".encode())


def test_the_command_and_the_page_write_the_same_csv(runner, client, tree, cases, tmp_path):
    printed = runner.invoke(args=["report", *WINDOW, "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    path = tmp_path / "report.csv"
    assert runner.invoke(args=["report", *WINDOW, "--format", "csv", "--output", str(path)]).exit_code == 0
    downloaded = _export(client, tree, "csv", scope="440000")
    assert path.read_bytes() == printed.stdout_bytes == downloaded.get_data()


def test_the_xlsx_keeps_its_formats_chart_and_notes(client, tree, cases):
    response = _export(client, tree, "xlsx", by="site")
    body = response.get_data()
    assert response.status_code == 200 and int(response.headers["Content-Length"]) == len(body)
    assert response.headers["Content-Disposition"] == "attachment; filename=sla-report-440000-20240401-20240630.xlsx"
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["按期办结情况", "说明"]
    sheet = workbook["按期办结情况"]
    assert sheet["A1"].value == "按期办结情况统计 · 广东省政务服务数据管理局（440000） · 2024-04-01 至 2024-06-30"
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert [cell.value for cell in sheet[2]][:3] == ["代码", "网站", "收到"] and all(cell.font.b for cell in sheet[2])
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)][-1] == "合计"
    assert sheet.max_row == 5 and sheet.column_dimensions["B"].width == 30
    assert sheet.freeze_panes == "C3"  # title and headings, code and name stay in view
    assert sheet.column_dimensions["A"].width == 12
    assert all(sheet.column_dimensions[get_column_letter(3 + i)].width == 11 for i in range(len(FIGURE_KEYS)))
    for key in RATE_KEYS:
        column = 3 + FIGURE_KEYS.index(key)
        assert {sheet.cell(row=r, column=column).number_format for r in range(3, 6)} == {"0.0%"}
    assert {sheet.cell(row=r, column=3).value for r in range(3, 5)} == {3, 1}

    [chart] = sheet._charts
    assert chart.tagname == "barChart" and chart.type == "bar" and chart.legend is None
    rate = get_column_letter(3 + FIGURE_KEYS.index("on_time_rate"))
    [series] = chart.series
    assert series.val.numRef.f == f"'按期办结情况'!${rate}$3:${rate}$4"  # the rows, not the totals
    assert series.cat.numRef.f == "'按期办结情况'!$B$3:$B$4"
    assert series.tx.strRef.f == f"'按期办结情况'!{rate}2"
    assert chart.anchor._from.row == 7  # two rows below the totals (0-based: row 8)

    notes = workbook["说明"]
    assert [notes.cell(row=r, column=1).value for r in range(1, 7)] == ["通报", notes["A2"].value, "统计范围",
                                                                         "收到日期", "统计时点", "口径"]
    assert notes["A2"].value.startswith("2024年4月1日至6月30日，全省共收到")
    assert notes["B3"].value.endswith("（440000）")
    # the as-of moment is a date-time cell in Beijing time, not ISO text
    assert notes["B5"].is_date and notes["B5"].value == datetime(2024, 7, 1, 9, 0)
    assert notes["B5"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_an_xlsx_on_the_command_line_needs_a_file_and_is_written_to_it(runner, tree, cases, tmp_path):
    refused = runner.invoke(args=["report", *WINDOW, "--format", "xlsx"])
    assert refused.exit_code != 0 and "--format xlsx needs --output FILE" in refused.output
    path = tmp_path / "report.xlsx"
    assert runner.invoke(args=["report", *WINDOW, "--format", "xlsx", "--output", str(path)]).exit_code == 0
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["按期办结情况", "说明"] and len(workbook["按期办结情况"]._charts) == 1
