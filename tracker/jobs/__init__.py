"""Dramatiq actors. Workers: ``dramatiq tracker.jobs`` (same ``TRACKER_*`` environment as the web).

The only package that knows the broker. Importing it chooses the broker first
(:mod:`tracker.jobs.broker`), then declares the actors, then registers the delivery actor as the
outbox's after-commit sender. Each actor runs inside an app context: the embedded runtime binds its
own app; a worker process creates one app (``create_app()``) the first time it needs it.
"""
from tracker.jobs import broker as _broker  # noqa: F401, I001  (the broker is set before any actor exists)
from tracker.jobs.actors import OUTBOX_QUEUE, SWEEP_QUEUE, deliver_outbox, sweep_deadlines
from tracker.jobs.context import bind_app, job_app
from tracker.jobs.relay import relay_outbox
from tracker import outbox as _outbox

_outbox.set_sender(deliver_outbox.send)

__all__ = ["deliver_outbox", "relay_outbox", "sweep_deadlines", "bind_app", "job_app", "OUTBOX_QUEUE",
           "SWEEP_QUEUE"]
