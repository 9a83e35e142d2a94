"""The relay: hands unconfirmed, due outbox rows to the delivery actor.

Runs after every commit for the rows that commit wrote (see :func:`outbox.hand_off`), and as a
pass over the table (``relay()``): at start-up, every ``SWEEP_INTERVAL_SECONDS``, and by
``tracker relay``. A row handed to the broker gets ``next_attempt_at = now + OUTBOX_RETRY_SECONDS``
so the next pass leaves it alone unless it still is not confirmed by then. If the broker is down the
pass stops, logs, and leaves the rows for the next one.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
import sqlalchemy as sa
from flask import current_app
from sqlmodel import select

from tracker.db import utcnow
from tracker.extensions import db
from tracker.jobs.actors import SWEEP_QUEUE, deliver_outbox
from tracker.jobs.context import app_context
from tracker.outbox.models import Outbox

log = logging.getLogger(__name__)


def pending_query(now, *, grace_seconds: int, claim_timeout: int, limit: int):
    cutoff = now - timedelta(seconds=grace_seconds)
    stale = now - timedelta(seconds=claim_timeout)
    return (select(Outbox.id)
            .where(Outbox.sent_at.is_(None), Outbox.next_attempt_at <= cutoff,
                   sa.or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))
            .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit))


def relay(*, grace_seconds: int | None = None, limit: int | None = None) -> dict:
    """One pass. ``grace_seconds`` (default ``RELAY_GRACE_SECONDS``) leaves rows written in the last
    moments to the after-commit hand-off. Returns ``{"enqueued": n, "failed": bool}``."""
    config = current_app.config
    grace = config["RELAY_GRACE_SECONDS"] if grace_seconds is None else grace_seconds
    batch = limit or config["RELAY_BATCH"]
    session = db.job_session()
    enqueued, failed = 0, False
    while True:
        now = utcnow()
        ids = list(session.exec(pending_query(now, grace_seconds=grace, limit=batch,
                                              claim_timeout=config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])).all())
        session.commit()
        sent: list[int] = []
        try:
            for outbox_id in ids:
                deliver_outbox.send(outbox_id)
                sent.append(outbox_id)
        except Exception as exc:
            failed = True
            log.warning("relay: broker unavailable after %d of %d rows (%s: %s); will retry",
                        len(sent), len(ids), type(exc).__name__, exc)
        if sent:
            session.execute(
                sa.update(Outbox).where(Outbox.id.in_(sent), Outbox.sent_at.is_(None))
                .values(next_attempt_at=now + timedelta(seconds=config["OUTBOX_RETRY_SECONDS"]))
                .execution_options(synchronize_session=False))
            session.commit()
        enqueued += len(sent)
        if failed or len(ids) < batch:
            return {"enqueued": enqueued, "failed": failed}


@dramatiq.actor(queue_name=SWEEP_QUEUE, max_retries=0, time_limit=10 * 60 * 1000)
def relay_outbox() -> None:
    """Hand every unconfirmed, due outbox row to :func:`deliver_outbox`."""
    with app_context():
        relay()
