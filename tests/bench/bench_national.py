"""The app at national scale on PostgreSQL: what ``make bench`` runs.

Each line compares two figures measured in the same run, their calls taking turns (the order
flipping every round), and reports the median of the rounds and their ratio against a goal:

==  ===============  ===========================================================================  ==========
 #  key              measure                                                                      goal
==  ===============  ===========================================================================  ==========
 1  report_province  SLA report, last full quarter, one province (``sla_report``, by org) vs the  ≤ 1.5×
                     bare SQL ``GROUP BY … count(*) FILTER (WHERE …)`` over the same rows
 2  report_tree      the same, the whole tree (national root)                                     ≤ 1.5×
 3  report_scale     the report (whole tree; 3b: province) with 1M cases vs with 25k              ≤ 1.3×
 4  inbox            an organiser's ``/inbox`` first page, 1M vs 10k (4b: ``list_cases`` alone)   ≤ 1.5×
 5  supervise_cases  a province supervisor's ``/supervise/cases``, 1M vs 10k                      ≤ 1.5×
 6  supervise        a province supervisor's ``/supervise``, 1M vs 10k                            ≤ 1.5×
 7  answers          the public ``/answers``, 1M vs 10k                                           ≤ 1.5×
 8  sweep            the deadline sweep of 1,000 due cases, 1M vs 10k                             ≤ 1.5×
 9  intake           ``POST /api/v1/cases`` under gunicorn, 32 clients, reports per second, vs     ≥ 25%
                     the same rows written by hand with psycopg (32 threads)
10  latency          intake latency at an open-loop 40 requests/s for 15 s: p50 and p99          p99 < 100 ms
11  import           ``tracker import-records`` of the public records into a fresh database vs   ≥ 20%
                     executemany of the same case and event rows
12  export           ``tracker report --format csv`` / ``xlsx`` over all cases: peak memory over  ≤ 50 MB
                     the same export of one day
==  ===============  ===========================================================================  ==========

The databases are built by :mod:`tests.bench.generate` beside ``TRACKER_BENCH_DATABASE_URL``
(``…/tracker_bench`` gives ``tracker_bench_1m``, ``_25k``, ``_10k``, and ``_import`` for line 11),
dropped and built again each run unless ``TRACKER_BENCH_REUSE=1``. ``TRACKER_BENCH_CASES`` sets the
large size (1,000,000). The correctness checks fail the run: the report's counts equal the bare
SQL's at province and whole-tree scope, every 201 of the intake left its case, the sweep found
its 1,000 cases, the import imported every record, every page answered 200.

Results: the table, ``bench-results/national.json``, and ``bench-results/explain-*.txt`` (EXPLAIN
ANALYZE of the slowest statements behind lines 1, 2, 4–7 on the large database).

``python -m tests.bench national [--only report,answers] [--cases N] [--reuse] …`` (``--help``).
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from tests.bench import baselines, generate
from tests.bench.timing import Task, alternate, captured_sql, explain, median, percentile, run_tracker
from tracker import ROOT

RECORDS = ROOT.parent / "shared" / "data" / "public-records-2023h2" / "records.jsonl.gz"
TRACKER = Path(sys.executable).with_name("tracker")
PROVINCE = "110000"
ORGANISER = "110001"  # the busiest organiser of that province


class BenchFailure(RuntimeError):
    """A correctness check failed: the figures of this run are not to be trusted."""


# ---------------------------------------------------------------- results


@dataclass
class Figure:
    label: str
    value: float
    unit: str

    def text(self) -> str:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return f"{self.label} –"
        digits = 0 if abs(self.value) >= 100 else 1 if abs(self.value) >= 10 else 2
        return f"{self.label} {self.value:,.{digits}f} {self.unit}"

    def as_json(self) -> dict:
        return {"label": self.label, "value": _round(self.value), "unit": self.unit}


def _round(value):
    return round(value, 4) if isinstance(value, float) and not math.isnan(value) else value


@dataclass
class Result:
    number: str
    key: str
    measure: str
    a: Figure
    b: Figure
    ratio: float | None
    ratio_text: str
    goal: str
    met: bool | None
    rounds: int
    detail: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"number": self.number, "name": self.key, "measure": self.measure, "a": self.a.as_json(),
                "b": self.b.as_json(), "ratio": _round(self.ratio), "ratio_text": self.ratio_text, "goal": self.goal,
                "met": self.met, "rounds": self.rounds, "detail": self.detail}


def slower(number, key, measure, a: Figure, b: Figure, limit: float, rounds: int, **detail) -> Result:
    """A result whose goal is ``a / b <= limit`` (a cost that should not grow)."""
    ratio = a.value / b.value if b.value else math.nan
    return Result(number, key, measure, a, b, ratio, f"{ratio:.2f}×", f"≤ {limit:g}×", ratio <= limit, rounds,
                  detail)


def share(number, key, measure, a: Figure, b: Figure, minimum: float, rounds: int, **detail) -> Result:
    """A result whose goal is ``a / b >= minimum`` (a throughput that should keep up)."""
    ratio = a.value / b.value if b.value else math.nan
    return Result(number, key, measure, a, b, ratio, f"{ratio:.0%}", f"≥ {minimum:.0%}", ratio >= minimum, rounds,
                  detail)


def ms(label: str, seconds: list[float]) -> Figure:
    return Figure(label, median(seconds) * 1000, "ms")


# ---------------------------------------------------------------- the run


@dataclass
class Options:
    only: list[str]
    cases: int
    mid_cases: int
    small_cases: int
    url: str
    reuse: bool
    rounds: int
    warmup: int
    heavy_rounds: int
    repeat: int
    clients: int
    workers: int
    intake_seconds: float
    latency_rate: float
    latency_seconds: float
    sweep_cases: int
    import_records: int
    results: Path
    explain: bool
    broker_url: str


class Bench:
    """The databases, apps and results of one run."""

    def __init__(self, options: Options):
        self.options = options
        self.results: list[Result] = []
        self.checks: list[dict] = []
        self.notes: list[str] = []
        self.databases: dict[str, generate.Database] = {}
        self._apps: dict = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        self.sizes = {"large": options.cases, "mid": options.mid_cases, "small": options.small_cases}

    # -- databases and apps
    def prepare(self, sizes: set[str]) -> None:
        """Build (or reuse) the databases of ``sizes`` before anything is measured."""
        for size in ("large", "mid", "small"):
            if size not in sizes or size in self.databases:
                continue
            same = next((d for d in self.databases.values() if d.cases == self.sizes[size]), None)
            database = same or generate.ensure(self.options.url, self.sizes[size], reuse=self.options.reuse)
            self.databases[size] = database
            print(f"{database.name}: {database.cases:,} cases"
                  f" ({'reused' if database.reused else f'built in {database.seconds:.0f} s'})",
                  file=sys.stderr, flush=True)

    def db(self, size: str) -> generate.Database:
        return self.databases[size]

    def dsn(self, size: str) -> str:
        return generate.psycopg_dsn(self.db(size).url)

    def quarter(self, size: str) -> tuple[date, date]:
        first, last = self.db(size).info["quarter"]
        return date.fromisoformat(first), date.fromisoformat(last)

    def app(self, size: str):
        if size not in self._apps:
            from tracker import create_app

            self._apps[size] = create_app({
                "TESTING": True, "SECRET_KEY": "bench-secret-key", "DATABASE_URL": self.db(size).url,
                "CAPTCHA": False, "RATE_LIMITS_ENABLED": False, "EMBEDDED_WORKER": False,
                "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                "MAIL_URL": f"file://{self.tmp / 'mail'}"})
        return self._apps[size]

    def close(self) -> None:
        for app in self._apps.values():
            app.extensions["tracker.db"].engine.dispose()

    # -- results
    def add(self, result: Result) -> None:
        self.results.append(result)
        state = "met" if result.met else "NOT met" if result.met is not None else ""
        print(f"  {result.number:>3} {result.measure}: {result.a.text()} | {result.b.text()} | {result.ratio_text}"
              f" (goal {result.goal}) {state}", file=sys.stderr, flush=True)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        if not ok:
            print(f"CHECK FAILED: {name}: {detail}", file=sys.stderr, flush=True)
        return bool(ok)

    def write_explain(self, key: str, text: str) -> None:
        if text:
            self.options.results.mkdir(parents=True, exist_ok=True)
            (self.options.results / f"explain-{key}.txt").write_text(text)


# ---------------------------------------------------------------- in-process helpers


def _session_of(app):
    from tracker.extensions import db

    return db.session


def _org(app, code: str):
    """The organisation with ``code``, detached (read its id, code and path)."""
    from sqlmodel import select

    from tracker.organisations.models import Organisation

    def find(session):
        org = session.exec(select(Organisation).where(Organisation.code == code)).one()
        session.expunge(org)
        return org

    return in_request(app, find)


def _user_id(app, email: str) -> int:
    from sqlmodel import select

    from tracker.users.models import User

    with app.app_context():
        return _session_of(app).exec(select(User.id).where(User.email == email)).one()


def signed_in(app, email: str):
    """A test client whose session is signed in as ``email`` (as the login leaves it)."""
    from tracker.users.models import User
    from tracker.web import session_marks

    user_id = _user_id(app, email)
    with app.app_context():
        marks = session_marks(_session_of(app).get(User, user_id))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session.update(marks)
    return client


def in_request(app, work: Callable):
    """Run ``work(session)`` as a request would: in an app context, whose end removes its session."""
    from tracker.extensions import db

    with app.app_context():
        return work(db.session)


def page_task(client, path: str, must_contain: str | None = None) -> Task:
    def run():
        response = client.get(path)
        if response.status_code != 200 or (must_contain and must_contain not in response.text):
            raise BenchFailure(f"GET {path}: {response.status_code}, {must_contain!r} "
                               f"{'missing' if response.status_code == 200 else ''}")
        return len(response.data)

    return Task(run)


def explained(bench: Bench, key: str, app, run: Callable) -> None:
    """Run ``run`` once more on ``app`` and keep the EXPLAIN ANALYZE of its slowest statements."""
    if not bench.options.explain:
        return
    engine = app.extensions["tracker.db"].engine
    with captured_sql(engine) as statements:
        run()
    bench.write_explain(key, explain(engine, statements))


# ---------------------------------------------------------------- lines 1–3: the report


def report_task(app, scope_code: str, quarter: tuple[date, date], as_of: datetime) -> Task:
    from tracker.organisations.models import Organisation
    from tracker.reports.figures import sla_report

    scope_id = _org(app, scope_code).id

    def run():
        return in_request(app, lambda session: sla_report(
            session, date_from=quarter[0], date_to=quarter[1], scope_org=session.get(Organisation, scope_id),
            as_of=as_of, by="org"))

    return Task(run)


def _report_vs_sql(bench: Bench, number: str, key: str, scope_code: str, label: str) -> None:
    app, quarter = bench.app("large"), bench.quarter("large")
    as_of = datetime.now(UTC).replace(microsecond=0)
    scope = _org(app, scope_code)
    with psycopg.connect(bench.dsn("large"), autocommit=True) as connection:
        report = report_task(app, scope_code, quarter, as_of)
        bare = Task(lambda: baselines.bare_report_counts(connection, scope.code, scope.path, *quarter, as_of))
        a, b = alternate(report, bare, bench.options.rounds, warmup=bench.options.warmup)
    _check_report(bench, f"report rows = bare SQL counts, {label}, {bench.sizes['large']:,} cases",
                  report.results[-1], bare.results[-1])
    bench.add(slower(number, key, f"SLA report {quarter[0]}–{quarter[1]}, {label}", ms("sla_report", a),
                     ms("bare SQL", b), 1.5, len(a), rows=len(report.results[-1]["rows"]),
                     received=report.results[-1]["received"]))
    explained(bench, key, app, report.run)


def _check_report(bench: Bench, name: str, report: dict, bare: dict) -> None:
    wrong = baselines.differences(report, bare)
    bench.check(name, not wrong and bool(bare), "; ".join(wrong[:5]) or ("no rows" if not bare else ""))


def line_report_province(bench: Bench) -> None:
    _report_vs_sql(bench, "1", "report_province", PROVINCE, f"province {PROVINCE}")


def line_report_tree(bench: Bench) -> None:
    _report_vs_sql(bench, "2", "report_tree", "000000", "whole tree")
    tree = bench.results[-1]
    expected = generate.quarter_cases(bench.sizes["large"])
    bench.check("the quarter holds the cases the generator put there", tree.detail["received"] >= expected,
                f"received {tree.detail['received']}, expected at least {expected}")


def line_report_scale(bench: Bench) -> None:
    as_of = datetime.now(UTC).replace(microsecond=0)
    large, mid = bench.app("large"), bench.app("mid")
    for number, code, label in (("3", "000000", "whole tree"), ("3b", PROVINCE, f"province {PROVINCE}")):
        first = report_task(large, code, bench.quarter("large"), as_of)
        second = report_task(mid, code, bench.quarter("mid"), as_of)
        a, b = alternate(first, second, bench.options.rounds, warmup=bench.options.warmup)
        scope = _org(mid, code)
        with psycopg.connect(bench.dsn("mid"), autocommit=True) as connection:
            bare = baselines.bare_report_counts(connection, code, scope.path, *bench.quarter("mid"), as_of)
        _check_report(bench, f"report rows = bare SQL counts, {label}, {bench.sizes['mid']:,} cases",
                      second.results[-1], bare)
        received = (first.results[-1]["received"], second.results[-1]["received"])
        bench.add(slower(number, "report_scale", f"SLA report, {label}: {_size(bench, 'large')} vs "
                         f"{_size(bench, 'mid')} cases", ms(_size(bench, "large"), a), ms(_size(bench, "mid"), b),
                         1.3, len(a), quarter_received=received,
                         per_quarter_case_ratio=round((median(a) / received[0]) / (median(b) / received[1]), 3)))


def _size(bench: Bench, size: str) -> str:
    return generate.size_label(bench.sizes[size])


# ---------------------------------------------------------------- lines 4–7: lists and pages


def _pages(bench: Bench, number: str, key: str, measure: str, path: str, email: str | None,
           must_contain: str | None) -> None:
    tasks = []
    for size in ("large", "small"):
        app = bench.app(size)
        client = signed_in(app, email) if email else app.test_client()
        tasks.append(page_task(client, path, must_contain))
    a, b = alternate(*tasks, bench.options.rounds, repeat=bench.options.repeat,
                     warmup=bench.options.warmup)
    bench.check(f"{path} answers 200 at both sizes", True)
    bench.add(slower(number, key, measure, ms(_size(bench, "large"), a), ms(_size(bench, "small"), b), 1.5, len(a),
                     bytes=tasks[0].results[-1]))


def list_query_task(app, email: str) -> Task:
    from tracker.cases import queries
    from tracker.cases.scope import Actor
    from tracker.users.models import User

    user_id = _user_id(app, email)

    def run():
        def first_page(session):
            page = queries.list_cases(session, Actor.of(session.get(User, user_id), session), queries.Filters(), 1)
            return len(page.rows)

        return in_request(app, first_page)

    return Task(run)


def line_inbox(bench: Bench) -> None:
    email = generate.staff_email(ORGANISER)
    _pages(bench, "4", "inbox", f"/inbox first page, organiser {ORGANISER}", "/inbox", email, "ZC20")
    tasks = [list_query_task(bench.app(size), email) for size in ("large", "small")]
    a, b = alternate(*tasks, bench.options.rounds, repeat=bench.options.repeat,
                     warmup=bench.options.warmup)
    bench.check("the inbox lists cases at both sizes", all(t.results[-1] > 0 for t in tasks),
                f"rows {[t.results[-1] for t in tasks]}")
    bench.add(slower("4b", "inbox", "list_cases query alone", ms(_size(bench, "large"), a),
                     ms(_size(bench, "small"), b), 1.5, len(a)))
    explained(bench, "inbox", bench.app("large"), tasks[0].run)


def line_supervise_cases(bench: Bench) -> None:
    email = generate.staff_email(PROVINCE)
    _pages(bench, "5", "supervise_cases", f"/supervise/cases, supervisor {PROVINCE}", "/supervise/cases", email,
           "ZC20")
    explained(bench, "supervise_cases", bench.app("large"),
              page_task(signed_in(bench.app("large"), email), "/supervise/cases").run)


def line_supervise(bench: Bench) -> None:
    email = generate.staff_email(PROVINCE)
    _pages(bench, "6", "supervise", f"/supervise dashboard, supervisor {PROVINCE}", "/supervise", email, None)
    explained(bench, "supervise", bench.app("large"), page_task(signed_in(bench.app("large"), email), "/supervise").run)


def line_answers(bench: Bench) -> None:
    _pages(bench, "7", "answers", "public /answers (no login)", "/answers", None, 'class="pre answer"')
    explained(bench, "answers", bench.app("large"), page_task(bench.app("large").test_client(), "/answers").run)


# ---------------------------------------------------------------- line 8: the sweep

class SweepRound:
    """Closed cases made due for the sweep before each call, and put back after it: the most
    recently received closed cases that were due more than a day ago, opened again with a sweep
    time five minutes ago. The sweep marks each overdue and writes its notice; afterwards the cases
    close again and the notices go."""

    def __init__(self, app, dsn: str, cases: int):
        self.app, self.dsn = app, dsn
        self.stats: list[dict] = []
        self.run()  # catch up first, as the periodic sweep would have: the rounds then find only theirs
        with psycopg.connect(dsn) as connection:
            self.saved = connection.execute(
                "SELECT id, state, sweep_at, reminded_at, overdue_at FROM case_report WHERE state = 'closed'"
                " AND due_at < now() - interval '1 day' ORDER BY id DESC LIMIT %s", (cases,)).fetchall()
        self.ids = [row[0] for row in self.saved]
        self.outbox_mark = 0
        self.stats.clear()

    def before(self) -> None:
        with psycopg.connect(self.dsn) as connection:
            self.outbox_mark = connection.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
            connection.execute("UPDATE case_report SET state = 'in_progress', sweep_at = now() - interval '5 minutes',"
                               " reminded_at = NULL, overdue_at = NULL WHERE id = ANY(%s)", (self.ids,))

    def run(self) -> dict:
        from tracker.cases.sweep import sweep

        with self.app.app_context():
            stats = sweep()
        self.stats.append(stats)
        return stats

    def after(self) -> None:
        with psycopg.connect(self.dsn) as connection:
            connection.cursor().executemany(
                "UPDATE case_report SET state = %s, sweep_at = %s, reminded_at = %s, overdue_at = %s WHERE id = %s",
                [(state, sweep_at, reminded, overdue, case_id)
                 for case_id, state, sweep_at, reminded, overdue in self.saved])
            connection.execute("DELETE FROM outbox WHERE id > %s", (self.outbox_mark,))

    def task(self) -> Task:
        return Task(self.run, self.before, self.after)


def line_sweep(bench: Bench) -> None:
    due = bench.options.sweep_cases
    rounds = [SweepRound(bench.app(size), bench.dsn(size), due) for size in ("large", "small")]
    a, b = alternate(rounds[0].task(), rounds[1].task(), bench.options.rounds, warmup=bench.options.warmup)
    expected = {"cases": due, "reminders": 0, "overdue": due}
    stats = [s for r in rounds for s in r.stats]
    bench.check(f"each sweep found its {due:,} due cases and wrote as many overdue notices",
                all(s == expected for s in stats), f"{[s for s in stats if s != expected][:3]}")
    bench.add(slower("8", "sweep", f"deadline sweep, {due:,} due cases", ms(_size(bench, "large"), a),
                     ms(_size(bench, "small"), b), 1.5, len(a)))


# ---------------------------------------------------------------- lines 9–10: intake under gunicorn


def _intake_payloads(dsn: str) -> list[dict]:
    with psycopg.connect(dsn) as connection:
        sites = connection.execute("SELECT s.code, h.host FROM site s JOIN site_host h ON h.site_id = s.id"
                                   " ORDER BY s.id").fetchall()
    return [{"site_code": code, "page_url": f"https://{host}/zwgk/bench-{n}.html", "category": 2,
             "description": "页面上的办事指南已过期，请更新。", "contact_phone": "13800000000",
             "contact_email": "citizen@example.com" if n % 2 else "", "consent": True}
            for n, (code, host) in enumerate(sites)]


def _raw_intake(dsn: str) -> baselines.RawIntake:
    from tracker.workdays import WorkCalendar

    with psycopg.connect(dsn) as connection:
        sites = connection.execute(
            "SELECT s.id, s.code, o.id, o.name, s.supervisor_id, h.host FROM site s"
            " JOIN organisation o ON o.id = s.organiser_id JOIN site_host h ON h.site_id = s.id").fetchall()
    due, remind = baselines.today_due(WorkCalendar(), datetime.now(UTC))
    return baselines.RawIntake(dsn, sites, due, remind)


class Intake:
    """Clients posting reports to a gunicorn serving the large database."""

    def __init__(self, base: str, payloads: list[dict]):
        self.base, self.payloads = base, payloads
        self.numbers: list[str] = []
        self.statuses: Counter = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._next = 0

    def _client(self):
        import httpx

        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(
                base_url=self.base, timeout=30, headers={"Authorization": f"Bearer {generate.TOKEN}"})
        return client

    def post(self) -> int:
        with self._lock:
            payload = self.payloads[self._next % len(self.payloads)]
            self._next += 1
        try:
            response = self._client().post("/api/v1/cases", json=payload)
            status = response.status_code
        except Exception as exc:  # counted as a failure, named in the check
            status = type(exc).__name__
        with self._lock:
            self.statuses[status] += 1
            if status == 201:
                self.numbers.append(response.json()["tracking_number"])
        return status

    def closed_loop(self, clients: int, seconds: float) -> dict:
        """``clients`` threads posting one report after another for ``seconds``."""
        before = self.statuses[201]
        stop_at = time.perf_counter() + seconds

        def client():
            while time.perf_counter() < stop_at:
                self.post()

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        done = self.statuses[201] - before
        return {"count": done, "seconds": elapsed, "per_second": done / elapsed}

    def open_loop(self, rate: float, seconds: float) -> list[float]:
        """Requests started on a fixed schedule (``rate`` per second) whatever the answers; each
        latency counts from its scheduled start, so a queue in front of the server shows."""
        total = int(rate * seconds)
        latencies: list[float] = []
        started = time.perf_counter()

        def one(scheduled: float) -> None:
            status = self.post()
            if status == 201:
                latencies.append(time.perf_counter() - scheduled)

        with ThreadPoolExecutor(max_workers=128) as pool:
            for n in range(total):
                scheduled = started + n / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, scheduled)
        return latencies


def _check_intake(bench: Bench, intake: Intake, last_id: int) -> None:
    failures = {str(k): v for k, v in intake.statuses.items() if k != 201}
    bench.check("intake answered 201 to every report", not failures, f"other answers: {failures}")
    with psycopg.connect(bench.dsn("large")) as connection:
        found = connection.execute("SELECT count(*) FROM case_report WHERE id > %s AND tracking_number = ANY(%s)",
                                   (last_id, intake.numbers)).fetchone()[0]
    bench.check("every 201 of the intake has its case in the database", found == len(intake.numbers),
                f"{found} of {len(intake.numbers)} found")


def _gunicorn_env(bench: Bench) -> dict:
    return {**os.environ, "TRACKER_DATABASE_URL": bench.db("large").url, "TRACKER_SECRET_KEY": "bench-" + "0" * 40,
            "TRACKER_RATE_LIMITS_ENABLED": "0", "TRACKER_CAPTCHA": "0", "TRACKER_EMBEDDED_WORKER": "0",
            "TRACKER_INSTANCE_PATH": str(bench.tmp / "gunicorn"), "TRACKER_BROKER_URL": bench.options.broker_url}


def lines_gunicorn(bench: Bench, keys: set[str]) -> None:
    """Lines 9 and 10 share one gunicorn; the rows they add are deleted afterwards."""
    from tests.conftest import gunicorn_serving

    dsn = bench.dsn("large")
    with psycopg.connect(dsn) as connection:
        last_id = connection.execute("SELECT max(id) FROM case_report").fetchone()[0]
    try:
        with gunicorn_serving(_gunicorn_env(bench), bench.options.workers) as base:
            intake = Intake(base, _intake_payloads(dsn))
            # each worker builds its app and first connections on its first requests: not measured
            intake.closed_loop(bench.options.clients, min(2.0, bench.options.intake_seconds))
            if "intake" in keys:
                _line_intake(bench, intake, _raw_intake(dsn))
            if "latency" in keys:
                _line_latency(bench, intake)
        _check_intake(bench, intake, last_id)
    finally:
        removed = baselines.delete_cases_after(dsn, last_id)
        print(f"  removed the {removed:,} cases lines 9–10 added", file=sys.stderr)


def _line_intake(bench: Bench, intake: Intake, raw: baselines.RawIntake) -> None:
    options = bench.options
    app_rounds, raw_rounds = [], []
    app = Task(lambda: app_rounds.append(intake.closed_loop(options.clients, options.intake_seconds)))
    hand = Task(lambda: raw_rounds.append(raw.run(options.clients, options.intake_seconds)))
    alternate(app, hand, options.rounds, warmup=0)
    a = Figure("app", median([r["per_second"] for r in app_rounds]), "/s")
    b = Figure("psycopg", median([r["per_second"] for r in raw_rounds]), "/s")
    bench.add(share("9", "intake", f"POST /api/v1/cases, gunicorn {options.workers} workers, {options.clients}"
                    " clients", a, b, 0.25, len(app_rounds),
                    app_reports=sum(r["count"] for r in app_rounds), raw_reports=sum(r["count"] for r in raw_rounds)))


def _line_latency(bench: Bench, intake: Intake) -> None:
    options = bench.options
    latencies = intake.open_loop(options.latency_rate, options.latency_seconds)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    bench.add(Result("10", "latency", f"intake latency, open loop {options.latency_rate:g}/s for "
                     f"{options.latency_seconds:g} s", Figure("p50", p50 * 1000, "ms"), Figure("p99", p99 * 1000, "ms"),
                     p99 * 1000, f"p99 {p99 * 1000:.0f} ms", "p99 < 100 ms", p99 < 0.1, 1,
                     {"requests": len(latencies), "max_ms": round(max(latencies, default=0) * 1000, 1)}))


# ---------------------------------------------------------------- line 11: import


def _records_file(bench: Bench) -> tuple[Path, int]:
    """The public records, or their first ``--import-records`` lines in a file of their own."""
    with gzip.open(RECORDS, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if 0 < bench.options.import_records < len(lines):
        lines = lines[:bench.options.import_records]
        path = bench.tmp / "records.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.writelines(lines)
        return path, len(lines)
    return RECORDS, len(lines)


def _cli_env(bench: Bench, url: str) -> dict:
    return {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "bench-" + "0" * 40,
            "TRACKER_EMBEDDED_WORKER": "0", "TRACKER_RATE_LIMITS_ENABLED": "0",
            "TRACKER_INSTANCE_PATH": str(bench.tmp / "cli")}


def line_import(bench: Bench) -> None:
    if not RECORDS.exists():
        bench.notes.append(f"line 11 skipped: {RECORDS} not found")
        return
    records, count = _records_file(bench)
    imported_url = generate.sibling_url(bench.options.url, "_import")
    raw_url = generate.sibling_url(bench.options.url, "_import_raw")
    rows: dict = {}

    def fresh(url: str) -> None:
        generate.recreate(url)
        generate.migrate(url)

    def run_import():
        done = subprocess.run([str(TRACKER), "import-records", str(records)], env=_cli_env(bench, imported_url),
                              capture_output=True, text=True)
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]

    def keep_rows():  # what the raw side writes again: the first import's rows
        if not rows:
            rows.update(baselines.imported_rows(generate.psycopg_dsn(imported_url)))

    def raw_before():
        fresh(raw_url)
        baselines.prepare_raw_import(generate.psycopg_dsn(raw_url), rows)

    app = Task(run_import, lambda: fresh(imported_url), keep_rows)
    hand = Task(lambda: baselines.raw_import(generate.psycopg_dsn(raw_url), rows), raw_before)
    a, b = alternate(app, hand, bench.options.heavy_rounds, warmup=0)
    summaries = app.results
    bench.check(f"the import imported all {count:,} records",
                all(s == f"imported {count}, already present 0, errors 0" for s in summaries), f"{summaries[:2]}")
    case_rows = len(rows.get("case_report", ([], []))[1])
    bench.add(share("11", "import", f"tracker import-records, {count:,} records", Figure(
        "import", count / median(a), "records/s"), Figure("executemany", count / median(b), "records/s"), 0.2, len(a),
        import_seconds=round(median(a), 2), raw_seconds=round(median(b), 2), case_rows=case_rows,
        event_rows=len(rows.get("case_event", ([], []))[1])))


# ---------------------------------------------------------------- line 12: export memory


def line_export(bench: Bench) -> None:
    url = bench.db("large").url
    with psycopg.connect(bench.dsn("large")) as connection:
        first, last = connection.execute("SELECT min(received_at), max(received_at) FROM case_report").fetchone()
    beijing = timedelta(hours=8)
    first_day, last_day = (first + beijing).date(), (last + beijing).date()
    one_day = bench.quarter("large")[1]
    env = _cli_env(bench, url)
    for number, fmt in (("12", "csv"), ("12b", "xlsx")):
        runs: dict[str, list] = {"all": [], "day": []}

        def export(days: tuple[date, date], label: str, fmt=fmt, runs=runs):
            command = ["report", "--from", days[0].isoformat(), "--to", days[1].isoformat(), "--format", fmt]
            if fmt == "xlsx":
                command += ["--output", str(bench.tmp / f"report-{label}.xlsx")]
            done = run_tracker(command, env)
            if done.returncode != 0:
                raise BenchFailure(f"tracker report {fmt} {label} failed: {done.stderr[-500:]}")
            runs[label].append(done)

        alternate(Task(lambda e=export: e((first_day, last_day), "all")),
                  Task(lambda e=export: e((one_day, one_day), "day")), bench.options.heavy_rounds, warmup=0)
        whole = max(r.max_rss_mb for r in runs["all"])
        day = max(r.max_rss_mb for r in runs["day"])
        growth = whole - day
        bench.add(Result(number, "export", f"tracker report --format {fmt}, {first_day}–{last_day} vs {one_day}",
                         Figure("all", whole, "MB"), Figure("one day", day, "MB"), growth, f"+{growth:.0f} MB",
                         "≤ 50 MB", growth <= 50, len(runs["all"]),
                         {"seconds_all": round(median([r.seconds for r in runs["all"]]), 2),
                          "seconds_day": round(median([r.seconds for r in runs["day"]]), 2)}))


# ---------------------------------------------------------------- the lines


@dataclass(frozen=True)
class Line:
    number: int
    key: str
    sizes: frozenset
    run: Callable[[Bench], None] | None


LARGE, MID, SMALL = "large", "mid", "small"
LINES = [
    Line(1, "report_province", frozenset({LARGE}), line_report_province),
    Line(2, "report_tree", frozenset({LARGE}), line_report_tree),
    Line(3, "report_scale", frozenset({LARGE, MID}), line_report_scale),
    Line(4, "inbox", frozenset({LARGE, SMALL}), line_inbox),
    Line(5, "supervise_cases", frozenset({LARGE, SMALL}), line_supervise_cases),
    Line(6, "supervise", frozenset({LARGE, SMALL}), line_supervise),
    Line(7, "answers", frozenset({LARGE, SMALL}), line_answers),
    Line(8, "sweep", frozenset({LARGE, SMALL}), line_sweep),
    Line(9, "intake", frozenset({LARGE}), None),
    Line(10, "latency", frozenset({LARGE}), None),
    Line(11, "import", frozenset(), line_import),
    Line(12, "export", frozenset({LARGE}), line_export),
]
ALIASES = {
    "report": ["report_province", "report_tree", "report_scale"],
    "pages": ["inbox", "supervise_cases", "supervise", "answers"],
    "gunicorn": ["intake", "latency"],
}


def selected(only: list[str]) -> list[Line]:
    """The lines named by ``--only`` (keys, numbers or aliases), in order; all without it."""
    if not only:
        return list(LINES)
    wanted: set[str] = set()
    by_number = {str(line.number): line.key for line in LINES}
    for name in only:
        keys = ALIASES.get(name) or [by_number.get(name, name)]
        unknown = [k for k in keys if k not in {line.key for line in LINES}]
        if unknown:
            known = ", ".join([line.key for line in LINES] + list(ALIASES))
            raise SystemExit(f"unknown line {name!r}; known: {known} (or 1–12)")
        wanted.update(keys)
    return [line for line in LINES if line.key in wanted]


def run_lines(bench: Bench, lines: list[Line]) -> None:
    keys = {line.key for line in lines}
    bench.prepare(set().union(*(line.sizes for line in lines)))
    for line in lines:
        if line.key == "latency" and "intake" in keys:
            continue  # measured with line 9, on the same server
        print(f"line {line.number}: {line.key}", file=sys.stderr, flush=True)
        try:
            if line.run is None:
                lines_gunicorn(bench, keys & {"intake", "latency"})
            else:
                line.run(bench)
        except BaseException as exc:  # one broken line does not hide the others' figures
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            traceback.print_exc()
            bench.check(f"line {line.number} ({line.key}) ran", False, f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------- output


def table(bench: Bench) -> str:
    header = ("#", "measure", "A", "B", "ratio", "goal", "met")
    rows = [(r.number, r.measure, r.a.text(), r.b.text(), r.ratio_text, r.goal,
             "yes" if r.met else "NO" if r.met is not None else "") for r in bench.results]
    widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(_pad(str(cell), widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def postgres_version(url: str) -> str:
    with psycopg.connect(generate.psycopg_dsn(url)) as connection:
        return connection.execute("SELECT version()").fetchone()[0]


def write_json(bench: Bench, started: float) -> Path:
    options = bench.options
    options.results.mkdir(parents=True, exist_ok=True)
    any_db = next(iter(bench.databases.values()), None)
    data = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "postgresql": postgres_version(any_db.url) if any_db else None,
        "python": platform.python_version(),
        "sizes": {size: database.summary() for size, database in bench.databases.items()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()},
        "lines": [r.as_json() for r in bench.results],
        "checks": bench.checks,
        "notes": bench.notes,
    }
    path = options.results / "national.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
    return path


# ---------------------------------------------------------------- entry point


def parse(argv: list[str]) -> Options:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m tests.bench national",
                                     description="The app at national scale on PostgreSQL (make bench).")
    parser.add_argument("--only", default="", help="comma-separated lines: keys, numbers or report/pages/gunicorn")
    parser.add_argument("--cases", type=int, default=int(env("TRACKER_BENCH_CASES", "1000000")))
    parser.add_argument("--mid-cases", type=int, default=25_000, help="the smaller size of line 3")
    parser.add_argument("--small-cases", type=int, default=10_000, help="the smaller size of lines 4–8")
    parser.add_argument("--url", default=env("TRACKER_BENCH_DATABASE_URL", generate.DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", default=env("TRACKER_BENCH_REUSE") == "1",
                        help="keep databases that already hold their size (TRACKER_BENCH_REUSE=1)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per ratio")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls of each side first")
    parser.add_argument("--heavy-rounds", type=int, default=1, help="rounds of the import and the exports")
    parser.add_argument("--repeat", type=int, default=3, help="calls per round of a page or a list")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--intake-seconds", type=float, default=4.0, help="length of one intake round")
    parser.add_argument("--latency-rate", type=float, default=40.0)
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--sweep-cases", type=int, default=1000, help="due cases of line 8")
    parser.add_argument("--import-records", type=int, default=0, help="import only the first N records (0: all)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    parser.add_argument("--broker-url", default=env("TRACKER_BENCH_BROKER_URL", ""),
                        help="TRACKER_BROKER_URL of the gunicorn workers (default: the in-process stub)")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    return Options(**vars(args))


def run(argv: list[str] | None = None) -> dict:
    """Run the selected lines; print the table; write the JSON. Raises when a check failed."""
    options = parse(list(argv or []))
    instance = os.environ.get("TRACKER_INSTANCE_PATH")
    if instance is None:  # the apps built here keep nothing in the repository's instance folder
        os.environ["TRACKER_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="tracker-bench-instance-")
    started = time.perf_counter()
    bench = Bench(options)
    try:
        run_lines(bench, selected(options.only))
    finally:
        bench.close()
        if instance is None:
            del os.environ["TRACKER_INSTANCE_PATH"]
    path = write_json(bench, started)
    print()
    print(table(bench))
    for note in bench.notes:
        print(note)
    failed = [c for c in bench.checks if not c["ok"]]
    print(f"\nchecks: {len(bench.checks) - len(failed)} of {len(bench.checks)} passed; results in {path}")
    if failed:
        raise BenchFailure("; ".join(f"{c['name']}: {c['detail']}" for c in failed))
    met = sum(1 for r in bench.results if r.met)
    return {"goals_met": f"{met} of {len(bench.results)}", "results": str(path)}


if __name__ == "__main__":
    print(run(sys.argv[1:]))
