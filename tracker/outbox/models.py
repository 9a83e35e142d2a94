"""The transactional outbox: side effects written in the same commit as the change."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import JSONType, UTCDateTime, utcnow


class Outbox(SQLModel, table=True):
    """One side effect to deliver (usually an email), confirmed by ``sent_at``.

    ``dedupe_key`` makes the writer idempotent: the sweep's "reminder for case 7 due at T" can be
    written twice but stored once.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=64, index=True)
    case_id: int | None = Field(default=None, foreign_key="case_report.id", index=True)
    payload: dict = Field(default_factory=dict, sa_type=JSONType)
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)


class SentMessage(SQLModel, table=True):
    """A message actually handed to the mail transport; unique per outbox row and recipient."""

    __tablename__ = "sent_message"
    __table_args__ = (sa.UniqueConstraint("outbox_id", "recipient", name="uq_sent_message"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
