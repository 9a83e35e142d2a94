"""The notice sentence of the SLA report, and how its rates and dates are written.

- Scope word: 全国 for the national root, 全省 for a province-level division code (``XX0000``),
  全市 for a city (``XXXX00``) and for the four municipalities (110000, 120000, 310000, 500000);
  otherwise the organisation's name.
- Dates: the first end always carries its year, so that a notice read later still says which
  year it covers: ``2024年4月1日至6月23日``; the second end carries its own only when it lies in
  another year: ``2023年12月1日至2024年1月31日``.
- 参评率 and 满意率, when asked for, follow the rest: ``…；网民参评12条，参评率40.0%，满意率91.7%。``
  (满意率 left out while nothing is rated).
- Rates: one decimal (``85.7%``), except exactly 100%, written ``100%``. A rate below 1 is never
  rounded up to 100: it shows at most ``99.9%``.
"""
from __future__ import annotations

import re
from datetime import date

from tracker.organisations.operations import NATIONAL_ROOT_CODE

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


def percent_number(value: float | None) -> float | None:
    """A rate as the number of percent the notice shows: ``0.857142`` -> ``85.7``; ``1`` -> ``100``;
    never rounded up to 100 (at most ``99.9``); None stays None."""
    if value is None:
        return None
    if value >= 1:
        return 100
    shown = round(value * 100, 1)
    return 99.9 if shown >= 100 else shown


def percent(value: float | None) -> str:
    """``0.857142`` -> ``85.7%``; ``1`` -> ``100%``; None -> ``—``."""
    shown = percent_number(value)
    if shown is None:
        return "—"
    return "100%" if shown == 100 else f"{shown:.1f}%"


def scope_word(code: str, name: str) -> str:
    if code == NATIONAL_ROOT_CODE:
        return "全国"
    if code in MUNICIPALITIES:
        return "全市"
    if re.fullmatch(r"\d{2}0000", code):
        return "全省"
    if re.fullmatch(r"\d{4}00", code):
        return "全市"
    return name


def date_range(date_from: date, date_to: date) -> str:
    def one(day: date, with_year: bool) -> str:
        return (f"{day.year}年" if with_year else "") + f"{day.month}月{day.day}日"

    return f"{one(date_from, True)}至{one(date_to, date_to.year != date_from.year)}"


def notice_sentence(report: dict, scope, with_satisfaction: bool = False) -> str:
    """The sentence a supervisor publishes, from the report dict of :mod:`tracker.reports.figures`;
    ``with_satisfaction`` adds 参评率 and 满意率 (when anything is closed)."""
    sentence = _sentence(report, scope)
    if not with_satisfaction or not report["closed"]:
        return sentence
    tail = f"网民参评{report['rated']}条，参评率{percent(report['rating_rate'])}"
    if report["rated"]:
        tail += f"，满意率{percent(report['satisfaction_rate'])}"
    return sentence[:-1] + "；" + tail + "。"


def _sentence(report: dict, scope) -> str:
    dates = date_range(date.fromisoformat(report["from"]), date.fromisoformat(report["to"]))
    head = f"{dates}，{scope_word(scope.code, scope.name)}共收到网民反馈的“我为政府网站找错”留言{report['received']}条"
    received = report["received"]
    if received == 0:
        return head + "。"
    if report["closed_on_time"] == received:
        return head + "，均已按期办理，办结率达100%。"
    parts = [f"已办结{report['closed']}条，办结率{percent(report['completion_rate'])}"]
    if report["on_time_rate"] is not None:
        parts.append(f"按期办结率{percent(report['on_time_rate'])}")
    tail = f"超期办结{report['closed_late']}条，超期未办结{report['open_overdue']}条"
    if report["open_not_due"]:
        tail += f"，尚在办理期限内{report['open_not_due']}条"
    return head + "，" + "，".join(parts) + "；其中" + tail + "。"
