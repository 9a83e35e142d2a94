"""Delivering one outbox row, at most once per recipient in all but one narrow crash window.

1. **Claim** the row atomically: ``UPDATE outbox SET claimed_at = now WHERE id = ? AND sent_at IS NULL
   AND (claimed_at IS NULL OR claimed_at < now - OUTBOX_CLAIM_TIMEOUT_SECONDS)``, committed. A second
   delivery of the same id (a duplicate message, a relay pass, another worker) finds nothing to claim.
2. For each recipient without a ``SentMessage`` row: hand the message to the transport, then insert
   ``SentMessage(outbox_id, recipient)`` (unique) and commit.
3. Confirm: ``sent_at = now`` (and drop ``query_code`` from the payload).

Crash windows: a worker killed before step 2's transport call leaves the claim, which goes stale
after the claim timeout; the relay then hands the row out again and the remaining recipients are
mailed. A worker killed between the transport accepting a message and the ``SentMessage`` commit
(milliseconds) makes that one recipient mailed again: the guarantee is **at least once, and
exactly once except in that window**; the repeat carries the same ``Message-ID``
(``<outbox-ID-HASH@domain>``) so mail clients can drop it. Nothing is lost: a row is confirmed only
after every recipient is recorded. A transport error releases the claim and schedules the next
attempt with exponential backoff (``OUTBOX_RETRY_SECONDS`` doubled per attempt, at most one hour).
"""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlmodel import select

from tracker.db import utcnow
from tracker.extensions import db
from tracker.notifications import messages
from tracker.notifications.transport import make_transport
from tracker.outbox import claim as claim_row
from tracker.outbox.models import Outbox, SentMessage

log = logging.getLogger(__name__)

#: called with (outbox_id, recipient) just before the transport is used; for fault tests
before_send_hooks: list = []


def claim(session, outbox_id: int, now) -> bool:
    return claim_row(session, outbox_id, now, current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])


def _confirm(session, row: Outbox, now, note: str | None) -> None:
    payload = {k: v for k, v in (row.payload or {}).items() if k != "query_code"}
    session.execute(
        sa.update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None))
        .values(sent_at=now, last_error=note, payload=payload)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _release(session, row_id: int, attempts: int, now, error: str) -> None:
    base = current_app.config["OUTBOX_RETRY_SECONDS"]
    delay = min(3600, base * 2 ** max(0, attempts - 1))
    session.execute(
        sa.update(Outbox).where(Outbox.id == row_id, Outbox.sent_at.is_(None))
        .values(claimed_at=None, next_attempt_at=now + timedelta(seconds=delay), last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    session.commit()


def deliver(outbox_id: int) -> str:
    """Deliver outbox row ``outbox_id``: "sent", "skipped", "busy" (done or claimed elsewhere) or "failed"."""
    session = db.job_session()
    now = utcnow()
    if not claim(session, outbox_id, now):
        return "busy"
    row = session.exec(select(Outbox).where(Outbox.id == outbox_id)
                       .execution_options(populate_existing=True)).one()
    try:
        reason, mails = messages.build(session, row, now)
        done = set(session.exec(select(SentMessage.recipient).where(SentMessage.outbox_id == row.id)).all())
        # end the read transaction: no lock is held while the transport works, and every write below
        # starts its own transaction (on SQLite a read transaction cannot safely turn into a write)
        session.commit()
        if reason:
            _confirm(session, row, now, reason)
            return "skipped"
        config = current_app.config
        transport = make_transport(config["MAIL_URL"], config["MAIL_TIMEOUT_SECONDS"])
        for mail in mails:
            if mail.recipient in done:
                continue
            for hook in before_send_hooks:
                hook(row.id, mail.recipient)
            transport.send(mail.to_email(row.id, config["MAIL_FROM"], row.topic))
            session.add(SentMessage(outbox_id=row.id, recipient=mail.recipient, subject=mail.subject[:300],
                                    sent_at=utcnow()))
            session.commit()
        _confirm(session, row, utcnow(), None)
        return "sent"
    except Exception as exc:
        session.rollback()
        log.warning("outbox %s (%s) not delivered: %s: %s", outbox_id, row.topic, type(exc).__name__, exc)
        _release(session, outbox_id, row.attempts, utcnow(), f"{type(exc).__name__}: {exc}")
        return "failed"
