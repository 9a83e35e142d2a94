"""One row per attempt to check a case's reported page."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import UTCDateTime, utcnow


class PageCheck(SQLModel, table=True):
    """What fetching the reported page gave, at one moment: the final URL, the HTTP status or the
    network or TLS error, the time it took, the title, the content type and size, and a hash of
    the page text (the text itself too when it is short, for a diff between two checks).

    ``reason`` says why it was made: ``intake`` (the case was received), ``answer`` (the organiser
    answered "fixed") or ``manual`` (a staff member asked).
    """

    __tablename__ = "page_check"
    __table_args__ = (sa.Index("ix_page_check_case", "case_id", "id"),
                      # the per-host rate limit: the latest check of a host
                      sa.Index("ix_page_check_host", "host", "checked_at"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_report.id")
    reason: str = Field(max_length=16)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    url: str = Field(max_length=2000)
    host: str = Field(default="", max_length=255)
    checked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    final_url: str | None = Field(default=None, max_length=2000)
    status: int | None = Field(default=None)
    status_text: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, max_length=32)
    error_detail: str | None = Field(default=None, max_length=300)
    elapsed_ms: int = Field(default=0)
    title: str | None = Field(default=None, max_length=300)
    content_type: str | None = Field(default=None, max_length=200)
    size: int = Field(default=0)
    truncated: bool = Field(default=False)
    text_hash: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, sa_type=sa.Text)
    redirects: int = Field(default=0)

    @property
    def is_ok(self) -> bool:
        """The page answered with a success status (2xx)."""
        return self.error is None and self.status is not None and 200 <= self.status < 300
