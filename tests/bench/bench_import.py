"""``tracker import-records`` of the whole public file into a fresh SQLite database (and into
PostgreSQL when ``BENCH_POSTGRES_URL`` names an empty database), then the routing agreement."""
from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRACKER = Path(sys.executable).with_name("tracker")
RECORDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "public-records-2023h2" / "records.jsonl.gz"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _import(url: str, tmp: str) -> dict:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_DEBUG": "1", "TRACKER_EMBEDDED_WORKER": "0",
           "TRACKER_INSTANCE_PATH": tmp}
    subprocess.run([str(TRACKER), "db", "upgrade"], env=env, check=True, capture_output=True)
    started, cpu = time.perf_counter(), _child_cpu()
    done = subprocess.run([str(TRACKER), "import-records", str(RECORDS)], env=env, capture_output=True, text=True)
    return {"seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(_child_cpu() - cpu, 1),
            "summary": done.stdout.splitlines()[-1]}


def _routing(url: str) -> dict:
    from tracker import create_app
    from tracker.extensions import db
    from tracker.organisations.util import routing_agreement

    with gzip.open(RECORDS, "rt", encoding="utf-8") as handle:
        reports = [(r["sitecode"], r["page_url"]) for r in map(json.loads, handle)]
    app = create_app({"DATABASE_URL": url, "DEBUG": True, "EMBEDDED_WORKER": False})
    results = {}
    with app.app_context():
        for label, rows, with_code in (("url_only", [r for r in reports if r[1]], False),
                                       ("with_code", reports, True)):
            tally = routing_agreement(db.session, rows, with_code=with_code)
            results[f"routing_{label}"] = (f"{tally.same_site}/{tally.total} same site "
                                           f"({tally.share('same_site'):.2%}), other {tally.other_site}, "
                                           f"ambiguous {tally.ambiguous}, no match {tally.no_match}")
    return results


def run() -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        for key, value in _import(url, tmp).items():
            results[f"import_sqlite_{key}"] = value
        results.update(_routing(url))
        postgres = os.environ.get("BENCH_POSTGRES_URL")
        if postgres:
            for key, value in _import(postgres, tmp).items():
                results[f"import_postgresql_{key}"] = value
    return results
