"""How long ``tracker demo`` takes to build its province into a fresh SQLite database."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRACKER = Path(sys.executable).with_name("tracker")


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "TRACKER_DEBUG": "1",
               "TRACKER_EMBEDDED_WORKER": "0", "TRACKER_INSTANCE_PATH": tmp}
        subprocess.run([str(TRACKER), "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run([str(TRACKER), "demo", "--today", "2024-06-28"], env=env, check=True,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
    cases = next(line for line in done.stdout.splitlines() if line.startswith("Demo loaded"))
    return {"demo_seconds_sqlite": round(seconds, 2), "demo_summary": cases}
