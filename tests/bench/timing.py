"""Timing helpers of the benchmarks: alternating rounds, medians, percentiles, the peak memory of a
``tracker`` command, and the SQL a measured call runs (with EXPLAIN ANALYZE of the slowest)."""
from __future__ import annotations

import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import sqlalchemy as sa


@dataclass
class Task:
    """One side of a comparison: ``run`` is timed; ``before`` and ``after`` (not timed) set up and
    clean up around each call."""

    run: Callable[[], object]
    before: Callable[[], object] | None = None
    after: Callable[[], object] | None = None
    results: list = field(default_factory=list)

    def once(self) -> float:
        if self.before is not None:
            self.before()
        started = time.perf_counter()
        result = self.run()
        elapsed = time.perf_counter() - started
        if self.after is not None:
            self.after()
        self.results.append(result)
        return elapsed


def alternate(first: Task, second: Task, rounds: int, *, repeat: int = 1, warmup: int = 1
              ) -> tuple[list[float], list[float]]:
    """Seconds per call of each side, one figure per round (the mean of ``repeat`` calls).

    The sides take turns, and the order flips every round (A B, B A, A B, …), so that a slow
    drift of the machine weighs on both alike. ``warmup`` calls of each side come first, untimed.
    """
    for _ in range(warmup):
        first.once()
        second.once()
    first.results.clear()
    second.results.clear()
    times: tuple[list[float], list[float]] = ([], [])
    for number in range(rounds):
        order = ((first, times[0]), (second, times[1]))
        for task, out in (order if number % 2 == 0 else order[::-1]):
            out.append(sum(task.once() for _ in range(repeat)) / repeat)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 for p99)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


@dataclass
class ChildRun:
    seconds: float
    max_rss_mb: float
    returncode: int
    stderr: str


#: ``tracker`` as its console script runs it, writing at exit the process's peak resident memory
#: (``VmHWM``) to the file named by ``TRACKER_BENCH_PEAK_FILE``
PEAK_WRAPPER = """
import atexit, os, sys

def _peak():
    with open("/proc/self/status") as status, open(os.environ["TRACKER_BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(_peak)
sys.argv[0] = "tracker"
from tracker.cli import main
sys.exit(main())
"""


def run_tracker(arguments: list[str], env: dict, *, stdout=subprocess.DEVNULL) -> ChildRun:
    """Run ``tracker ARGUMENTS`` in a new process; its wall time and peak resident memory.

    The peak is the child's own ``VmHWM``, counted from its exec. ``wait4``'s ``ru_maxrss`` will not
    do: Linux carries the high-water mark of the memory the child started in (the parent's, when
    it is spawned with vfork) across the exec, so a large parent would show in every child.
    """
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *arguments], stdout=stdout,
                              stderr=subprocess.PIPE, env={**env, "TRACKER_BENCH_PEAK_FILE": str(peak_file)})
        seconds = time.perf_counter() - started
        peak_kb = int(peak_file.read_text()) if peak_file.exists() else math.nan
    return ChildRun(seconds, peak_kb / 1024, done.returncode, done.stderr.decode(errors="replace"))


# ---------------------------------------------------------------- the SQL behind a call


@dataclass
class Statement:
    sql: str
    parameters: object
    seconds: float


@contextmanager
def captured_sql(engine: sa.Engine):
    """Collect every statement ``engine`` runs inside the block, with its parameters and time."""
    statements: list[Statement] = []
    started: dict[int, float] = {}

    def before(_conn, cursor, _statement, _parameters, _context, _executemany):
        started[id(cursor)] = time.perf_counter()

    def after(_conn, cursor, statement, parameters, _context, _executemany):
        statements.append(Statement(statement, parameters, time.perf_counter() - started.pop(id(cursor), 0.0)))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def explain(engine: sa.Engine, statements: list[Statement], top: int = 3) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the ``top`` slowest SELECTs among ``statements``."""
    reads = [s for s in statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    reads.sort(key=lambda s: s.seconds, reverse=True)
    parts = []
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        cursor = psycopg.ClientCursor(driver)  # binds on the client: the statement can be shown whole
        for statement in reads[:top]:
            literal = cursor.mogrify(statement.sql, statement.parameters)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + literal)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            shown = literal if len(literal) <= 6000 else literal[:6000] + f" … ({len(literal):,} characters)"
            parts.append(f"-- {statement.seconds * 1000:.1f} ms when measured\n{shown};\n\n{plan}\n")
        connection.rollback()
    return "\n".join(parts)
