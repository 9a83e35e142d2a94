"""Tracking numbers and query codes: what a citizen gets back for a report."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
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


def tracking_day(received_at: datetime) -> str:
    """The receipt date in Beijing that a tracking number carries (YYYYMMDD)."""
    return received_at.astimezone(BEIJING).strftime("%Y%m%d")


def tracking_number(day: str, value: int) -> str:
    return f"ZC{day}-{value:04d}"


def reserve_tracking_numbers(session: Session, counts: Mapping[str, int]) -> dict[str, int]:
    """Take ``counts[day]`` consecutive sequence values for each receipt day; returns each day's
    first value. One atomic upsert for all the days, so concurrent submissions never share one."""
    if not counts:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = TrackingSequence.__table__
    values = insert(table).values([{"day": day, "last_value": n} for day, n in sorted(counts.items())])
    statement = (values.on_conflict_do_update(index_elements=["day"],
                                              set_={"last_value": table.c.last_value + values.excluded.last_value})
                 .returning(table.c.day, table.c.last_value))
    return {day: last - counts[day] + 1 for day, last in session.execute(statement)}


def next_tracking_number(session: Session, received_at: datetime) -> str:
    """``ZC`` + receipt date in Beijing + ``-`` + that day's next sequence (at least 4 digits).

    One atomic upsert, so concurrent submissions never get the same number.
    """
    day = tracking_day(received_at)
    return tracking_number(day, reserve_tracking_numbers(session, {day: 1})[day])
