"""What a report is asked (window, scope, as-of moment, grouping) and the names of what it answers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlmodel import Session, select

from tracker.db import utcnow
from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation
from tracker.workdays import BEIJING, start_of_day

COUNT_KEYS = ("received", "closed", "closed_on_time", "closed_late", "open_overdue", "open_not_due",
              "confirmed")
#: the final review (终审): answers sent to review and sent back, and the time answers waited
REVIEW_COUNT_KEYS = ("submitted", "sent_back")
REVIEW_KEYS = ("review_avg_workdays", "review_p90_workdays", "review_share") + REVIEW_COUNT_KEYS + ("reject_rate",)
#: 挂起 and the citizens' ratings: cases paused, closed cases rated and rated satisfied, the rates,
#: and the unsatisfied cases reopened (重办)
EXTRA_COUNT_KEYS = ("paused", "rated", "satisfied", "redone")
SATISFACTION_KEYS = ("paused", "rated", "rating_rate", "satisfied", "satisfaction_rate", "redone")
RATE_KEYS = ("completion_rate", "on_time_rate", "review_share", "reject_rate", "rating_rate", "satisfaction_rate")
TIME_KEYS = ("avg_workdays", "p90_workdays", "review_avg_workdays", "review_p90_workdays")
#: the main table's columns; the final review's have a table of their own on the page
TABLE_KEYS = COUNT_KEYS + ("completion_rate", "on_time_rate", "avg_workdays", "p90_workdays")
FIGURE_KEYS = TABLE_KEYS + SATISFACTION_KEYS + REVIEW_KEYS
#: a row whose answers waited in review for more than this share of their working days is marked ▲
REVIEW_BOTTLENECK = 0.5
GROUPINGS = ("org", "site", "category")
#: the version of the counting rules (this module, :mod:`.buckets`, :mod:`.figures`, :mod:`.history`):
#: a published report (:mod:`tracker.published`) records it. Bump it whenever a change to those rules
#: could change a figure of the same cases, so that a published figure says which rules made it.
RULES_VERSION = "2026.12-1"

#: column headings, shared by the HTML table, CSV and XLSX (these two in Chinese)
HEADINGS = {
    "received": lazy_pgettext("report", "收到"),
    "closed": lazy_pgettext("report", "办结"),
    "closed_on_time": lazy_pgettext("report", "按期办结"),
    "closed_late": lazy_pgettext("report", "超期办结"),
    "open_overdue": lazy_pgettext("report", "超期未办结"),
    "open_not_due": lazy_pgettext("report", "在办"),
    "confirmed": lazy_pgettext("report", "问题属实"),
    "completion_rate": lazy_pgettext("report", "办结率"),
    "on_time_rate": lazy_pgettext("report", "按期办结率"),
    "avg_workdays": lazy_pgettext("report", "平均办理工作日"),
    "p90_workdays": lazy_pgettext("report", "90%办理工作日"),
    "review_avg_workdays": lazy_pgettext("report", "终审平均工作日"),
    "review_p90_workdays": lazy_pgettext("report", "90%终审工作日"),
    "review_share": lazy_pgettext("report", "终审用时占比"),
    "submitted": lazy_pgettext("report", "提交审核"),
    "sent_back": lazy_pgettext("report", "驳回"),
    "reject_rate": lazy_pgettext("report", "驳回率"),
    "paused": lazy_pgettext("report", "挂起"),
    "rated": lazy_pgettext("report", "参评"),
    "rating_rate": lazy_pgettext("report", "参评率"),
    "satisfied": lazy_pgettext("report", "满意"),
    "satisfaction_rate": lazy_pgettext("report", "满意率"),
    "redone": lazy_pgettext("report", "重办"),
}
GROUP_HEADINGS = {"org": lazy_pgettext("report", "单位"), "site": lazy_pgettext("report", "网站"),
                  "category": lazy_pgettext("report", "问题类型")}
TOTAL_LABEL = lazy_pgettext("report", "合计")
OWN_LEVEL_LABEL = "（本级）"
NO_SITE_LABEL = "（未关联网站）"
NO_SITE_KEY = "-"

FOOTNOTE = _l(
    "统计口径：按收到日期（北京时间）统计，含起止日；统计时点之后的办理不计入。"
    "办结率＝办结数÷收到数；按期办结率＝按期办结数÷（收到数－在办未到期数）。"
    "按期办结指最终审核通过的答复在办理期限内作出。"
    "办理工作日自收到次日起计算，90%办理工作日取最近秩次法（第⌈0.9n⌉小的值）。"
    "统计时点之后被重办的留言，按其在统计时点的状态（重办前的办结）计算。"
)
REVIEW_FOOTNOTE = _l(
    "终审用时：经审核办结的留言，从最后一次答复到审核通过的工作日数（答复当日不计）。"
    "终审用时占比＝这些留言的终审工作日之和÷（办理工作日＋终审工作日）之和，即办结所用工作日中等待终审的部分。"
    "驳回率＝驳回次数÷提交审核次数（答复和不予受理决定），均计至统计时点。"
)

SATISFACTION_FOOTNOTE = _l(
    "挂起：统计时点前至少挂起过一次的留言数。挂起期间办理期限暂停，恢复计时后期限按挂起的工作日数顺延"
    "（自挂起次日起至恢复当日止的工作日，不超过挂起时限；需审批时经主管单位批准才顺延），按期办结按顺延后的期限判断。"
    "参评＝统计时点前已办结且网民在统计时点前评价的留言数；参评率＝参评数÷办结数；满意率＝评价满意数÷参评数；"
    "重办＝网民评价不满意后在统计时点前重新办理的留言数。统计时点之后的评价不计入。"
)


def parse_date(value, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(_l("日期格式应为YYYY-MM-DD。", field=field), fields={field: [str(value)]}) from None


QUARTERS = (1, 2, 3, 4)


def quarter_window(year, quarter, today: date) -> tuple[date, date]:
    """The receipt dates of ``quarter`` (1–4) of ``year``: its first day to its last, or to
    ``today`` while the quarter runs (a notice covers the days so far: 4月1日至6月23日)."""
    try:
        year, quarter = int(str(year).strip()), int(str(quarter).strip())
    except ValueError:
        raise InvalidInput(_l("请选择年度和季度。"), fields={"quarter": [f"{year}Q{quarter}"[:20]]}) from None
    if not (2000 <= year <= 2100 and quarter in QUARTERS):
        raise InvalidInput(_l("请选择年度和季度。"), fields={"quarter": [f"{year}Q{quarter}"[:20]]})
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)) - timedelta(days=1)
    if first > today:
        raise InvalidInput(_l("该季度尚未开始。"), fields={"quarter": [f"{year}Q{quarter}"]})
    return first, min(last, today)


def quarter_of(date_from: date, date_to: date) -> tuple[int, int] | None:
    """(year, quarter) when the window starts on a quarter's first day and ends inside it."""
    if date_from.day != 1 or (date_from.month - 1) % 3 or date_to.year != date_from.year:
        return None
    quarter = (date_from.month - 1) // 3 + 1
    return (date_from.year, quarter) if (date_to.month - 1) // 3 + 1 == quarter else None


def parse_instant(value) -> datetime | None:
    """An ISO instant; a date alone means 24:00 Beijing of that day; no offset means Beijing time."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        instant = value
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return start_of_day(date.fromisoformat(text) + timedelta(days=1))
            instant = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(_l("时点格式应为ISO 8601。"), fields={"as_of": [text]}) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BEIJING)
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Params:
    date_from: date
    date_to: date
    scope: Organisation
    as_of: datetime
    by: str = "org"
    #: the notice sentence also gives 参评率 and 满意率
    with_satisfaction: bool = False

    @property
    def window_start(self) -> datetime:
        return start_of_day(self.date_from)

    @property
    def window_end(self) -> datetime:
        return start_of_day(self.date_to + timedelta(days=1))


def make_params(*, date_from, date_to, scope_org: Organisation, as_of=None, by: str = "org",
                with_satisfaction: bool = False) -> Params:
    date_from, date_to = parse_date(date_from, "from"), parse_date(date_to, "to")
    if date_to < date_from:
        raise InvalidInput(_l("结束日期不能早于开始日期。"), fields={"to": [date_to.isoformat()]})
    if by not in GROUPINGS:
        raise InvalidInput(_l("分组方式应为org、site或category。"), fields={"by": [str(by)]})
    # "now" to the second: links and downloads repeat it exactly
    return Params(date_from, date_to, scope_org, parse_instant(as_of) or utcnow().replace(microsecond=0), by,
                  bool(with_satisfaction))


def root_organisation(session: Session) -> Organisation | None:
    """The top of the tree (the national root, path ``/``): the default scope of an admin's report."""
    return session.exec(select(Organisation).where(Organisation.path == "/")).first()


