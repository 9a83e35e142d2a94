"""Shared fixtures.

The suite runs on SQLite by default (``pytest --db=postgresql`` runs it on the database named by
``TRACKER_TEST_DATABASE_URL``). Each test runs inside a transaction that is rolled back; tests
that need real commits across threads or processes use ``committed_app``.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlmodel import Session
from werkzeug.serving import make_server

from tests.factories import Factory
from tracker import ROOT, create_app
from tracker.db import make_engine
from tracker.extensions import db as tracker_db

IN_CI = os.environ.get("CI", "").lower() == "true"
RECORDS_PATH = ROOT.parent / "shared" / "data" / "public-records-2023h2" / "records.jsonl.gz"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "CAPTCHA": False,
    "RATE_LIMITS_ENABLED": False,
    "WTF_CSRF_ENABLED": False,
    "EMBEDDED_WORKER": False,
    "SESSION_COOKIE_SECURE": False,
    "PROBE": False,  # no test fetches a page unless it turns page checks on (tests/evidence)
}


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite", choices=("sqlite", "postgresql"),
                     help="database for the suite (postgresql needs TRACKER_TEST_DATABASE_URL)")


def require_service(env_name: str) -> str:
    """The URL in ``env_name``; skip without it, or fail under CI=true."""
    url = os.environ.get(env_name)
    if not url:
        message = f"{env_name} is not set"
        if IN_CI:
            pytest.fail(f"{message}: CI must run this test against the real service")
        pytest.skip(message)
    return url


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def sibling_postgres_url(url: str, suffix: str) -> str:
    """The URL of database ``<name><suffix>`` on the same server, created when missing."""
    base = sa.engine.make_url(url)
    name = f"{base.database}{suffix}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def fresh_database_url(kind: str, tmp_path: Path, suffix: str = "_committed") -> str:
    """A new, empty database of ``kind`` migrated to head.

    On PostgreSQL it is ``<name><suffix>`` beside the suite's own database (suffix "" is the suite's
    own, used by the rolled-back tests), so committed data never shows in the rolled-back tests.
    """
    from alembic import command

    from tracker.migrate import alembic_config

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
    else:
        url = require_service("TRACKER_TEST_DATABASE_URL")
        if suffix:
            url = sibling_postgres_url(url, suffix)
        reset_postgres(url)
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def engine(db_kind, tmp_path_factory):
    url = fresh_database_url(db_kind, tmp_path_factory.mktemp("db"), suffix="")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture()
def app(engine, tmp_path):
    """An app whose every session shares one connection, rolled back after the test."""
    app = create_app({**BASE_CONFIG, "DATABASE_URL": str(engine.url.render_as_string(hide_password=False)),
                      "ENGINE": engine, "MAIL_URL": f"file://{tmp_path / 'mail'}"})
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, class_=Session, expire_on_commit=False,
                           join_transaction_mode="create_savepoint")
    state = app.extensions["tracker.db"]
    state.session = scoped_session(factory)
    with app.app_context():
        yield app
        state.session.remove()
    outer.rollback()
    connection.close()


@pytest.fixture()
def committed_app(db_kind, tmp_path):
    """An app on a fresh database of its own, with real commits (for threads and processes)."""
    url = fresh_database_url(db_kind, tmp_path)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "MAIL_URL": f"file://{tmp_path / 'mail'}"})
    with app.app_context():
        yield app
        app.extensions["tracker.db"].session.remove()
    app.extensions["tracker.db"].engine.dispose()


@pytest.fixture()
def session(app):
    return tracker_db.session


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def factory(session):
    """Builders for organisations, sites, users and cases: ``factory.case(**overrides)``."""
    return Factory(session)


@pytest.fixture(scope="session")
def records_path() -> Path:
    """The national platform's public records, read from ../shared."""
    if not RECORDS_PATH.exists():
        message = f"public records not found at {RECORDS_PATH}"
        if IN_CI:
            pytest.fail(message + " (CI always has ../shared)")
        pytest.skip(message)
    return RECORDS_PATH


# ---------------------------------------------------------------- browser tests

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def serving(app):
    """Serve ``app`` on a free local port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(autouse=True)
def _loaded_pages_pass_axe(request):
    """In a browser test, every document loaded in a tab of ``tests.browser.new_tab`` has 0 axe-core
    violations (checked as it loads, reported here)."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    from tests import browser

    browser.TABS.clear()
    yield
    found = browser.loaded_page_findings()
    browser.TABS.clear()
    assert not found, "axe-core on pages loaded during the test:\n" + "\n".join(found)


@pytest.fixture()
def chromium():
    """The system's Chromium (Debian's package), headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def gunicorn_serving(env: dict, workers: int):
    """Serve ``tracker:create_app()`` with gunicorn (``workers`` sync workers) on a free local port,
    with ``env`` as its environment; yields the base URL once ``GET /login`` answers."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
                               "tracker:create_app()"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode(errors="replace") if server.stdout else ""
                server.kill()
                pytest.fail(f"gunicorn did not start:\n{output[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
