"""Tracking numbers and query codes: what a citizen gets back for a report."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from tracker.cases.models import TrackingSequence
from tracker.workdays import BEIJING

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QUERY_CODE_LENGTH = 16  # 31**16, about 79 bits


def hash_query_code(code: str) -> str:
    """What is stored of a query code: its SHA-256, blanks dropped and letters upper-cased."""
    normalised = "".join(code.split()).upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def next_tracking_number(session: Session, received_at: datetime) -> str:
    """``ZC`` + receipt date in Beijing + ``-`` + that day's next sequence (at least 4 digits).

    One atomic upsert, so concurrent submissions never get the same number.
    """
    day = received_at.astimezone(BEIJING).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = TrackingSequence.__table__
    statement = (
        insert(table)
        .values(day=day, last_value=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    value = session.execute(statement).scalar_one()
    return f"ZC{day}-{value:04d}"
