"""Shared bits of the calendar tests."""
from __future__ import annotations

from pathlib import Path

#: 2027 as the tests load it: only New Year's Day listed (the rest follows the weekday rule)
CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n"
SOURCE_2027 = "国务院办公厅关于2027年部分节假日安排的通知（测试）"


def write_csv(tmp_path: Path, text: str, name: str = "year.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)
