"""A published report (通报) and the case lists behind its figures: written once, never changed.

Immutability is kept three times over: no operation updates or deletes these rows; the ORM refuses
to flush a change to one (:func:`_refuse_change`) or to run a bulk UPDATE or DELETE on their
tables (:func:`_refuse_bulk_change`); and the database refuses too, by triggers the migration
creates (0010) on PostgreSQL and on SQLite.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from tracker.db import JSONType, UTCDateTime, utcnow
from tracker.errors import DomainError

#: as-of rules: the moment of publication, re-read as "now" by the diff; or one fixed instant
AS_OF_NOW, AS_OF_FIXED = "now", "fixed"


class PublishedReport(SQLModel, table=True):
    """One published report: what was asked, every figure as the report gave it, the sentence, the
    calendar and counting rules in force, and who published it when."""

    __tablename__ = "published_report"
    __table_args__ = (sa.CheckConstraint("as_of_rule IN ('now', 'fixed')", name="ck_published_report_as_of_rule"),)

    id: int | None = Field(default=None, primary_key=True)
    date_from: date
    date_to: date
    scope_id: int = Field(foreign_key="organisation.id", index=True)
    scope_code: str = Field(max_length=40)
    scope_name: str = Field(max_length=200)
    by: str = Field(default="org", max_length=16)
    as_of: datetime = Field(sa_type=UTCDateTime)
    as_of_rule: str = Field(default=AS_OF_NOW, max_length=8)
    #: the report's own output (:func:`tracker.reports.figures.compute`), as it was: rows, totals, breakdowns
    figures: dict = Field(default_factory=dict, sa_type=JSONType)
    sentence: str = Field(sa_type=sa.Text)
    #: per year that deadlines of the window touch: where its schedule came from and a checksum of its days
    calendar_version: list = Field(default_factory=list, sa_type=JSONType)
    rules_version: str = Field(max_length=40)
    published_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    published_by: str = Field(max_length=200)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class PublishedCaseList(SQLModel, table=True):
    """The ids of the cases behind one figure of one row of a published report, as they were."""

    __tablename__ = "published_case_list"
    __table_args__ = (sa.UniqueConstraint("report_id", "row_key", "bucket", name="uq_published_case_list"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="published_report.id", index=True)
    row_key: str = Field(max_length=40)
    bucket: str = Field(max_length=40)
    case_ids: list = Field(default_factory=list, sa_type=JSONType)


class SnapshotImmutable(DomainError):
    """A published report cannot be changed or withdrawn."""

    status = 409


IMMUTABLE = _l("已发布的通报不能修改或删除。")
FROZEN = (PublishedReport, PublishedCaseList)
FROZEN_TABLES = frozenset(model.__tablename__ for model in FROZEN)


def _refuse_change(mapper, connection, target) -> None:
    raise SnapshotImmutable(IMMUTABLE)


for _model in FROZEN:
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    """``session.execute(update(PublishedReport)…)`` and bulk deletes skip the mapper events."""
    if (state.is_update or state.is_delete) and getattr(state.statement, "table", None) is not None \
            and state.statement.table.name in FROZEN_TABLES:
        raise SnapshotImmutable(IMMUTABLE)
