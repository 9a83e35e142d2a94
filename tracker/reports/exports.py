"""CSV and XLSX files of the SLA report. Both are written from the dict of :func:`report.sla_report`.

The table has one row per group and a last row 合计 (the totals); rates are percentages with one
decimal in CSV and fractions formatted ``0.0%`` in XLSX. The XLSX also holds a native bar chart of
the on-time rate by row, and a second sheet with the notice sentence and the formulas.

Names and codes come from the database, so neither file lets one act as a spreadsheet formula: in
CSV a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``; in XLSX every text cell is stored as text (openpyxl would store ``=…`` as a formula).
"""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from tracker.i18n import in_language
from tracker.reports.notice import percent
from tracker.reports.params import (
    FIGURE_KEYS,
    FOOTNOTE,
    GROUP_HEADINGS,
    HEADINGS,
    RATE_KEYS,
    TOTAL_LABEL,
)


def _zh(text) -> str:
    """The files are in Chinese, whatever the language of the page they are downloaded from."""
    return in_language(text, "zh")


def headings(report: dict) -> list[str]:
    return ["代码", _zh(GROUP_HEADINGS[report["by"]])] + [_zh(HEADINGS[key]) for key in FIGURE_KEYS]


def table_rows(report: dict) -> list[dict]:
    """The rows then the totals row (key "", name 合计)."""
    return [*report["rows"], {**report, "key": "", "name": _zh(TOTAL_LABEL)}]


def _text(key: str, value) -> str:
    if key in RATE_KEYS:
        return percent(value)
    return "" if value is None else str(value)


#: what makes a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """``value`` as a CSV cell that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(report: dict) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese headings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings(report))
    for row in table_rows(report):
        writer.writerow([csv_text(row["key"]), csv_text(row["name"]), *(_text(k, row[k]) for k in FIGURE_KEYS)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _as_text(workbook: Workbook) -> None:
    """Every cell that openpyxl took for a formula (a text starting with ``=``) is stored as text."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def to_xlsx(report: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "按期办结情况"
    sheet.append(headings(report))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table_rows(report):
        sheet.append([row["key"], row["name"], *(row[k] for k in FIGURE_KEYS)])
    last = sheet.max_row
    for key in RATE_KEYS:
        column = 3 + FIGURE_KEYS.index(key)
        for r in range(2, last + 1):
            sheet.cell(row=r, column=column).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 30

    if report["rows"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "按期办结率"
        chart.y_axis.title = "按期办结率"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        column = 3 + FIGURE_KEYS.index("on_time_rate")
        data = Reference(sheet, min_col=column, min_row=1, max_row=last - 1)
        categories = Reference(sheet, min_col=2, min_row=2, max_row=last - 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        chart.legend = None
        chart.height = max(7.5, 0.6 * len(report["rows"]) + 3)
        sheet.add_chart(chart, f"A{last + 3}")

    notes = workbook.create_sheet("说明")
    notes.append(["通报"])
    notes.append([report["sentence"]])
    notes.append(["统计范围", f"{report['scope']['name']}（{report['scope']['code']}）"])
    notes.append(["收到日期", f"{report['from']} 至 {report['to']}"])
    notes.append(["统计时点", report["as_of"]])
    notes.append(["口径", _zh(FOOTNOTE)])
    _as_text(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
