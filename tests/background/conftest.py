"""Fixtures for the background tests: brokers, the mail folder, subprocess environments."""
from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tracker.extensions import db
from tracker.jobs import broker as tracker_broker

VENV_BIN = Path(sys.executable).parent


@pytest.fixture()
def stub_broker():
    """The embedded stub broker, emptied before and after the test."""
    stub = tracker_broker.make_broker("")
    with tracker_broker.using(stub):
        stub.flush_all()
        yield stub
        stub.flush_all()


def mail_dir(app) -> Path:
    return Path(app.config["MAIL_URL"].removeprefix("file://"))


def read_mail(folder: Path) -> list[email.message.Message]:
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def mail_counts(folder: Path, topic: str | None = None) -> Counter:
    """(outbox id, recipient) -> number of .eml files."""
    return Counter((m["X-Tracker-Outbox"], m["To"]) for m in read_mail(folder)
                   if topic is None or m["X-Tracker-Topic"] == topic)


def subprocess_env(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({
        "TRACKER_DATABASE_URL": app.config["DATABASE_URL"],
        "TRACKER_MAIL_URL": app.config["MAIL_URL"],
        "TRACKER_SECRET_KEY": "test-secret-key",
        "TRACKER_SINGLE_PROCESS": "1",
        "TRACKER_INSTANCE_PATH": str(mail_dir(app).parent / "instance"),
        "TRACKER_BASE_URL": app.config["BASE_URL"],
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_tracker(app, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "tracker"), *args], env=subprocess_env(app, **env),
                          capture_output=True, text=True, timeout=180)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 60, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        db._state().session.remove()
        if value:
            return value
        db._state().session.remove()
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")
