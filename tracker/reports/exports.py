"""CSV and XLSX files of the SLA report. Both are written from the dict of :func:`report.sla_report`.

The table has one row per group and a last row 合计 (the totals); rates are percentages with one
decimal in CSV and fractions formatted ``0.0%`` in XLSX. The XLSX also holds a native bar chart of
the on-time rate by row, and a second sheet with the notice sentence and the formulas.

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
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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

    yield "\ufeff".encode() + line(headings(report))
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


def write_xlsx(report: dict, target) -> None:
    """Write the workbook to ``target`` (a path, or a binary file open for writing).

    openpyxl's write-only mode sends each row to a temporary file as it is appended, so the memory
    used does not grow with the rows; the chart only refers to the cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("按期办结情况")
    sheet.column_dimensions["B"].width = 30  # before the first row: a write-only sheet writes it first
    bold = Font(bold=True)
    sheet.append([_cell(sheet, heading, font=bold) for heading in headings(report)])
    formats = [None, None, *("0.0%" if key in RATE_KEYS else None for key in FIGURE_KEYS)]
    last = 1
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
        data = Reference(sheet, min_col=column, min_row=1, max_row=last - 1)
        categories = Reference(sheet, min_col=2, min_row=2, max_row=last - 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        chart.legend = None
        chart.height = max(7.5, 0.6 * len(report["rows"]) + 3)
        sheet.add_chart(chart, f"A{last + 3}")

    notes = workbook.create_sheet("说明")
    for line in (["通报"],
                 [report["sentence"]],
                 ["统计范围", f"{report['scope']['name']}（{report['scope']['code']}）"],
                 ["收到日期", f"{report['from']} 至 {report['to']}"],
                 ["统计时点", report["as_of"]],
                 ["口径", _zh(FOOTNOTE)]):
        notes.append([_cell(notes, value) for value in line])
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
