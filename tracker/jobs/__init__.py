"""Dramatiq actors. Workers: ``dramatiq tracker.jobs`` (same ``TRACKER_*`` environment as the web).

Importing this package chooses the broker first (:mod:`tracker.broker`), then declares the actors.
Each actor runs inside an app context: the embedded runtime binds its own app; a worker process
creates one app (``create_app()``) the first time it needs it.
"""
from tracker import broker as _broker  # noqa: F401  (the broker is set before any actor exists)
from tracker.jobs.actors import (  # noqa: E402
    OUTBOX_QUEUE, SWEEP_QUEUE, deliver_outbox, relay_outbox, sweep_deadlines,
)
from tracker.jobs.context import bind_app, job_app  # noqa: E402

__all__ = ["deliver_outbox", "relay_outbox", "sweep_deadlines", "bind_app", "job_app", "OUTBOX_QUEUE",
           "SWEEP_QUEUE"]
