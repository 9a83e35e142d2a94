"""The calendar as admins see it: which years are covered, from where, and what is missing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlmodel import Session

from tracker.calendar.store import load_calendar
from tracker.db import utcnow
from tracker.workdays import BEIJING, PACKAGE_YEARS, SOURCE_FALLBACK


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # loaded, package or fallback
    detail: str  # the notice for loaded years, the package for packaged ones


def year_statuses(session: Session, now: datetime | None = None) -> list[YearStatus]:
    """Every packaged or loaded year, plus this year and next, with where each comes from."""
    calendar = load_calendar(session)
    this_year = (now or utcnow()).astimezone(BEIJING).year
    years = sorted(set(PACKAGE_YEARS) | set(calendar.loaded) | {this_year, this_year + 1})
    result = []
    for year in years:
        source = calendar.year_source(year)
        detail = {
            "loaded": calendar.sources.get(year, ""),
            "package": "chinese-calendar",
            SOURCE_FALLBACK: "Monday–Friday (provisional)",
        }[source]
        result.append(YearStatus(year, source, detail))
    return result


def missing_year_warning(session: Session, now: datetime | None = None) -> LazyString | None:
    """A warning (a lazy string) when a schedule that deadlines need is not known: next year's from
    1 November on (Beijing time), and this year's at any time. A plain sentence for every reader;
    the admins' pages add where to load it, the CLI how."""
    local = (now or utcnow()).astimezone(BEIJING)
    calendar = load_calendar(session)
    if not calendar.is_known(local.year):
        missing = local.year
    elif local.month >= 11 and not calendar.is_known(local.year + 1):
        missing = local.year + 1
    else:
        return None
    return _l("%(year)s年节假日安排尚未导入：涉及%(year)s年的办理期限按周一至周五暂算，导入后将自动重算。"
              "系统管理员导入国务院办公厅通知后，本提示自动消失。", year=missing)
