"""The ``tracker`` console script: help, and the schema both ways, as a user runs it."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import ROOT

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


def _bare_env(tmp_path, **settings) -> dict:
    """The environment of a fresh shell: no TRACKER_* setting at all, unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    # this tree's package, whichever copy the console script was installed from
    env.update({"HOME": str(tmp_path), "PYTHONPATH": str(ROOT), **settings})
    return env


def test_help_works_with_no_configuration_at_all(tmp_path):
    done = subprocess.run([str(TRACKER), "--help"], env=_bare_env(tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    for command in ("run", "db", "demo", "calendar", "create-user", "report", "sweep", "import-records"):
        assert f"\n  {command} " in done.stdout, command
    sub = subprocess.run([str(TRACKER), "calendar", "--help"], env=_bare_env(tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert sub.returncode == 0 and "load" in sub.stdout and sub.stderr == ""


@pytest.mark.parametrize("setting,value,words", [
    ("TRACKER_ANSWER_WORKDAYS", "three", "TRACKER_ANSWER_WORKDAYS='three' is not valid"),
    ("TRACKER_BROKER_URL", "carrier-pigeon://loft", "TRACKER_BROKER_URL='carrier-pigeon://loft'"),
    ("TRACKER_SECRET_KEY", "dev-only-change-me", "old public development key"),
])
def test_a_configuration_error_is_one_clear_line(tmp_path, setting, value, words):
    env = _bare_env(tmp_path, TRACKER_INSTANCE_PATH=str(tmp_path / "instance"), TRACKER_SINGLE_PROCESS="1",
                    **{setting: value})
    done = subprocess.run([str(TRACKER), "calendar", "status"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: configuration: ") and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr
