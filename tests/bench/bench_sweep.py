"""Sweep cost follows the number of due cases, not the table: 1,000 due cases among 10k vs 500k.

Run: ``.venv/bin/python -m tests.bench.bench_sweep`` (SQLite; ``--db postgresql`` uses
``TRACKER_TEST_DATABASE_URL``). ``run()`` returns the timings and the query plan.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from tracker import create_app
from tracker.cases.models import Case
from tracker.cases.sweep import due_cases_query, sweep
from tracker.db import utcnow
from tracker.extensions import db

DUE = 1000


def _populate(total: int) -> None:
    from tests.factories import Factory

    session = db.session
    factory = Factory(session)
    site = factory.site()
    session.commit()
    now = utcnow()
    table = Case.__table__
    rows = []
    for n in range(total):
        due = n < DUE
        received = now - timedelta(days=30 if due else 1)
        rows.append({
            "tracking_number": f"B{n:09d}", "query_code_hash": "0" * 64, "source": "bench",
            "state": "assigned", "site_id": site.id, "organiser_id": site.organiser_id,
            "supervisor_id": site.supervisor_id, "category_code": 2, "page_url": "https://bench.gov.cn/",
            "description": "bench", "contact_name": "", "contact_phone": "", "contact_email": "",
            "received_at": received, "due_at": received + timedelta(days=5),
            "due_is_provisional": False, "updated_at": received,
            # due cases need a look now; the others in days
            "sweep_at": now - timedelta(minutes=5) if due else now + timedelta(days=3 + n % 50),
        })
        if len(rows) == 20_000:
            session.execute(sa.insert(table), rows)
            rows = []
    if rows:
        session.execute(sa.insert(table), rows)
    session.commit()


def _plan() -> str:
    compiled = due_cases_query(utcnow(), 500, db.dialect).compile(db.engine)
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values()))
            return " | ".join(str(r[-1]) for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), dict(compiled.params))
        return " | ".join(r[0] for r in rows)


def _one(total: int, kind: str, folder: Path) -> dict:
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'bench-{total}.sqlite3'}"
    else:
        import os

        from tests.conftest import reset_postgres

        url = os.environ["TRACKER_TEST_DATABASE_URL"]
        reset_postgres(url)
    from alembic import command

    from tracker.migrate import alembic_config

    command.upgrade(alembic_config(url), "head")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "EMBEDDED_WORKER": False,
                      "MAIL_URL": f"file://{folder / 'mail'}"})
    with app.app_context():
        _populate(total)
        if kind == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE case_report")
        plan = _plan()
        started = time.perf_counter()
        stats = sweep()
        seconds = time.perf_counter() - started
        again = time.perf_counter()
        second = sweep()
        idle_seconds = time.perf_counter() - again
    app.extensions["tracker.db"].engine.dispose()
    return {"total": total, "due": DUE, "sweep_seconds": round(seconds, 3), "stats": stats,
            "second_pass": second, "second_pass_seconds": round(idle_seconds, 4), "plan": plan}


def run(kind: str = "sqlite", sizes=(10_000, 500_000)) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        results = [_one(total, kind, Path(tmp)) for total in sizes]
    small, large = results[0], results[-1]
    ratio = round(large["sweep_seconds"] / small["sweep_seconds"], 2)
    return {"db": kind, "runs": results, "ratio_large_to_small": ratio}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--sizes", default="10000,500000")
    args = parser.parse_args()
    print(json.dumps(run(args.db, tuple(int(s) for s in args.sizes.split(","))), ensure_ascii=False, indent=1))
