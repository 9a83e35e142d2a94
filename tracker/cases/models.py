"""Cases (留言), their append-only history, screenshots, extension requests and canned answers."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_pgettext
from sqlmodel import Field, SQLModel

from tracker.cases.states import Outcome, State, sql_in
from tracker.db import JSONType, UTCDateTime, utcnow
from tracker.workdays import is_on_time


class Category(SQLModel, table=True):
    """An error type. Codes 0–6 and 10 are the national platform's; admins may add more.

    Its names are data, kept in both languages (admins add categories): not catalogue messages.
    """

    __tablename__ = "category"

    code: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    is_active: bool = Field(default=True)
    sort_order: int = Field(default=0)

    def name_in(self, language: str) -> str:
        """The name to show in ``language`` (``zh`` or ``en``)."""
        return self.name_en if language == "en" else self.name_zh


UNSATISFIED = "state = 'closed' AND feedback = 'unsatisfied'"
SENT_BACK = "state = 'in_progress' AND sent_back_at IS NOT NULL"


class Case(SQLModel, table=True):
    """A citizen's report about a page of a government website."""

    __tablename__ = "case_report"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({sql_in(State)})", name="ck_case_state"),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN ({sql_in(Outcome)})", name="ck_case_outcome"),
        sa.CheckConstraint(
            "feedback IS NULL OR feedback IN ('satisfied', 'unsatisfied')", name="ck_case_feedback"
        ),
        sa.CheckConstraint("state <> 'closed' OR closed_at IS NOT NULL", name="ck_case_closed_at"),
        sa.CheckConstraint("state <> 'closed' OR outcome IS NOT NULL", name="ck_case_closed_outcome"),
        # the organiser inbox: one organisation's cases in a state, by due time
        sa.Index("ix_case_organiser_state_due", "organiser_id", "state", "due_at"),
        sa.Index("ix_case_organiser_due", "organiser_id", "due_at"),
        # supervisor queues and the report: by responsible supervisor and receipt time
        sa.Index("ix_case_supervisor_state", "supervisor_id", "state"),
        sa.Index("ix_case_received", "received_at"),
        sa.Index("ix_case_page_url_state", "page_url", "state"),
        # the supervisor's unsatisfied cases, newest rating first
        sa.Index("ix_case_unsatisfied", "feedback_at", postgresql_where=sa.text(UNSATISFIED),
                 sqlite_where=sa.text(UNSATISFIED)),
        # the report replays the few cases reopened after its as-of moment
        sa.Index("ix_case_reopened", "reopened_at"),
        # the published answers, newest first, all or by category or site
        sa.Index("ix_case_published", "closed_at", "id", postgresql_where=sa.text("state = 'closed'"),
                 sqlite_where=sa.text("state = 'closed'")),
        sa.Index("ix_case_published_category", "category_code", "closed_at", "id",
                 postgresql_where=sa.text("state = 'closed'"), sqlite_where=sa.text("state = 'closed'")),
        sa.Index("ix_case_published_site", "site_id", "closed_at", "id",
                 postgresql_where=sa.text("state = 'closed'"), sqlite_where=sa.text("state = 'closed'")),
        # the organiser's 被驳回 queue, counted on its tab
        sa.Index("ix_case_sent_back", "organiser_id", "due_at", postgresql_where=sa.text(SENT_BACK),
                 sqlite_where=sa.text(SENT_BACK)),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str = Field(max_length=32, unique=True, index=True)
    query_code_hash: str = Field(max_length=64)
    external_id: str | None = Field(default=None, max_length=64, unique=True)
    source: str = Field(default="web", max_length=16)

    state: str = Field(default=State.received, max_length=16)
    outcome: str | None = Field(default=None, max_length=32)

    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    site_code_given: str | None = Field(default=None, max_length=32)
    organiser_id: int | None = Field(default=None, foreign_key="organisation.id")
    supervisor_id: int = Field(foreign_key="organisation.id")
    category_code: int = Field(foreign_key="category.code", index=True)

    page_url: str = Field(max_length=2000)
    description: str = Field(max_length=400)
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=20)
    contact_email: str = Field(default="", max_length=254)

    answer: str | None = Field(default=None, sa_type=sa.Text)
    not_taken_up_reason: str | None = Field(default=None, max_length=1000)

    received_at: datetime = Field(sa_type=UTCDateTime)
    # the periods (working days) in force when the clocks started: see tracker.cases.deadlines
    answer_workdays: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    reopen_workdays: int | None = Field(default=None)
    due_at: datetime = Field(sa_type=UTCDateTime)
    due_is_provisional: bool = Field(default=False)
    triage_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_back_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # the deadline sweep: the next instant at which this case needs a look (NULL: none)
    sweep_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    feedback: str | None = Field(default=None, max_length=16)
    feedback_comment: str | None = Field(default=None, max_length=1000)
    feedback_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # the running pause (挂起; NULL: the clock runs) and when it ends on its own: see CasePause
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pause_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the report: when the case was first paused (挂起), and its last reopen after an unsatisfied rating (重办)
    first_paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.state != State.closed

    @property
    def is_closed_on_time(self) -> bool:
        """Closed, and the answer that was finally approved was on time (:func:`is_on_time`)."""
        return self.state == State.closed and self.answered_at is not None and is_on_time(
            self.answered_at, self.due_at)



class CaseAccess(SQLModel, table=True):
    """Which supervising organisations see a case: one row per ancestor (itself included) of its
    organiser and of its responsible supervisor, up to the national root (whose rows serve the
    admins' lists of every case).

    Derived from the case row, never written by hand (:mod:`tracker.cases.access` keeps it in
    step). It carries the case's state and due time so that a supervisor's queue is one ordered
    walk of ``(org_id, state, due_at)``, however many cases the tree holds.
    """

    __tablename__ = "case_access"
    __table_args__ = (sa.Index("ix_case_access_queue", "org_id", "state", "due_at", "case_id"),
                      # the load per organiser of the supervisor's overview
                      sa.Index("ix_case_access_load", "org_id", "state", "organiser_id", "due_at"))

    org_id: int = Field(foreign_key="organisation.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    case_id: int = Field(foreign_key="case_report.id", primary_key=True, index=True,
                         sa_column_kwargs={"autoincrement": False})
    state: str = Field(max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime)
    organiser_id: int | None = Field(default=None)


class CaseEvent(SQLModel, table=True):
    """An append-only audit row: who did what to a case, the states before and after, and when."""

    __tablename__ = "case_event"
    __table_args__ = (sa.Index("ix_case_event_case", "case_id", "id"),
                      # an organisation's "cases I returned": its users' return events, newest first
                      sa.Index("ix_case_event_actor", "actor_user_id", "action", "id"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_report.id")
    action: str = Field(max_length=32)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_label: str = Field(default="", max_length=100)
    state_before: str | None = Field(default=None, max_length=16)
    state_after: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_type=sa.Text)
    is_public: bool = Field(default=False)
    data: dict = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    """A screenshot, already decoded, stripped of metadata and re-encoded."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_report.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=50)
    width: int
    height: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


#: what each state of an extension request is called on screen
EXTENSION_STATE_NAMES = {
    "pending": lazy_pgettext("extension", "待审批"),
    "approved": lazy_pgettext("extension", "已批准"),
    "denied": lazy_pgettext("extension", "未批准"),
}


class ExtensionRequest(SQLModel, table=True):
    """An organiser's request for more working days, decided by the supervisor."""

    __tablename__ = "extension_request"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'approved', 'denied')", name="ck_extension_state"),
        sa.CheckConstraint("workdays BETWEEN 1 AND 30", name="ck_extension_workdays"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_report.id", index=True)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reason: str = Field(max_length=1000)
    workdays: int
    state: str = Field(default="pending", max_length=16, index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decision_note: str | None = Field(default=None, max_length=1000)
    due_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


#: what each approval state of a pause is called on screen
PAUSE_APPROVAL_NAMES = {
    "not_needed": lazy_pgettext("pause", "无需审批"),
    "pending": lazy_pgettext("pause", "待审批"),
    "approved": lazy_pgettext("pause", "已批准"),
    "denied": lazy_pgettext("pause", "未批准"),
}
#: how a pause ended
PAUSE_END_NAMES = {
    "citizen": lazy_pgettext("pause", "网民已补充"),
    "organiser": lazy_pgettext("pause", "承办单位恢复计时"),
    "limit": lazy_pgettext("pause", "挂起期满自动恢复"),
}


class CasePause(SQLModel, table=True):
    """A pause of a case's clock (挂起) while the organiser waits for the citizen.

    It carries its own rules, stored when it starts: the limit in working days after which it ends
    on its own, and whether it counts only once a supervisor approves it. When it ends it records
    the working days paused (:func:`tracker.cases.deadlines.pause_workdays`) and, once it counts,
    the due time before and after the move.
    """

    __tablename__ = "case_pause"
    __table_args__ = (
        sa.CheckConstraint("approval IN ('not_needed', 'pending', 'approved', 'denied')", name="ck_pause_approval"),
        sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('citizen', 'organiser', 'limit')",
                           name="ck_pause_end_reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_report.id", index=True)
    started_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reason: str = Field(max_length=1000)
    started_at: datetime = Field(sa_type=UTCDateTime)
    limit_workdays: int
    ends_at: datetime = Field(sa_type=UTCDateTime)
    approval: str = Field(default="not_needed", max_length=16)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=1000)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=16)
    reply: str | None = Field(default=None, max_length=1000)
    workdays: int | None = Field(default=None)
    counted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_after: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def counts(self) -> bool:
        """Whether the pause moves the due time: no approval needed, or approved."""
        return self.approval in ("not_needed", "approved")


class CannedAnswer(SQLModel, table=True):
    """A reusable answer text, per category and optionally per organisation."""

    __tablename__ = "canned_answer"

    id: int | None = Field(default=None, primary_key=True)
    category_code: int | None = Field(default=None, foreign_key="category.code", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    title: str = Field(max_length=100)
    body: str = Field(sa_type=sa.Text)


class TrackingSequence(SQLModel, table=True):
    """The last sequence number issued for each receipt day (Beijing date, YYYYMMDD)."""

    __tablename__ = "tracking_sequence"

    day: str = Field(primary_key=True, max_length=8)
    last_value: int = Field(default=0)


class LintRule(SQLModel, table=True):
    """An answer-lint rule's switch and parameters (:mod:`tracker.cases.lint` holds the rules
    themselves). A rule without a row is on, with its default parameters."""

    __tablename__ = "lint_rule"

    code: str = Field(primary_key=True, max_length=40)
    enabled: bool = Field(default=True)
    params: dict = Field(default_factory=dict, sa_type=JSONType)
