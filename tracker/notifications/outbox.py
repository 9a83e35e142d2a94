"""Writing side effects into the outbox, inside the caller's transaction."""
from __future__ import annotations

from sqlmodel import Session, select

from tracker.notifications.models import Outbox


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


# ------------------------------------------------------------------ after commit: hand ids to actors

import logging  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session as _OrmSession  # noqa: E402

log = logging.getLogger(__name__)
_PENDING_KEY = "tracker.outbox_ids"


def withdraw(session: Session, ids) -> None:
    """Do not hand off these rows after commit: the caller deleted them in this transaction (an
    import replaying cases that were answered long ago)."""
    gone = set(ids)
    pending = session.info.get(_PENDING_KEY)
    if pending and gone:
        session.info[_PENDING_KEY] = [i for i in pending if i not in gone]


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
    """Send outbox ids to the delivery actor, after commit. Never raises: a broker that is down only
    delays delivery (the rows stay pending for the next relay pass). Returns how many were sent."""
    sent = 0
    try:
        from tracker.jobs import deliver_outbox

        for outbox_id in ids:
            deliver_outbox.send(outbox_id)
            sent += 1
    except Exception as exc:  # the broker is down or unreachable: the relay will retry
        log.warning("outbox hand-off failed after %d of %d messages (%s: %s); the relay will retry",
                    sent, len(ids), type(exc).__name__, exc)
    return sent
