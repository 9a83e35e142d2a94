"""The ``tracker`` console script: help, and the schema both ways, as a user runs it."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TRACKER = Path(sys.executable).with_name("tracker")


@pytest.fixture()
def run_tracker(tmp_path):
    db_file = tmp_path / "cli.sqlite3"
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{db_file}", "TRACKER_DEBUG": "1",
           "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"), "TRACKER_EMBEDDED_WORKER": "0"}

    def run(*args: str) -> subprocess.CompletedProcess:
        assert TRACKER.exists(), f"console script missing at {TRACKER}: pip install -e ."
        return subprocess.run([str(TRACKER), *args], env=env, capture_output=True, text=True, timeout=120)

    run.db_file = db_file
    return run


def tables(db_file: Path) -> set[str]:
    with sqlite3.connect(db_file) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_help_lists_the_commands(run_tracker):
    done = run_tracker("--help")
    assert done.returncode == 0, done.stderr
    for command in ("run", "db", "demo"):
        assert f"\n  {command} " in done.stdout


def test_db_upgrade_then_downgrade_base(run_tracker):
    done = run_tracker("db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "database at head" in done.stdout
    assert {"case_report", "organisation", "site", "user_account", "outbox"} <= tables(run_tracker.db_file)

    done = run_tracker("db", "downgrade", "base")
    assert done.returncode == 0, done.stderr
    assert tables(run_tracker.db_file) == {"alembic_version"}
