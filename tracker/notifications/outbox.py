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
