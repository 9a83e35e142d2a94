"""The embedded default (``make run``: SQLite and the in-process worker) under light concurrency.

Reports arrive and staff log in while the worker delivers the reports' mail. A request that read
first and then wrote could not wait for the worker's write lock ("database is locked"); requests
now take the lock as their transaction starts (``BEGIN IMMEDIATE``) and wait for it.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlmodel import func, select

from tests.background.conftest import wait_for
from tests.conftest import BASE_CONFIG, serving
from tests.factories import Factory
from tracker import create_app
from tracker.extensions import db
from tracker.outbox.models import Outbox

PASSWORD = "correct horse battery"
REPORTS = 50
REPORTERS = 5
STAFF_LOGINS = 3


def _world(session):
    factory = Factory(session)
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(host="www.example.gd.gov.cn", organiser=organiser, supervisor=province)
    factory.user("organiser", org=organiser, email="org@example.gov.cn", password=PASSWORD)
    factory.user("supervisor", org=province, email="boss@example.gov.cn", password=PASSWORD)
    session.commit()
    return site.code


def _delivered(total: int):
    rows = db.session.exec(select(Outbox.sent_at, Outbox.last_error)).all()
    return rows if len(rows) == total and all(sent for sent, _error in rows) else None


def test_logins_and_reports_while_the_embedded_worker_delivers(committed_app, stub_broker, db_kind):
    if db_kind != "sqlite":
        pytest.skip("the embedded default runs on SQLite")
    site_code = _world(db.session)
    app = create_app({**BASE_CONFIG, "EMBEDDED_WORKER": True, "DATABASE_URL": committed_app.config["DATABASE_URL"],
                      "MAIL_URL": committed_app.config["MAIL_URL"]})
    failures: list[tuple[str, int, str]] = []
    done: list[str] = []

    def report(base: str, number: int) -> None:
        body = {"site_code": site_code, "page_url": "https://www.example.gd.gov.cn/a.html", "category": 2,
                "description": f"第{number}条：页面链接失效。", "contact_email": f"c{number}@example.com",
                "consent": True}
        request = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=60)
            done.append("report")
        except urllib.error.HTTPError as exc:
            failures.append(("report", exc.code, exc.read()[:300].decode(errors="replace")))

    def reporter(base: str, first: int) -> None:
        for number in range(first, REPORTS, REPORTERS):
            report(base, number)

    def log_in(base: str, email: str) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
        for _ in range(STAFF_LOGINS):
            try:
                opener.open(base + "/login", data=form, timeout=60)  # then the inbox or the supervisor's page
                done.append("login")
            except urllib.error.HTTPError as exc:
                failures.append(("login", exc.code, exc.read()[:300].decode(errors="replace")))

    started = time.monotonic()
    try:
        with serving(app) as base:
            app.test_client().get("/")  # starts the embedded worker, as the first request does
            threads = [threading.Thread(target=reporter, args=(base, first)) for first in range(REPORTERS)]
            threads += [threading.Thread(target=log_in, args=(base, email))
                        for email in ("org@example.gov.cn", "boss@example.gov.cn")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            assert failures == []
            # each report mails its reporter and its organiser: two outbox rows
            rows = wait_for(lambda: _delivered(2 * REPORTS), timeout=60, message="every mail delivered")
    finally:
        runtime = app.extensions["tracker.runtime"]
        if runtime is not None:
            runtime.stop()
        app.extensions["tracker.db"].engine.dispose()
    print(f"{len(done)} requests and {len(rows)} deliveries in {time.monotonic() - started:.1f} s")
    assert done.count("report") == REPORTS and done.count("login") == 2 * STAFF_LOGINS
    assert [error for _sent, error in rows if error] == []
    assert db.session.exec(select(func.sum(Outbox.attempts))).one() == 2 * REPORTS  # no retries
