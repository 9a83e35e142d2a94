"""The actors. They take ids (small JSON) and are idempotent: the database says what is done."""
from __future__ import annotations

import dramatiq

from tracker.cases.operations import PAGE_CHECK_TOPIC
from tracker.cases.sweep import sweep
from tracker.evidence.operations import run_check
from tracker.extensions import db
from tracker.jobs.context import app_context
from tracker.notifications.delivery import deliver
from tracker.outbox.models import Outbox

OUTBOX_QUEUE = "tracker_outbox"
SWEEP_QUEUE = "tracker_sweep"


@dramatiq.actor(queue_name=OUTBOX_QUEUE, max_retries=5, min_backoff=1000, max_backoff=60000,
                time_limit=5 * 60 * 1000)
def deliver_outbox(outbox_id: int) -> None:
    """Deliver one outbox row (claim, send per recipient, confirm). A second delivery sends nothing.
    A page check (topic ``page_check``) is run, not mailed."""
    with app_context():
        row = db.job_session().get(Outbox, outbox_id)
        topic = row.topic if row is not None else None
        db.session.rollback()
        if topic == PAGE_CHECK_TOPIC:
            run_check(outbox_id)
        else:
            deliver(outbox_id)


@dramatiq.actor(queue_name=SWEEP_QUEUE, max_retries=0, time_limit=10 * 60 * 1000)
def sweep_deadlines() -> None:
    """One deadline sweep pass (safe to run concurrently with others)."""
    with app_context():
        sweep()
