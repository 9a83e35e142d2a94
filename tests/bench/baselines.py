"""What the app is compared with: the same work written by hand with psycopg, and nothing more.

- :func:`bare_report_counts`: the report's seven counts per row in one ``GROUP BY`` with
  ``count(*) FILTER (WHERE …)``, over the same rows (the window, the scope's subtree, the owner
  of each case as the report defines it);
- :class:`RawIntake`: the rows a report taken in over the API writes (the case, its submit and
  assign events, its outbox rows), one transaction per report;
- :func:`raw_import`: the case and event rows an import wrote, inserted again with executemany.
"""
from __future__ import annotations

import hashlib
import itertools
import random
import secrets
import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb

from tracker.reports.params import COUNT_KEYS
from tracker.workdays import start_of_day

BARE_REPORT = """
SELECT split_part(o.path, '/', %(depth)s) AS child,
       count(*) FILTER (WHERE c.received_at <= %(as_of)s) AS received,
       count(*) FILTER (WHERE c.state = 'closed' AND c.closed_at <= %(as_of)s) AS closed,
       count(*) FILTER (WHERE c.state = 'closed' AND c.closed_at <= %(as_of)s
                        AND coalesce(c.answered_at, c.closed_at) < c.due_at) AS closed_on_time,
       count(*) FILTER (WHERE c.state = 'closed' AND c.closed_at <= %(as_of)s
                        AND coalesce(c.answered_at, c.closed_at) >= c.due_at) AS closed_late,
       count(*) FILTER (WHERE NOT (c.state = 'closed' AND c.closed_at <= %(as_of)s)
                        AND c.due_at <= %(as_of)s) AS open_overdue,
       count(*) FILTER (WHERE NOT (c.state = 'closed' AND c.closed_at <= %(as_of)s)
                        AND c.due_at > %(as_of)s) AS open_not_due,
       count(*) FILTER (WHERE c.state = 'closed' AND c.closed_at <= %(as_of)s AND c.outcome = 'fixed') AS confirmed
FROM case_report c
JOIN organisation o ON o.id = coalesce(c.organiser_id, c.supervisor_id)
WHERE c.received_at >= %(start)s AND c.received_at < %(end)s AND c.received_at <= %(as_of)s
  AND o.path LIKE %(prefix)s
GROUP BY 1
"""


def bare_report_counts(connection: psycopg.Connection, scope_code: str, scope_path: str, date_from: date,
                       date_to: date, as_of: datetime) -> dict[str, dict[str, int]]:
    """Row code -> the seven counts; the scope's own cases under its own code (本级).

    Rows go by the direct child of the scope whose subtree holds the case's owner: the path
    segment right below the scope's. No case in the benchmark's data was reopened after
    ``as_of``, so none needs its history replayed.
    """
    rows = connection.execute(BARE_REPORT, {
        "depth": scope_path.count("/") + 1, "as_of": as_of, "start": start_of_day(date_from),
        "end": start_of_day(date_to + timedelta(days=1)), "prefix": scope_path + "%"}).fetchall()
    return {child or scope_code: dict(zip(COUNT_KEYS, counts, strict=True)) for child, *counts in rows}


def report_counts(report: dict) -> dict[str, dict[str, int]]:
    """Row code -> the seven counts, from a report of :func:`tracker.reports.figures.sla_report`."""
    return {row["key"]: {key: row[key] for key in COUNT_KEYS} for row in report["rows"]}


def differences(report: dict, bare: dict) -> list[str]:
    """Where the report's counts and the bare SQL's differ (empty when they agree)."""
    mine = report_counts(report)
    found = []
    for code in sorted(set(mine) | set(bare)):
        if mine.get(code) != bare.get(code):
            found.append(f"{code}: report {mine.get(code)} vs SQL {bare.get(code)}")
    return found


# ---------------------------------------------------------------- intake

CASE_INSERT = """
INSERT INTO case_report (tracking_number, query_code_hash, source, state, site_id, site_code_given, organiser_id,
    supervisor_id, category_code, page_url, description, contact_name, contact_phone, contact_email,
    received_at, answer_workdays, due_at, due_is_provisional, assigned_at, sweep_at, updated_at)
VALUES (%s, %s, 'api', 'assigned', %s, %s, %s, %s, %s, %s, %s, '', %s, %s, %s, 3, %s, false, %s, %s, %s)
RETURNING id
"""
EVENT_INSERT = """
INSERT INTO case_event (case_id, action, actor_user_id, actor_label, state_before, state_after, is_public, data,
    created_at) VALUES (%s, %s, NULL, %s, %s, %s, true, %s, %s)
"""
OUTBOX_INSERT = """
INSERT INTO outbox (topic, case_id, payload, created_at, next_attempt_at, attempts) VALUES (%s, %s, %s, %s, %s, 0)
"""


class RawIntake:
    """The rows of one report taken in, written by hand: ``threads`` connections for ``seconds``."""

    def __init__(self, dsn: str, sites: list[tuple], due_at: datetime, remind_at: datetime):
        self.dsn, self.sites, self.due_at, self.remind_at = dsn, sites, due_at, remind_at
        self.numbers = itertools.count(1)
        self.prefix = secrets.token_hex(3).upper()

    def _one(self, connection: psycopg.Connection, rng: random.Random) -> None:
        site_id, site_code, organiser_id, organiser_name, supervisor_id, host = rng.choice(self.sites)
        now = datetime.now(UTC)
        number = f"RB{self.prefix}-{next(self.numbers):08d}"
        query_hash = hashlib.sha256(secrets.token_hex(8).encode()).hexdigest()
        with connection.transaction():
            case_id = connection.execute(CASE_INSERT, (
                number, query_hash, site_id, site_code, organiser_id, supervisor_id, 2,
                f"https://{host}/zwgk/bench.html", "页面上的办事指南已过期。", "13800000000", "citizen@example.com",
                now, self.due_at, now, self.remind_at, now)).fetchone()[0]
            connection.execute(EVENT_INSERT, (case_id, "submit", "网民", None, "received", Jsonb(
                {"route": "code", "candidates": [site_code], "workdays": 3}), now))
            connection.execute(EVENT_INSERT, (case_id, "assign", "系统", "received", "assigned", Jsonb(
                {"organiser_id": organiser_id, "organiser": organiser_name}), now))
            connection.execute(OUTBOX_INSERT, ("case_assigned", case_id, Jsonb({"organiser_id": organiser_id}),
                                               now, now))
            connection.execute(OUTBOX_INSERT, ("case_received", case_id, Jsonb({"query_code": secrets.token_hex(8)}),
                                               now, now))

    def run(self, threads: int, seconds: float) -> dict:
        """Reports written per second by ``threads`` threads, each on its own connection."""
        counts = [0] * threads
        errors: list[BaseException] = []
        connections = [psycopg.connect(self.dsn) for _ in range(threads)]
        stop_at = [0.0]

        def worker(index: int) -> None:
            rng = random.Random(index)
            try:
                while time.perf_counter() < stop_at[0]:
                    self._one(connections[index], rng)
                    counts[index] += 1
            except BaseException as exc:  # reported after the round
                errors.append(exc)

        workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        started = time.perf_counter()
        stop_at[0] = started + seconds
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        elapsed = time.perf_counter() - started
        for connection in connections:
            connection.close()
        if errors:
            raise errors[0]
        return {"count": sum(counts), "seconds": elapsed, "per_second": sum(counts) / elapsed}


# ---------------------------------------------------------------- import


def imported_rows(dsn: str) -> dict:
    """Everything an import wrote: the tree, sites and hosts (set up, not timed), cases and events."""
    tables = {}
    with psycopg.connect(dsn) as connection:
        for table in ("organisation", "site", "site_host", "case_report", "case_event"):
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")
            columns = [c.name for c in cursor.description]
            rows = cursor.fetchall()
            if table == "case_event":
                position = columns.index("data")
                rows = [(*row[:position], Jsonb(row[position]), *row[position + 1:]) for row in rows]
            tables[table] = (columns, rows)
    return tables


def _insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def prepare_raw_import(dsn: str, tables: dict) -> None:
    """Copy the tree, sites and hosts into the migrated, empty database at ``dsn``."""
    with psycopg.connect(dsn) as connection:
        cursor = connection.cursor()
        cursor.execute("DELETE FROM organisation")  # the national root, where the migrations make one
        for table in ("organisation", "site", "site_host"):
            columns, rows = tables[table]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def raw_import(dsn: str, tables: dict) -> int:
    """Insert the cases and their events with executemany, in one transaction; returns the rows written."""
    written = 0
    with psycopg.connect(dsn) as connection:
        cursor = connection.cursor()
        for table in ("case_report", "case_event"):
            columns, rows = tables[table]
            cursor.executemany(_insert_sql(table, columns), rows)
            written += len(rows)
    return written


# ---------------------------------------------------------------- clean-up

REFERRING = """
SELECT c.conrelid::regclass::text, a.attname, r.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND array_length(c.conkey, 1) = 1
"""


def delete_cases_after(dsn: str, last_id: int) -> int:
    """Delete the cases with an id above ``last_id`` and every row that refers to them, found
    through the foreign keys (so the tables of other versions of the app are covered too)."""
    with psycopg.connect(dsn) as connection:
        where = f"id > {int(last_id)}"
        _delete_referring(connection, "case_report", where, 0)
        return connection.execute(f"DELETE FROM case_report WHERE {where}").rowcount


def _delete_referring(connection: psycopg.Connection, table: str, where: str, depth: int) -> None:
    """Delete, deepest first, the rows that refer to the rows of ``table`` that meet ``where``."""
    if depth > 4:
        raise RuntimeError(f"foreign keys nest too deep below {table}")
    for child, column, referred in connection.execute(REFERRING, (table,)).fetchall():
        if child == table:
            continue
        child_where = f"{column} IN (SELECT {referred} FROM {table} WHERE {where})"
        _delete_referring(connection, child, child_where, depth + 1)
        connection.execute(f"DELETE FROM {child} WHERE {child_where}")


def today_due(calendar, now: datetime) -> tuple[datetime, datetime]:
    """The due time and reminder time of a report received at ``now`` (for the raw intake's rows)."""
    due = calendar.due(now, 3).due_at
    return due, calendar.reminder_at(due, 1)

