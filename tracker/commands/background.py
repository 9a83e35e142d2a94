"""``tracker sweep``, ``tracker relay`` and ``tracker scheduler``."""
from __future__ import annotations

import logging
import time

import click
from dramatiq import Worker
from flask import current_app
from flask.cli import with_appcontext

from tracker import jobs
from tracker.cases.sweep import sweep
from tracker.commands import echo_json
from tracker.extensions import db
from tracker.jobs import broker
from tracker.jobs.relay import relay
from tracker.jobs.runtime import start

log = logging.getLogger(__name__)


def drain(timeout_seconds: int = 120) -> dict:
    """Embedded mode: deliver every pending outbox row in this process before returning.

    Starts worker threads on the stub broker, relays (no grace), waits for the queue to empty.
    """

    stub = broker.current()
    jobs.bind_app(current_app._get_current_object())
    worker = Worker(stub, worker_threads=current_app.config["EMBEDDED_WORKER_THREADS"])
    worker.start()
    try:
        result = relay(grace_seconds=0)
        stub.join(jobs.OUTBOX_QUEUE, timeout=timeout_seconds * 1000, fail_fast=False)
        worker.join()
    finally:
        worker.stop(timeout=5000)
        db._state().session.remove()
    return result


@click.command("sweep")
@click.option("--batch", type=int, default=None, help="cases per transaction (default SWEEP_BATCH)")
@with_appcontext
def sweep_command(batch):
    """One deadline sweep pass: reminders and overdue notices, exactly once per case and due time.

    In the embedded mode (no TRACKER_BROKER_URL) it also delivers the mail it queued before exiting.
    """
    stats = sweep(batch=batch)
    if broker.is_embedded():
        stats["delivered"] = drain()["enqueued"]
    echo_json(stats)


@click.command("relay")
@with_appcontext
def relay_command():
    """Hand every unconfirmed outbox row to the workers (in the embedded mode: deliver it now)."""
    if broker.is_embedded():
        echo_json(drain())
    else:
        result = relay(grace_seconds=0)
        echo_json(result)
        if result["failed"]:
            raise SystemExit(1)


@click.command("scheduler")
@click.option("--interval", type=int, default=None, help="seconds between passes (default SWEEP_INTERVAL_SECONDS)")
@click.option("--once", is_flag=True, help="one pass, then exit")
@with_appcontext
def scheduler_command(interval, once):
    """The periodic process of production: relay at start-up, then every interval sweep and relay.

    Run exactly one or several (they are safe together) next to the `dramatiq tracker.jobs` workers.
    """
    interval = interval or current_app.config["SWEEP_INTERVAL_SECONDS"]
    if broker.is_embedded():
        if once:
            echo_json({**sweep(), **drain()})
            return

        start(current_app._get_current_object())  # worker threads, and a timer that sweeps and relays
        while True:
            time.sleep(3600)
    first = True
    while True:
        try:
            stats = sweep()
            stats.update(relay(grace_seconds=0 if first else None))
            log.info("scheduler pass: %s", stats)
            if once:
                echo_json(stats)
                return
        except Exception:
            log.exception("scheduler pass failed; retrying next interval")
            db.session.rollback()
        first = False
        time.sleep(interval)


commands = [sweep_command, relay_command, scheduler_command]
