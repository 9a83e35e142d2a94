"""The organiser inbox's first page with 10,000 and with 1,000,000 cases in SQLite.

Cases are bulk-inserted with raw INSERTs (not through operations: this measures reading), spread
over 1,000 organisers; the organiser measured holds 1% of all cases (100, then 10,000). The first
page (the HTTP request, and its query alone) is timed at both sizes; the ratio should stay near 1
(target: under 3). The query plans show the (organiser_id, state, due_at) / (organiser_id, due_at)
indexes at work: no full scan, and no sort of the organiser's cases (a queue of several states
merges one bounded branch per state).

Run: ``python -m tests.bench inbox`` (TRACKER_BENCH_CASES overrides 1,000,000).
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ORGANISERS = 1000
SMALL = 10_000
LARGE = int(os.environ.get("TRACKER_BENCH_CASES", "1000000"))
TARGET_SHARE = 0.01
REPEAT = 15
STATES = ["closed"] * 14 + ["assigned", "in_progress", "in_progress", "in_review", "triage"]
SQL_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _build(tmp: Path):
    from alembic import command

    from tracker import create_app
    from tracker.migrate import alembic_config

    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "CAPTCHA": False,
                      "RATE_LIMITS_ENABLED": False, "EMBEDDED_WORKER": False, "WTF_CSRF_ENABLED": False,
                      "MAIL_URL": f"file://{tmp / 'mail'}"})
    return app, tmp / "bench.sqlite3"


def _world(app):
    from tracker.extensions import db
    from tracker.organisations.operations import create_organisation, create_site
    from tracker.users.operations import create_user

    with app.app_context(), db.transaction() as session:
        province = create_organisation(session, code="440000", name="广东省", kind="supervisor")
        orgs = []
        for n in range(ORGANISERS):
            org = create_organisation(session, code=f"44{n:06d}", name=f"主办单位{n}", kind="organiser",
                                      parent=province)
            site = create_site(session, code=f"44{n:08d}", name=f"网站{n}", organiser=org, supervisor=province,
                               hosts=[f"s{n}.gd.gov.cn"])
            orgs.append((org.id, site.id))
        user = create_user(session, email="bench@example.gov.cn", password="bench-password-1",
                           role="organiser", organisation=session.get(type(province), orgs[0][0]))
        return province.id, orgs, user.id


def _insert(db_file: Path, start: int, stop: int, province_id: int, orgs: list, rng: random.Random) -> None:
    """Rows ``start`` to ``stop``: 1% to the measured organiser, the rest spread over the others."""
    import sqlite3

    now = datetime.now(UTC)
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    sql = ("INSERT INTO case_report (tracking_number, query_code_hash, source, state, outcome, site_id, organiser_id,"
           " supervisor_id, category_code, page_url, description, contact_name, contact_phone, contact_email,"
           " received_at, due_at, due_is_provisional, closed_at, updated_at)"
           " VALUES (?, ?, 'web', ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?, 0, ?, ?)")
    every = round(1 / TARGET_SHARE)
    batch = []
    for i in range(start, stop):
        org_id, site_id = orgs[0] if i % every == 0 else orgs[1 + i % (len(orgs) - 1)]
        state = rng.choice(STATES)
        received = now - timedelta(days=rng.uniform(0, 400))
        due = received + timedelta(days=5)
        closed = (due - timedelta(days=1)).strftime(SQL_TIME) if state == "closed" else None
        batch.append((f"B{i:09d}", "0" * 64, state, "fixed" if state == "closed" else None, site_id,
                      None if state == "triage" else org_id, province_id, 2,
                      f"https://s{site_id}.gd.gov.cn/p/{i}.html", f"第{i}条：页面信息不准确。",
                      received.strftime(SQL_TIME), due.strftime(SQL_TIME), closed, received.strftime(SQL_TIME)))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    if batch:
        conn.executemany(sql, batch)
    conn.commit()
    conn.close()


def _measure(app, user_id: int) -> dict:
    from sqlalchemy.dialects import sqlite

    from tracker.cases import queries
    from tracker.cases.scope import Actor
    from tracker.extensions import db
    from tracker.users.models import User
    from tracker.web import session_marks

    with app.app_context():
        marks = session_marks(db.session.get(User, user_id))
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
        sess.update(marks)
    http, query_times, plans = [], [], {}
    client.get("/inbox")  # warm up: first connection, templates, calendar
    with app.app_context():
        session = db.session
        actor = Actor.of(session.get(User, user_id), session)
        for state in ("open", "new", "overdue", "closed", "all"):
            statement = queries.list_query(session, actor, queries.Filters(state=state))
            compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
            rows = session.execute(__import__("sqlalchemy").text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            plans[state] = " | ".join(r[-1] for r in rows)
        for _ in range(REPEAT):
            started = time.perf_counter()
            queries.list_cases(session, actor, queries.Filters(), 1)
            query_times.append(time.perf_counter() - started)
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get("/inbox")
        http.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        assert "剩" in response.text or "超期" in response.text
    return {"http": statistics.median(http), "query": statistics.median(query_times), "plans": plans}


def run() -> dict:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        app, db_file = _build(Path(tmp))
        province_id, orgs, user_id = _world(app)
        started = time.perf_counter()
        engine = app.extensions["tracker.db"].engine
        engine.dispose()  # no open connections while inserting
        _insert(db_file, 0, SMALL, province_id, orgs, rng)
        small = _measure(app, user_id)
        engine.dispose()
        _insert(db_file, SMALL, LARGE, province_id, orgs, rng)
        insert_seconds = time.perf_counter() - started
        large = _measure(app, user_id)
        app.extensions["tracker.db"].engine.dispose()
    for state, plan in large["plans"].items():
        print(f"EXPLAIN QUERY PLAN inbox first page, queue {state}: {plan}")
    return {
        "cases_small": SMALL, "cases_large": LARGE,
        "organiser_cases_large": int(LARGE * TARGET_SHARE),
        "insert_seconds": round(insert_seconds, 1),
        "first_page_http_ms_small": round(small["http"] * 1000, 2),
        "first_page_http_ms_large": round(large["http"] * 1000, 2),
        "http_ratio": round(large["http"] / small["http"], 2),
        "first_page_query_ms_small": round(small["query"] * 1000, 2),
        "first_page_query_ms_large": round(large["query"] * 1000, 2),
        "query_ratio": round(large["query"] / small["query"], 2),
        "plan_open_queue": large["plans"]["open"],
        "index_used": all("USING INDEX ix_case_organiser" in p or "USING COVERING INDEX" in p
                          for p in large["plans"].values()),
        # a plain "SCAN case_report" would be a full table scan; the merge of the per-state
        # branches sorts at most 5 x 51 rows (USE TEMP B-TREE on the outer query only)
        "full_scan": any("SCAN case_report" in p.replace("SCAN case_report USING", "")
                         for p in large["plans"].values()),
    }
