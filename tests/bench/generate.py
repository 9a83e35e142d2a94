"""A national database of a given size for the benchmarks, written with COPY.

``build(url, cases)`` migrates an empty PostgreSQL database with the app's Alembic migrations, then
writes with ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``):

- the national root (000000, path ``/``; created here when the migrations did not), 10 provinces
  (supervisors, ``/110000/``), 300 organisers under each (``/110000/110001/``), 4,000 sites (each
  with its organiser, its province as supervisor and one ``site_host``), one staff account per
  organisation plus an admin with an API token (:data:`TOKEN`), all with the password
  :data:`PASSWORD`;
- ``cases`` cases over the :data:`YEARS` years before now: 96% closed (answered before closed,
  most on time, some late, a few rated), 3.5% open and overdue, the rest open and not yet due;
  about 1% reopened after an unsatisfied rating and closed again. The most recent full quarter
  holds ``min(20,000, cases / 2)`` of them (:func:`quarter_cases`); the rest is spread over the
  other days. About 2% waited in a supervisor's triage first, some were closed there;
- each case's history (``case_event``: submit, assign, accept, answer, approve, and feedback,
  chase, reopen where they happened, with the data :mod:`tracker.cases.history` writes) and the
  outbox rows its notifications left (sent), the tracking-number sequences of every day.

Due times come from the app's working-day calendar (:class:`tracker.workdays.WorkCalendar`). The
random seed is fixed, so a size always gives the same database (apart from "now").

The indexes of the big tables are dropped during the load and built again after it; the rows are
written frozen (``COPY … FREEZE`` after ``TRUNCATE`` in the same transaction) and without foreign
key triggers when the role may do that. Then the tables derived from cases are filled
(``tracker.cases.access.rebuild(connection)``), the id sequences are set past
the rows, and the database is vacuumed and analysed.

``ensure(base_url, cases)`` is what the benchmarks call: the database ``<name>_<size>`` beside
``base_url`` (``tracker_bench_1m``), dropped and built again, or, with ``reuse=True``, kept when
it already holds that size from this generator (its description is recorded as the database's
comment).

Run alone: ``python -m tests.bench.generate --cases 1000000 [--url URL] [--reuse]``.
"""
from __future__ import annotations

import argparse
import bisect
import functools
import heapq
import itertools
import json
import os
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
import sqlalchemy as sa

from tracker.workdays import BEIJING, WorkCalendar, start_of_day

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/tracker_bench"
#: bumped whenever the data written changes: a reused database must come from the same version
VERSION = 2
SEED = 20_241_130
YEARS = 5
QUARTER_CASES = 20_000
SHARE_OVERDUE = 0.035
SHARE_NOT_DUE = 0.005
SHARE_REOPENED = 0.01
SHARE_RATED = 0.10
SHARE_LATE = 0.08
SHARE_TRIAGED = 0.02  # reached a supervisor's triage first (no site matched); 30% of those stay there
PASSWORD = "bench-password-1"
TOKEN = "trk_bench_national_token_0000000000000000"
ADMIN_EMAIL = "admin@bench.gov.cn"
ANSWER_WORKDAYS = 3
REOPEN_WORKDAYS = 3
CHUNK = 20_000

PROVINCES = [
    ("110000", "北京市", 1.6), ("120000", "天津市", 1.0), ("130000", "河北省", 1.2), ("140000", "山西省", 0.8),
    ("150000", "内蒙古自治区", 0.6), ("210000", "辽宁省", 1.0), ("220000", "吉林省", 0.7),
    ("230000", "黑龙江省", 0.7), ("310000", "上海市", 1.3), ("320000", "江苏省", 1.5),
]
ORGANISERS_PER_PROVINCE = 300
SITES = 4000
DEPARTMENTS = ["人民政府办公厅", "发展和改革委员会", "教育厅", "科学技术厅", "工业和信息化厅", "公安厅", "民政厅",
               "司法厅", "财政厅", "人力资源和社会保障厅", "自然资源厅", "生态环境厅", "住房和城乡建设厅",
               "交通运输厅", "水利厅", "农业农村厅", "商务厅", "文化和旅游厅", "卫生健康委员会", "市场监督管理局"]
CATEGORIES = [(0, 25), (1, 25), (2, 20), (3, 5), (4, 10), (10, 10), (6, 5)]
ORGANISER_OUTCOMES = [("fixed", 55), ("explained", 30), ("duplicate", 5), ("out_of_scope", 4),
                      ("not_gov_site", 2), ("insufficient_info", 4)]
NOT_TAKEN_UP = {"duplicate", "out_of_scope", "not_gov_site", "insufficient_info"}
DESCRIPTIONS = {
    0: "栏目“{s}”中的链接无法打开，页面提示404错误，请尽快修复。",
    1: "栏目“{s}”的信息长期未更新，最新一条还是两年前发布的。",
    2: "“{s}”页面公布的办公电话和地址与实际不符，打过去是空号。",
    3: "在“{s}”提交的咨询留言一个多月没有任何回复。",
    4: "“{s}”页面正文中有错别字，“截止”写成了“截至”，标点也有误。",
    10: "“{s}”的在线办事入口点击后一直转圈，无法提交申请材料。",
    6: "“{s}”页面在手机上显示错乱，字体过小无法阅读。",
}
SECTIONS = ["政务公开", "办事服务", "政策解读", "通知公告", "互动交流", "机构设置", "公共服务", "新闻动态"]
ANSWERS = {
    "fixed": "您好，经核实您反映的问题属实，我单位已于收到留言后完成整改，页面现已恢复正常。感谢您的支持。",
    "explained": "您好，经核实该页面内容符合相关规定，具体情况已在页面说明中补充，如有疑问可致电我单位咨询。",
    "duplicate": "您好，该问题已有网民反映并正在办理，请关注前一条留言的答复。",
    "out_of_scope": "您好，您反映的问题不属于政府网站内容保障范围，建议通过12345热线反映。",
    "not_gov_site": "您好，经核实该网址不属于政府网站，无法受理。",
    "insufficient_info": "您好，您提供的信息不足以定位问题页面，请补充具体网址后重新提交。",
}
NAMES = ["张先生", "李女士", "王先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士", "周先生", "吴女士", ""]
UNSATISFIED = "答复没有解决问题，页面至今仍然打不开。"
REOPEN_REASON = "网民不满意，请重新核实办理。"
CHASE_NOTE = "该留言已超期，请尽快办理答复。"
TRIAGE_NOTE = "经核实该网址不属于政府网站。"
#: an event's actor as its two COPY fields (actor_user_id, actor_label)
CITIZEN = "\\N\t网民"
SYSTEM = "\\N\t系统"

HOUR = 3600.0
DAY = 86_400.0
BEIJING_OFFSET = 8 * HOUR  # no summer time in China since 1991


# ---------------------------------------------------------------- sizes and names


def quarter_cases(cases: int) -> int:
    """How many cases the most recent full quarter holds at this size: 20,000 from 25,000 cases
    up, so that the report's quarter is the same at 25k and at 1M and only the history differs."""
    return min(QUARTER_CASES, cases * 4 // 5)


def size_label(cases: int) -> str:
    """``1m``, ``25k``, ``10k``; other sizes as they are."""
    if cases % 1_000_000 == 0:
        return f"{cases // 1_000_000}m"
    if cases % 1000 == 0:
        return f"{cases // 1000}k"
    return str(cases)


def sibling_url(base_url: str, suffix: str) -> str:
    """The URL of the database ``<name><suffix>`` on the same server."""
    base = sa.engine.make_url(base_url)
    return base.set(database=f"{base.database}{suffix}").render_as_string(hide_password=False)


def sized_url(base_url: str, cases: int) -> str:
    """The URL of the database for ``cases``: ``<name>_<size>`` on the same server."""
    return sibling_url(base_url, f"_{size_label(cases)}")


def last_full_quarter(now: datetime) -> tuple[date, date]:
    """The first and last day (Beijing) of the last quarter that ended before ``now``."""
    today = now.astimezone(BEIJING).date()
    first_of_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = first_of_this - timedelta(days=1)
    return date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last


def psycopg_dsn(url: str) -> str:
    """A libpq connection string for a SQLAlchemy URL."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# ---------------------------------------------------------------- COPY text

NULL = "\\N"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_EPOCH = date(1970, 1, 1)
_DAYS: dict[int, date] = {}
_DAY_TEXT: dict[int, str] = {}
_SECOND_TEXT = [f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)]


def _day(number: int) -> date:
    found = _DAYS.get(number)
    if found is None:
        found = _DAYS[number] = _EPOCH + timedelta(days=number)
    return found


def _ts(epoch: float | None) -> str:
    """A timestamptz in COPY text, to the second (the draws are not finer than that)."""
    if epoch is None:
        return NULL
    number, second = divmod(int(epoch), 86_400)
    prefix = _DAY_TEXT.get(number)
    if prefix is None:
        prefix = _DAY_TEXT[number] = _day(number).isoformat() + " "
    return prefix + _SECOND_TEXT[second]


def _iso(epoch: float) -> str:
    """An instant as the app writes it into event data and outbox keys (``datetime.isoformat`` in UTC)."""
    return datetime.fromtimestamp(int(epoch), UTC).isoformat()


def _v(value) -> str:
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _json(data: dict) -> str:
    return _escape(json.dumps(data, ensure_ascii=False))


@functools.cache
def _json_of(items: tuple) -> str:
    """``_json`` of a dict given as its items: the few shapes that repeat are encoded once."""
    return _json(dict(items))


# ---------------------------------------------------------------- the organisation tree


@dataclass
class Org:
    id: int
    code: str
    name: str
    path: str
    province: int = -1  # index into World.provinces (-1: the root)
    kind: str = "supervisor"
    user_id: int = 0
    user_label: str = ""
    email: str = ""
    actor: str = ""  # as an event's actor: "user id<TAB>label"


@dataclass
class SiteRow:
    id: int
    code: str
    name: str
    organiser: int  # index into World.organisers
    host: str


@dataclass
class World:
    root: Org
    provinces: list[Org]
    organisers: list[Org]
    sites: list[SiteRow]
    admin_id: int
    sites_of: dict[int, list[int]] = field(default_factory=dict)  # organiser index -> site indexes


def make_world(root_id: int | None) -> World:
    """The tree, sites and staff, with the ids they will have (the root keeps its id when it exists)."""
    root = Org(root_id or 1, "000000", "全国政府网站主管单位", "/")
    next_id = itertools.count(root.id + 1)
    provinces = [Org(next(next_id), code, name, f"/{code}/", index)
                 for index, (code, name, _weight) in enumerate(PROVINCES)]
    organisers = []
    for p, province in enumerate(provinces):
        for n in range(1, ORGANISERS_PER_PROVINCE + 1):
            code = f"{province.code[:2]}{n:04d}"
            name = f"{province.name}{DEPARTMENTS[n % len(DEPARTMENTS)]}（{n:03d}）"
            organisers.append(Org(next(next_id), code, name, f"{province.path}{code}/", p, "organiser"))
    sites, sites_of = [], {}
    for s in range(SITES):
        o = s % len(organisers)
        number = s // len(organisers) + 1
        code = f"{organisers[o].code}{number:04d}"
        name = organisers[o].name + ("门户网站" if number == 1 else f"政务服务网{number}")
        sites.append(SiteRow(s + 1, code, name, o, f"www.{code}.gov.cn"))
        sites_of.setdefault(o, []).append(s)
    user_ids = itertools.count(2)  # 1 is the admin
    for org in [root, *provinces, *organisers]:
        org.user_id = next(user_ids)
        org.user_label = f"{org.name}经办人"[:100]
        org.email = f"{'org' if org.kind == 'organiser' else 'sup'}{org.code}@bench.gov.cn"
        org.actor = f"{org.user_id}\t{org.user_label}"
    return World(root, provinces, organisers, sites, admin_id=1, sites_of=sites_of)


def staff_email(code: str) -> str:
    """The email of the staff account of the organisation with ``code`` (``sup110000@…``, ``org110001@…``)."""
    return f"{'sup' if code.endswith('0000') else 'org'}{code}@bench.gov.cn"


def world_lines(world: World, now: float, password_hash: str) -> dict[str, tuple[list[str], list[str]]]:
    """table -> (columns, COPY lines) of the tree, sites, hosts, staff and the admin's token."""
    from tracker.users.operations import hash_token

    created = _ts(now - YEARS * 366 * DAY)
    orgs = [f"{o.id}\t{o.code}\t{o.name}\tsupervisor\t{world.root.id}\t{o.path}\t{created}" for o in world.provinces]
    orgs += [f"{o.id}\t{o.code}\t{o.name}\torganiser\t{world.provinces[o.province].id}\t{o.path}\t{created}"
             for o in world.organisers]
    sites = [f"{s.id}\t{s.code}\t{s.name}\t{world.organisers[s.organiser].id}\t"
             f"{world.provinces[world.organisers[s.organiser].province].id}\tt\t{created}" for s in world.sites]
    hosts = [f"{s.id}\t{s.id}\t{s.host}\t" for s in world.sites]
    users = [f"{world.admin_id}\t{ADMIN_EMAIL}\t系统管理员\t{password_hash}\tadmin\t{NULL}\tt\tzh\t{created}"]
    for org in [world.root, *world.provinces, *world.organisers]:
        users.append(f"{org.user_id}\t{org.email}\t{org.user_label}\t{password_hash}\t{org.kind}\t{org.id}\tt\tzh\t"
                     f"{created}")
    tokens = [f"1\t{world.admin_id}\tbench\t{hash_token(TOKEN)}\t{created}"]
    return {
        "organisation": (["id", "code", "name", "kind", "parent_id", "path", "created_at"], orgs),
        "site": (["id", "code", "name", "organiser_id", "supervisor_id", "is_running", "created_at"], sites),
        "site_host": (["id", "site_id", "host", "path_prefix"], hosts),
        "user_account": (["id", "email", "name", "password_hash", "role", "organisation_id", "is_active", "locale",
                          "created_at"], users),
        "api_token": (["id", "user_id", "name", "token_hash", "created_at"], tokens),
    }


# ---------------------------------------------------------------- the calendar, cached per day


class Clock:
    """Due times from the app's calendar, cached per Beijing day (epoch seconds in and out)."""

    def __init__(self):
        self.calendar = WorkCalendar()
        self._due: dict[tuple[int, int], tuple[float, bool]] = {}
        self._remind: dict[float, float] = {}

    def due(self, at: float, workdays: int) -> tuple[float, bool]:
        day = int((at + BEIJING_OFFSET) // DAY)
        key = (day, workdays)
        found = self._due.get(key)
        if found is None:
            due = self.calendar.due(datetime.fromtimestamp(at, UTC), workdays)
            found = self._due[key] = (due.due_at.timestamp(), due.provisional)
        return found

    def reminder(self, due_at: float) -> float:
        found = self._remind.get(due_at)
        if found is None:
            found = self._remind[due_at] = self.calendar.reminder_at(datetime.fromtimestamp(due_at, UTC), 1).timestamp()
        return found


# ---------------------------------------------------------------- receipt times


@dataclass(frozen=True)
class Plan:
    """How many cases of each kind, and when they may have been received (epoch seconds)."""

    cases: int
    now: float
    quarter: tuple[date, date]
    quarter_span: tuple[float, float]
    history_start: float
    not_due_from: float  # a case received from here on is not yet due
    counts: dict = field(default_factory=dict)


def make_plan(cases: int, now: datetime, clock: Clock) -> Plan:
    quarter = last_full_quarter(now)
    span = (start_of_day(quarter[0]).timestamp(), start_of_day(quarter[1] + timedelta(days=1)).timestamp())
    day = now.astimezone(BEIJING).date()
    while clock.due(start_of_day(day - timedelta(days=1)).timestamp(), ANSWER_WORKDAYS)[0] > now.timestamp():
        day -= timedelta(days=1)  # the earliest receipt day whose cases are not due yet
    in_quarter = quarter_cases(cases)
    overdue = round(cases * SHARE_OVERDUE)
    not_due = round(cases * SHARE_NOT_DUE)
    quarter_overdue = round(in_quarter * SHARE_OVERDUE)
    counts = {
        "quarter_closed": in_quarter - quarter_overdue, "quarter_overdue": quarter_overdue,
        "other_closed": cases - in_quarter - (overdue - quarter_overdue) - not_due,
        "other_overdue": overdue - quarter_overdue, "not_due": not_due,
    }
    return Plan(cases, now.timestamp(), quarter, span, now.timestamp() - YEARS * 365.25 * DAY,
                start_of_day(day).timestamp(), counts)


def _uniform_outside(rng: random.Random, start: float, stop: float, hole: tuple[float, float]) -> float:
    """Uniform over [start, stop) less the hole."""
    inside = max(0.0, min(stop, hole[1]) - max(start, hole[0]))
    t = rng.uniform(start, stop - inside)
    return t + inside if t >= hole[0] and inside else t


def receipts(plan: Plan, rng: random.Random):
    """(received_at, kind) of every case, in order of receipt."""
    q0, q1 = plan.quarter_span
    recent = plan.not_due_from

    def overdue_time() -> float:  # half in the last 90 days before they fell due, half any time
        start = recent - 90 * DAY if rng.random() < 0.5 else plan.history_start
        return _uniform_outside(rng, start, recent - DAY, plan.quarter_span)

    groups = {
        "closed": [rng.uniform(q0, q1) for _ in range(plan.counts["quarter_closed"])]
        + [_uniform_outside(rng, plan.history_start, plan.now - 12 * HOUR, plan.quarter_span)
           for _ in range(plan.counts["other_closed"])],
        "overdue": [rng.uniform(q0, q1) for _ in range(plan.counts["quarter_overdue"])]
        + [overdue_time() for _ in range(plan.counts["other_overdue"])],
        "not_due": [rng.uniform(recent, plan.now - 600) for _ in range(plan.counts["not_due"])],
    }
    for times in groups.values():
        times.sort()
    return heapq.merge(*(zip(times, itertools.repeat(kind)) for kind, times in groups.items()))


# ---------------------------------------------------------------- cases and their history


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


class Writer:
    """Builds the COPY lines of cases, their events and outbox rows."""

    CASE_COLUMNS = [
        "id", "tracking_number", "query_code_hash", "source", "state", "outcome", "site_id", "site_code_given",
        "organiser_id", "supervisor_id", "category_code", "page_url", "description", "contact_name",
        "contact_phone", "contact_email", "answer", "not_taken_up_reason", "received_at", "answer_workdays",
        "reopen_workdays", "due_at", "due_is_provisional", "triage_due_at", "assigned_at", "accepted_at",
        "answered_at", "closed_at", "reopened_at", "sweep_at", "reminded_at", "overdue_at", "feedback",
        "feedback_comment", "feedback_at", "updated_at"]
    EVENT_COLUMNS = ["id", "case_id", "action", "actor_user_id", "actor_label", "state_before", "state_after",
                     "note", "is_public", "data", "created_at"]
    OUTBOX_COLUMNS = ["id", "topic", "case_id", "payload", "dedupe_key", "created_at", "next_attempt_at",
                      "attempts", "sent_at"]

    def __init__(self):
        self.cases: list[str] = []
        self.events: list[str] = []
        self.outbox: list[str] = []
        self.event_ids = itertools.count(1)
        self.outbox_ids = itertools.count(1)

    def event(self, case_id: int, action: str, actor: str, before: str, after: str, at: float, *, public: bool,
              note: str = NULL, data: str = "{}") -> float:
        """One event; ``actor`` as :data:`CITIZEN` or :attr:`Org.actor`, states and note as COPY text."""
        self.events.append(f"{next(self.event_ids)}\t{case_id}\t{action}\t{actor}\t{before}\t{after}\t{note}\t"
                           f"{'t' if public else 'f'}\t{data}\t{_ts(at)}")
        return at

    def notify(self, topic: str, case_id: int, at: float, payload: str = "{}", dedupe: str | None = None) -> None:
        at_text = _ts(at)  # written, handed to the broker and sent within the second
        self.outbox.append(f"{next(self.outbox_ids)}\t{topic}\t{case_id}\t{payload}\t{_v(dedupe)}\t{at_text}\t"
                           f"{at_text}\t1\t{at_text}")

    def take(self) -> dict[str, tuple[list[str], list[str]]]:
        chunk = {"case_report": (self.CASE_COLUMNS, self.cases), "case_event": (self.EVENT_COLUMNS, self.events),
                 "outbox": (self.OUTBOX_COLUMNS, self.outbox)}
        self.cases, self.events, self.outbox = [], [], []
        return chunk


@dataclass
class Draft:
    """One case as it is written: the columns that vary."""

    id: int
    received: float
    kind: str
    organiser: Org | None = None
    supervisor: Org | None = None
    site: SiteRow | None = None
    state: str = "assigned"
    outcome: str | None = None
    answer: str | None = None
    due: float = 0.0
    provisional: bool = False
    triage_due: float | None = None
    assigned: float | None = None
    accepted: float | None = None
    answered: float | None = None
    closed: float | None = None
    reopened: float | None = None
    sweep: float | None = None
    reminded: float | None = None
    overdue: float | None = None
    feedback: str | None = None
    feedback_at: float | None = None
    updated: float = 0.0
    code_given: bool = False
    email: bool = False


class Generator:
    """Draws the cases; one instance per database (fixed seed)."""

    def __init__(self, world: World, plan: Plan, clock: Clock, seed: int = SEED):
        self.world, self.plan, self.clock = world, plan, clock
        self.rng = random.Random(seed)
        self.writer = Writer()
        self.province_weights = _cumulative(weight for _code, _name, weight in PROVINCES)
        # within a province a few organisers get most reports (Zipf-like)
        self.organiser_weights = _cumulative(1 / (rank + 1) ** 0.9 for rank in range(ORGANISERS_PER_PROVINCE))
        self.category_weights = _cumulative(weight for _code, weight in CATEGORIES)
        self.outcome_weights = _cumulative(weight for _outcome, weight in ORGANISER_OUTCOMES)
        self.sequences: dict[str, int] = {}

    # -- draws
    def _pick(self, cumulative: list[float]) -> int:
        return bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def _organiser(self) -> Org:
        p = self._pick(self.province_weights)
        return self.world.organisers[p * ORGANISERS_PER_PROVINCE + self._pick(self.organiser_weights)]

    def _between(self, start: float, stop: float) -> float:
        return start + (stop - start) * self.rng.random() if stop > start else start

    def _tracking_number(self, received: float) -> str:
        day = _day(int((received + BEIJING_OFFSET) // DAY)).strftime("%Y%m%d")
        value = self.sequences.get(day, 0) + 1
        self.sequences[day] = value
        return f"ZC{day}-{value:04d}"

    # -- one case
    def case(self, case_id: int, received: float, kind: str) -> None:
        rng = self.rng
        d = Draft(case_id, received, kind)
        d.due, d.provisional = self.clock.due(received, ANSWER_WORKDAYS)
        category = CATEGORIES[self._pick(self.category_weights)][0]
        triaged = rng.random() < SHARE_TRIAGED
        organiser = self._organiser()
        d.email = rng.random() < 0.3
        if not triaged:
            sites = self.world.sites_of[organiser.id - self.world.organisers[0].id]
            d.site = self.world.sites[sites[0] if len(sites) == 1 or rng.random() < 0.75 else sites[1]]
            d.code_given = rng.random() < 0.6
        d.supervisor = self.world.provinces[organiser.province]
        if triaged and rng.random() < 0.15:
            d.supervisor = self.world.root
        self._history(d, organiser, triaged)
        self._write_case(d, category)

    def _history(self, d: Draft, organiser: Org, triaged: bool) -> None:
        w = self.writer
        route = (("route", "no_match"), ("candidates", ()), ("workdays", ANSWER_WORKDAYS))
        if d.site is not None:
            route = (("route", "code" if d.code_given else "url"), ("candidates", (d.site.code,)),
                     ("workdays", ANSWER_WORKDAYS))
        d.updated = w.event(d.id, "submit", CITIZEN, NULL, "received", d.received, public=True, data=_json_of(route))
        if d.email:
            w.notify("case_received", d.id, d.received)
        if triaged:
            w.event(d.id, "triage", SYSTEM, "received", "triage", d.received, public=False,
                    data=_json_of((("reason", "no_match"),)))
            w.notify("case_triage", d.id, d.received)
            d.triage_due = self.clock.due(d.received, 1)[0]
            if self._stays_in_triage(d):
                return
            assigned_at = self._between(d.received + HOUR, min(d.triage_due, self.plan.now - 60))
            self._assign(d, organiser, d.supervisor.actor, "triage", assigned_at)
        else:
            self._assign(d, organiser, SYSTEM, "received", d.received)
        self._work(d)

    def _stays_in_triage(self, d: Draft) -> bool:
        """A case that never left triage: still open there, or closed there as not taken up."""
        if d.kind == "closed" and d.supervisor is not None and self.rng.random() < 0.3:
            d.state, d.outcome = "closed", "not_gov_site"
            d.answer = TRIAGE_NOTE
            d.answered = d.closed = self._between(d.received + HOUR, min(d.triage_due, self.plan.now - 60))
            actor = d.supervisor.actor
            d.updated = self.writer.event(d.id, "close_not_taken_up", actor, "triage", "closed", d.closed,
                                          public=True, note=TRIAGE_NOTE, data=_json_of(
                                              (("outcome", "not_gov_site"), ("answer", None), ("handled_by", None))))
            self.writer.notify("case_answered", d.id, d.closed)
            return True
        if d.kind != "closed" and self.rng.random() < 0.3:
            d.state = "triage"
            self._open_clock(d)
            return True
        return False

    def _assign(self, d: Draft, organiser: Org, actor: str, before: str, at: float) -> None:
        d.organiser, d.state = organiser, "assigned"
        d.assigned = at
        d.updated = self.writer.event(d.id, "assign", actor, before, "assigned", at, public=True,
                                      data=_json_of((("organiser_id", organiser.id), ("organiser", organiser.name))))
        self.writer.notify("case_assigned", d.id, at, _json_of((("organiser_id", organiser.id),)))

    def _work(self, d: Draft) -> None:
        """From assignment on: closed, or still open (and then overdue or not yet due)."""
        if d.kind == "closed":
            self._close(d)
            if self.rng.random() < SHARE_REOPENED / 0.96 and d.closed < self.plan.now - 40 * DAY:
                self._reopen(d)
            elif self.rng.random() < SHARE_RATED:
                self._rate(d, self.rng.random() < 0.85)
            return
        rng, now = self.rng, self.plan.now
        roll = rng.random()
        if roll < 0.35:
            return self._open_clock(d)  # assigned, not yet signed for
        end = now if d.kind == "not_due" else min(now, d.due + 20 * DAY)
        self._accept(d, self._between(d.updated, min(d.updated + 10 * HOUR, end)))
        if roll < 0.8:
            d.state = "in_progress"
        else:
            outcome = ORGANISER_OUTCOMES[self._pick(self.outcome_weights)][0]
            self._answer(d, outcome, self._between(d.accepted, end))
        self._open_clock(d)

    def _accept(self, d: Draft, at: float) -> None:
        d.accepted = at
        d.state = "in_progress"
        d.updated = self.writer.event(d.id, "accept", d.organiser.actor, "assigned",
                                      "in_progress", at, public=True)

    def _answer(self, d: Draft, outcome: str, at: float) -> None:
        d.outcome, d.answer, d.answered, d.state = outcome, ANSWERS[outcome], at, "in_review"
        action = "close_not_taken_up" if outcome in NOT_TAKEN_UP else "answer"
        d.updated = self.writer.event(d.id, action, d.organiser.actor, "in_progress",
                                      "in_review", at, public=False, note=d.answer,
                                      data=_json_of((("outcome", outcome), ("answer", None), ("handled_by", None))))

    def _approve(self, d: Draft, at: float) -> None:
        d.closed, d.state = at, "closed"
        actor = d.supervisor.actor
        data = _json_of((("outcome", d.outcome), ("answer", d.answer), ("handled_by", None)))
        d.updated = self.writer.event(d.id, "approve", actor, "in_review", "closed", at, public=True, data=data)
        self.writer.notify("case_answered", d.id, at)

    def _close(self, d: Draft) -> None:
        """Signed for, answered (on time or late), approved; before now."""
        rng, now = self.rng, self.plan.now
        late = rng.random() < SHARE_LATE and d.due + 12 * DAY < now
        latest = now - 30 if not late else min(now - 30, d.due + rng.uniform(HOUR, 10 * DAY))
        on_time_by = min(d.due - 60, now - 120)
        self._accept(d, self._between(d.updated, min(d.updated + rng.uniform(0.5, 20) * HOUR, on_time_by - 60)))
        if late:
            chase = self._between(d.due, latest - 60)
            d.updated = self.writer.event(d.id, "chase", d.supervisor.actor,
                                          "in_progress", "in_progress", chase, public=False, note=CHASE_NOTE)
            answered = self._between(chase, latest - 30)
        else:
            answered = self._between(d.accepted, on_time_by)
        outcome = ORGANISER_OUTCOMES[self._pick(self.outcome_weights)][0]
        self._answer(d, outcome, answered)
        self._approve(d, self._between(answered + 60, min(answered + rng.uniform(0.2, 30) * HOUR, now - 10)))

    def _rate(self, d: Draft, satisfied: bool) -> None:
        at = d.closed + self.rng.uniform(HOUR, 10 * DAY)
        if at >= self.plan.now:
            return
        d.feedback, d.feedback_at = ("satisfied" if satisfied else "unsatisfied"), at
        d.updated = self.writer.event(d.id, "record_feedback", CITIZEN, "closed", "closed", at, public=True,
                                      note=NULL if satisfied else UNSATISFIED,
                                      data=_json_of((("satisfied", satisfied),)))
        if not satisfied:
            self.writer.notify("feedback_unsatisfied", d.id, at)

    def _reopen(self, d: Draft) -> None:
        """Rated unsatisfied, reopened by the supervisor, answered and approved again."""
        self._rate(d, False)
        rng = self.rng
        d.reopened = d.feedback_at + rng.uniform(HOUR, 2 * DAY)
        d.due, d.provisional = self.clock.due(d.reopened, REOPEN_WORKDAYS)
        actor = d.supervisor.actor
        due_iso = _iso(d.due)
        self.writer.event(d.id, "reopen", actor, "closed", "in_progress", d.reopened, public=True, note=REOPEN_REASON,
                          data=_json({"due_at": due_iso, "workdays": REOPEN_WORKDAYS}))
        self.writer.notify("case_reopened", d.id, d.reopened, _json_of((("reason", REOPEN_REASON),)))
        d.feedback = d.feedback_at = None
        outcome = "fixed" if rng.random() < 0.7 else "explained"
        self._answer(d, outcome, self._between(d.reopened + HOUR, d.due - 60))
        self._approve(d, self._between(d.answered + 60, d.answered + 20 * HOUR))

    def _open_clock(self, d: Draft) -> None:
        """The sweep's marks of an open case: reminded and marked overdue when those times passed."""
        now = self.plan.now
        remind_at = self.clock.reminder(d.due)
        if d.kind == "overdue":
            d.reminded = max(remind_at, d.received) + self.rng.uniform(1, 300)
            d.overdue = d.due + self.rng.uniform(1, 300)
            due_iso = _iso(d.due)
            self.writer.notify("reminder", d.id, d.reminded, _json({"due_at": due_iso}), f"reminder:{d.id}:{due_iso}")
            self.writer.notify("overdue", d.id, d.overdue, _json({"due_at": due_iso}), f"overdue:{d.id}:{due_iso}")
            return
        if now >= remind_at:
            d.reminded = min(max(remind_at, d.received) + self.rng.uniform(1, 300), now - 1)
            d.sweep = d.due
        else:
            d.sweep = remind_at

    def _write_case(self, d: Draft, category: int) -> None:
        rng = self.rng
        host = d.site.host if d.site else f"www.unknown{d.id % 97}.gov.cn"
        section = SECTIONS[d.id % len(SECTIONS)]
        month = _ts(d.received)[:7].replace("-", "")
        page_url = f"https://{host}/{['zwgk', 'bsfw', 'zcjd', 'tzgg'][d.id % 4]}/{month}/t{d.id}.html"
        name = NAMES[d.id % len(NAMES)]
        phone = f"13{rng.randrange(10**9):09d}"
        email = f"u{d.id}@example.com" if d.email else ""
        not_taken_up = d.answer if d.outcome in NOT_TAKEN_UP else None
        self.writer.cases.append("\t".join((
            str(d.id), self._tracking_number(d.received), f"{rng.getrandbits(256):064x}", "web" if d.id % 5 else "api",
            d.state, _v(d.outcome), _v(d.site.id if d.site else None), d.site.code if d.code_given else NULL,
            _v(d.organiser.id if d.organiser else None), str(d.supervisor.id), str(category), page_url,
            DESCRIPTIONS[category].format(s=section), name, phone, email, _v(d.answer), _v(not_taken_up),
            _ts(d.received), str(ANSWER_WORKDAYS), str(REOPEN_WORKDAYS) if d.reopened else NULL, _ts(d.due),
            "t" if d.provisional else "f", _ts(d.triage_due), _ts(d.assigned),
            _ts(d.accepted), _ts(d.answered), _ts(d.closed), _ts(d.reopened), _ts(d.sweep), _ts(d.reminded),
            _ts(d.overdue), _v(d.feedback), UNSATISFIED if d.feedback == "unsatisfied" else NULL,
            _ts(d.feedback_at), _ts(d.updated))))


# ---------------------------------------------------------------- loading


class CopyThread(threading.Thread):
    """Runs the COPY statements of a queue of chunks on its own connection, inside one transaction,
    so that PostgreSQL takes in one chunk while the next is being drawn."""

    def __init__(self, connection: psycopg.Connection):
        super().__init__(daemon=True)
        self.connection = connection
        self.chunks: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.connection.cursor() as cursor:
                while (chunk := self.chunks.get()) is not None:
                    copy_chunk(cursor, chunk)
        except BaseException as exc:  # handed to the drawing thread
            self.error = exc
            while self.chunks.get() is not None:  # let the producer finish
                pass

    def put(self, chunk) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put(chunk)


def copy_chunk(cursor: psycopg.Cursor, chunk: dict[str, tuple[list[str], list[str]]]) -> None:
    for table, (columns, lines) in chunk.items():
        if not lines:
            continue
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FREEZE)") as copy:
            for start in range(0, len(lines), 5000):
                copy.write("\n".join(lines[start:start + 5000]) + "\n")


BIG_TABLES = ("case_report", "case_event", "outbox")


def _drop_indexes(cursor: psycopg.Cursor) -> list[str]:
    """Drop the big tables' plain indexes (not those behind constraints); returns their definitions."""
    rows = cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (list(BIG_TABLES),)).fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def _without_triggers(cursor: psycopg.Cursor) -> bool:
    """Skip foreign-key triggers in this transaction when the role may (the rows are consistent).

    Before the TRUNCATE: ``COPY … FREEZE`` wants the table truncated in the current subtransaction."""
    cursor.execute("SAVEPOINT replica")
    try:
        cursor.execute("SET LOCAL session_replication_role = replica")
        allowed = True
    except psycopg.errors.InsufficientPrivilege:
        cursor.execute("ROLLBACK TO SAVEPOINT replica")
        allowed = False
    cursor.execute("RELEASE SAVEPOINT replica")
    return allowed


def migrate(url: str) -> None:
    from alembic import command

    from tracker.migrate import alembic_config

    command.upgrade(alembic_config(url), "head")


def _root_id(cursor: psycopg.Cursor) -> int | None:
    row = cursor.execute("SELECT id FROM organisation WHERE path = '/'").fetchone()
    return row[0] if row else None


def _progress(message: str, started: float) -> None:
    print(f"  [{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


def load(url: str, cases: int, now: datetime, *, seed: int = SEED, quiet: bool = False) -> dict:
    """Write the world and ``cases`` cases into the migrated, empty database at ``url``."""
    from tracker.users.operations import hash_password

    started = time.perf_counter()
    say = (lambda message: None) if quiet else (lambda message: _progress(message, started))
    clock = Clock()
    plan = make_plan(cases, now, clock)
    with psycopg.connect(psycopg_dsn(url)) as connection:
        cursor = connection.cursor()
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        root_id = _root_id(cursor)
        world = make_world(root_id)
        _without_triggers(cursor)
        cursor.execute("TRUNCATE " + ", ".join(BIG_TABLES) + " CASCADE")
        indexes = _drop_indexes(cursor)
        if root_id is None:
            cursor.execute("INSERT INTO organisation (id, code, name, kind, parent_id, path, created_at)"
                           " VALUES (%s, %s, %s, 'supervisor', NULL, '/', %s)",
                           (world.root.id, world.root.code, world.root.name, now - timedelta(days=YEARS * 366)))
        for table, (columns, lines) in world_lines(world, plan.now, hash_password(PASSWORD)).items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write("\n".join(lines) + "\n")
        say(f"tree, sites and staff written; drawing {cases:,} cases")
        generator = Generator(world, plan, clock, seed)
        writer = CopyThread(connection)
        writer.start()
        for case_id, (received, kind) in enumerate(receipts(plan, generator.rng), start=1):
            generator.case(case_id, received, kind)
            if case_id % CHUNK == 0:
                writer.put(generator.writer.take())
                if case_id % 200_000 == 0:
                    say(f"{case_id:,} cases drawn")
        writer.put(generator.writer.take())
        writer.put(None)
        writer.join()
        if writer.error is not None:
            raise writer.error
        say("rows written; building indexes")
        sequences = [f"{day}\t{value}" for day, value in generator.sequences.items()]
        with cursor.copy("COPY tracking_sequence (day, last_value) FROM STDIN") as copy:
            copy.write("\n".join(sequences) + "\n")
        for definition in indexes:
            cursor.execute(definition)
        _set_sequences(cursor)
        events = next(generator.writer.event_ids) - 1
        outbox = next(generator.writer.outbox_ids) - 1
        connection.commit()
    say(f"{cases:,} cases, {events:,} events, {outbox:,} outbox rows committed")
    _derived(url)
    say("derived tables filled; vacuum and analyse")
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    say("done")
    return {"cases": cases, "events": events, "outbox": outbox, "now": now.isoformat(),
            "quarter": [plan.quarter[0].isoformat(), plan.quarter[1].isoformat()],
            "quarter_cases": quarter_cases(cases), "counts": plan.counts, "seed": seed, "version": VERSION}


def _set_sequences(cursor: psycopg.Cursor) -> None:
    for table in ("organisation", "site", "site_host", "user_account", "api_token", *BIG_TABLES):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")


def _derived(url: str) -> None:
    """The tables derived from the cases, by the application's own code."""
    from tracker.cases.access import rebuild

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            rebuild(connection)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- databases by size


@dataclass
class Database:
    url: str
    cases: int
    info: dict
    reused: bool
    seconds: float

    @property
    def name(self) -> str:
        return sa.engine.make_url(self.url).database

    def summary(self) -> dict:
        return {"database": self.name, "cases": self.cases, "reused": self.reused,
                "generation_seconds": round(self.seconds, 1), **self.info}


def _server(url: str) -> sa.Engine:
    return sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


def recorded(url: str) -> dict | None:
    """What the generator recorded in the database's comment, or None (no such database, or not ours)."""
    name = sa.engine.make_url(url).database
    engine = _server(url)
    try:
        with engine.connect() as connection:
            text = connection.execute(sa.text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
                {"name": name}).scalar()
    finally:
        engine.dispose()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def recreate(url: str) -> None:
    name = sa.engine.make_url(url).database
    engine = _server(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def _describe(url: str, info: dict) -> None:
    name = sa.engine.make_url(url).database
    engine = _server(url)
    try:
        with engine.connect() as connection:
            literal = json.dumps(info).replace("'", "''")
            connection.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    finally:
        engine.dispose()


def _holds(url: str, info: dict | None, cases: int, seed: int) -> bool:
    if not info or info.get("cases") != cases or info.get("version") != VERSION or info.get("seed") != seed:
        return False
    with psycopg.connect(psycopg_dsn(url)) as connection:
        count = connection.execute("SELECT count(*) FROM case_report").fetchone()[0]
    return count == cases


def ensure(base_url: str, cases: int, *, reuse: bool = False, seed: int = SEED, now: datetime | None = None,
           quiet: bool = False) -> Database:
    """The database of ``cases`` cases beside ``base_url``: built now, or reused when asked and it holds them."""
    url = sized_url(base_url, cases)
    info = recorded(url) if reuse else None
    if reuse and _holds(url, info, cases, seed):
        return Database(url, cases, info, True, 0.0)
    started = time.perf_counter()
    if not quiet:
        print(f"building {sa.engine.make_url(url).database} ({cases:,} cases)", file=sys.stderr, flush=True)
    recreate(url)
    migrate(url)
    info = load(url, cases, (now or datetime.now(UTC)).replace(microsecond=0), seed=seed, quiet=quiet)
    _describe(url, info)
    return Database(url, cases, info, False, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("TRACKER_BENCH_CASES", "1000000")))
    parser.add_argument("--url", default=os.environ.get("TRACKER_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="base URL: the database is <name>_<size> on that server")
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("TRACKER_BENCH_REUSE") == "1")
    args = parser.parse_args(argv)
    database = ensure(args.url, args.cases, reuse=args.reuse)
    print(json.dumps(database.summary(), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

