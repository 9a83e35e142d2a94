"""The transactional outbox: side effects written in the same commit as the change, handed to
the workers after commit.

This package knows no broker. :mod:`tracker.jobs` registers the sender (:func:`set_sender`) when
it is imported; until then, or if sending fails, the rows wait for the relay's next pass.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session as _OrmSession
from sqlmodel import Session, select

from tracker.outbox.models import Outbox, SentMessage

__all__ = ["Outbox", "SentMessage", "claim", "enqueue", "enqueue_many", "hand_off", "set_sender"]

log = logging.getLogger(__name__)
_PENDING_KEY = "tracker.outbox_ids"
_sender: Callable[[int], object] | None = None


def set_sender(sender: Callable[[int], object] | None) -> None:
    """Hand committed outbox ids to ``sender`` (one id per call), e.g. an actor's ``send``."""
    global _sender
    _sender = sender


def enqueue(session: Session, topic: str, *, case_id: int | None = None, payload: dict | None = None,
            dedupe_key: str | None = None) -> Outbox | None:
    """Add an outbox row to ``session`` (committed with the caller's change).

    With ``dedupe_key``, a second call for the same key adds nothing and returns None.
    """
    if dedupe_key is not None:
        pending = [o for o in session.new if isinstance(o, Outbox) and o.dedupe_key == dedupe_key]
        if pending or session.exec(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key)).first():
            return None
    row = Outbox(topic=topic, case_id=case_id, payload=payload or {}, dedupe_key=dedupe_key)
    session.add(row)
    return row


def enqueue_many(session: Session, rows: list[tuple[str, int | None, dict, datetime]]) -> list[int]:
    """Write outbox rows ``(topic, case_id, payload, created_at)`` in one statement beside the unit
    of work: committed with the caller's change, handed off after the commit like :func:`enqueue`'s.
    Returns their ids."""
    if not rows:
        return []
    table = Outbox.__table__
    values = [{"topic": topic, "case_id": case_id, "payload": payload or {}, "dedupe_key": None,
               "created_at": at, "next_attempt_at": at, "attempts": 0} for topic, case_id, payload, at in rows]
    ids = list(session.execute(table.insert().returning(table.c.id), values).scalars())
    session.info.setdefault(_PENDING_KEY, []).extend(ids)
    return ids


@sa.event.listens_for(_OrmSession, "after_flush")
def _collect_new_rows(session, _flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, Outbox) and obj.id is not None]
    if ids:
        session.info.setdefault(_PENDING_KEY, []).extend(ids)


@sa.event.listens_for(_OrmSession, "after_commit")
def _hand_off_after_commit(session) -> None:
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        hand_off(ids)


@sa.event.listens_for(_OrmSession, "after_soft_rollback")
def _forget_on_rollback(session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING_KEY, None)


def hand_off(ids: list[int]) -> int:
    """Send outbox ids to the registered sender, after commit. Never raises: a broker that is down
    only delays delivery (the rows stay pending for the next relay pass). Returns how many were sent."""
    if _sender is None:
        return 0
    sent = 0
    try:
        for outbox_id in ids:
            _sender(outbox_id)
            sent += 1
    except Exception as exc:  # the broker is down or unreachable: the relay will retry
        log.warning("outbox hand-off failed after %d of %d messages (%s: %s); the relay will retry",
                    sent, len(ids), type(exc).__name__, exc)
    return sent


def claim(session, outbox_id: int, now: datetime, timeout_seconds: int) -> bool:
    """Claim outbox row ``outbox_id`` for this worker, atomically, and commit: False when it is done,
    or claimed by another worker less than ``timeout_seconds`` ago."""
    stale = now - timedelta(seconds=timeout_seconds)
    result = session.execute(
        sa.update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.sent_at.is_(None),
               sa.or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))
        .values(claimed_at=now, attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1
