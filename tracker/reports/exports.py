"""CSV and XLSX files of the SLA report. Both are written from the dict of :func:`report.sla_report`.

The table has one row per group and a last row 合计 (the totals). Rates are numbers: in CSV the
percent with one decimal (``97.5``, the unit in the heading: ``按期办结率(%)``; empty when there is
no rate), in XLSX the fraction formatted ``0.0%``. The XLSX opens with a title row (what, where,
which dates), then the headings, frozen with the code and name columns; every column is sized; it
holds a native bar chart of the on-time rate by row, and a second sheet with the notice sentence,
the as-of moment as a date-time cell (Beijing time), and the formulas.

Names and codes come from the database, so neither file lets one act as a spreadsheet formula: in
CSV a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``; in XLSX every text cell is stored as text (openpyxl would store ``=…`` as a formula).

Both are written as they are sent: the CSV a line at a time (:func:`csv_chunks`), the XLSX in
openpyxl's write-only mode (:func:`write_xlsx`), so neither file is held whole in memory.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.i18n import in_language
from tracker.reports.notice import percent_number
from tracker.reports.params import (
    FIGURE_KEYS,
    FOOTNOTE,
    GROUP_HEADINGS,
    HEADINGS,
    RATE_KEYS,
    REVIEW_FOOTNOTE,
    SATISFACTION_FOOTNOTE,
    TOTAL_LABEL,
)
from tracker.workdays import BEIJING

DATE_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _zh(text) -> str:
    """The files are in Chinese, whatever the language of the page they are downloaded from."""
    return in_language(text, "zh")


def headings(report: dict, *, units: bool = False) -> list[str]:
    """The column headings; with ``units`` the rate columns say that they count percent (CSV)."""
    return ["代码", _zh(GROUP_HEADINGS[report["by"]])] + [
        _zh(HEADINGS[key]) + ("(%)" if units and key in RATE_KEYS else "") for key in FIGURE_KEYS]


def title(report: dict) -> str:
    """The XLSX's title row: 按期办结情况统计 · scope · the receipt dates."""
    scope = report["scope"]
    return f"按期办结情况统计 · {scope['name']}（{scope['code']}） · {report['from']} 至 {report['to']}"


def as_of_cell_value(report: dict) -> datetime:
    """The as-of moment as a spreadsheet date-time: Beijing wall time (a cell holds no zone)."""
    return datetime.fromisoformat(report["as_of"]).astimezone(BEIJING).replace(tzinfo=None)


def table_rows(report: dict) -> list[dict]:
    """The rows then the totals row (key "", name 合计)."""
    return [*report["rows"], {**report, "key": "", "name": _zh(TOTAL_LABEL)}]


def _text(key: str, value) -> str:
    if key in RATE_KEYS:
        value = percent_number(value)
    return "" if value is None else str(value)


#: what makes a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """``value`` as a CSV cell that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(report: dict) -> Iterator[bytes]:
    """The CSV a line at a time, in UTF-8, the first line led by a byte-order mark so that Excel
    reads the Chinese headings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue().encode("utf-8")

    yield "\ufeff".encode() + line(headings(report, units=True))
    for row in table_rows(report):
        yield line([csv_text(row["key"]), csv_text(row["name"]), *(_text(k, row[k]) for k in FIGURE_KEYS)])


def to_csv(report: dict) -> bytes:
    """The whole CSV at once."""
    return b"".join(csv_chunks(report))


def _cell(sheet, value, *, font: Font | None = None, number_format: str | None = None) -> WriteOnlyCell:
    """A cell of a write-only sheet. A text is stored as text even when it starts with ``=`` (which
    openpyxl would store as a formula)."""
    cell = WriteOnlyCell(sheet, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


#: column widths in characters: code, name, then the figures
CODE_WIDTH, NAME_WIDTH, FIGURE_WIDTH = 12, 30, 11
TITLE_ROWS = 1  # rows above the headings


def write_xlsx(report: dict, target) -> None:
    """Write the workbook to ``target`` (a path, or a binary file open for writing).

    openpyxl's write-only mode sends each row to a temporary file as it is appended, so the memory
    used does not grow with the rows; the chart only refers to the cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("按期办结情况")
    # before the first row: a write-only sheet writes its widths and panes first
    sheet.column_dimensions["A"].width = CODE_WIDTH
    sheet.column_dimensions["B"].width = NAME_WIDTH
    for index in range(len(FIGURE_KEYS)):
        sheet.column_dimensions[get_column_letter(3 + index)].width = FIGURE_WIDTH
    header_row = TITLE_ROWS + 1
    sheet.freeze_panes = f"C{header_row + 1}"  # the title, the headings, the code and name stay in view
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title(report), font=Font(bold=True, size=14))])
    sheet.append([_cell(sheet, heading, font=bold) for heading in headings(report)])
    formats = [None, None, *("0.0%" if key in RATE_KEYS else None for key in FIGURE_KEYS)]
    last = header_row
    for row in table_rows(report):
        values = [row["key"], row["name"], *(row[k] for k in FIGURE_KEYS)]
        sheet.append([_cell(sheet, value, number_format=number_format)
                      for value, number_format in zip(values, formats, strict=True)])
        last += 1

    if report["rows"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "按期办结率"
        chart.y_axis.title = "按期办结率"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        column = 3 + FIGURE_KEYS.index("on_time_rate")
        data = Reference(sheet, min_col=column, min_row=header_row, max_row=last - 1)
        categories = Reference(sheet, min_col=2, min_row=header_row + 1, max_row=last - 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        chart.legend = None
        chart.height = max(7.5, 0.6 * len(report["rows"]) + 3)
        sheet.add_chart(chart, f"A{last + 3}")

    notes = workbook.create_sheet("说明")
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 60
    for line in (["通报"],
                 [report["sentence"]],
                 ["统计范围", f"{report['scope']['name']}（{report['scope']['code']}）"],
                 ["收到日期", f"{report['from']} 至 {report['to']}"],
                 ["统计时点", as_of_cell_value(report)],
                 ["口径", _zh(FOOTNOTE)],
                 ["终审", _zh(REVIEW_FOOTNOTE)],
                 ["挂起与评价", _zh(SATISFACTION_FOOTNOTE)]):
        notes.append([_cell(notes, value, number_format=DATE_TIME_FORMAT if isinstance(value, datetime) else None)
                      for value in line])
    workbook.save(target)


#: a workbook up to this size stays in memory on its way out; a larger one goes to disk
SPOOL_BYTES = 1 << 20


def xlsx_file(report: dict) -> tuple[BinaryIO, int]:
    """The workbook written to a temporary file (kept in memory while small), rewound, and its size
    in bytes. The caller closes the file, which removes it."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (the caller closes it)
    try:
        write_xlsx(report, out)
        size = out.seek(0, io.SEEK_END)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out, size


def to_xlsx(report: dict) -> bytes:
    """The whole workbook at once."""
    out = io.BytesIO()
    write_xlsx(report, out)
    return out.getvalue()
