"""A case's history: the actions, the typed data each one records, and the one writer and reader.

The operations write every :class:`CaseEvent` through :func:`record`; the report replays history
through :func:`read`. Both go through the dataclasses below, so a field the report needs is one
that the writer is bound to write, under the same key.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum

from flask_babel import lazy_pgettext
from sqlmodel import Session

from tracker.cases.models import Case, CaseEvent
from tracker.db import utcnow


class Action(StrEnum):
    """What an event records. Most are operations (:mod:`tracker.cases.permissions`)."""

    submit = "submit"
    triage = "triage"
    assign = "assign"
    reroute = "reroute"
    accept = "accept"
    answer = "answer"
    approve = "approve"
    reject = "reject"
    return_case = "return"
    request_extension = "request_extension"
    decide_extension = "decide_extension"
    chase = "chase"
    close_not_taken_up = "close_not_taken_up"
    record_feedback = "record_feedback"
    reopen = "reopen"
    add_note = "add_note"
    recompute_due = "recompute_due"
    import_answer = "import_answer"
    page_check = "page_check"
    pause = "pause"
    resume = "resume"
    decide_pause = "decide_pause"


ACTION_NAMES = {
    Action.submit: lazy_pgettext("action", "提交留言"),
    Action.assign: lazy_pgettext("action", "分办"),
    Action.triage: lazy_pgettext("action", "转入待分办"),
    Action.reroute: lazy_pgettext("action", "改派"),
    Action.accept: lazy_pgettext("action", "签收"),
    Action.answer: lazy_pgettext("action", "答复"),
    Action.approve: lazy_pgettext("action", "审核通过"),
    Action.reject: lazy_pgettext("action", "驳回重办"),
    Action.return_case: lazy_pgettext("action", "退回"),
    Action.request_extension: lazy_pgettext("action", "申请延期"),
    Action.decide_extension: lazy_pgettext("action", "审批延期"),
    Action.chase: lazy_pgettext("action", "督办"),
    Action.close_not_taken_up: lazy_pgettext("action", "不予受理"),
    Action.record_feedback: lazy_pgettext("action", "评价"),
    Action.reopen: lazy_pgettext("action", "重办"),
    Action.add_note: lazy_pgettext("action", "内部备注"),
    Action.recompute_due: lazy_pgettext("action", "重新计算期限"),
    Action.import_answer: lazy_pgettext("action", "导入平台答复"),
    Action.page_check: lazy_pgettext("action", "页面检查"),
    Action.pause: lazy_pgettext("action", "挂起"),
    Action.resume: lazy_pgettext("action", "恢复计时"),
    Action.decide_pause: lazy_pgettext("action", "审批挂起"),
}


def action_name(action: str):
    """The name of an action (a lazy string); an unknown one is shown as itself."""
    try:
        return ACTION_NAMES[Action(action)]
    except ValueError:
        return action


# ---------------------------------------------------------------- typed data


def _instant(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


@dataclass(frozen=True)
class EventData:
    """Base of the typed data; stored as JSON with ISO instants."""

    def to_json(self) -> dict:
        data = {}
        for key in self._names():
            value = getattr(self, key)
            if isinstance(value, list):
                value = list(value)
            if isinstance(value, datetime):
                value = value.isoformat()
            if key == "extra":
                data.update(value or {})
                continue
            data[key] = value
        return data

    @classmethod
    @functools.cache
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_json(cls, data: dict):
        known = {f.name for f in fields(cls)}
        values = {}
        for f in fields(cls):
            if f.name == "extra":
                values["extra"] = {k: v for k, v in data.items() if k not in known}
            elif f.name in data:
                value = data[f.name]
                values[f.name] = _instant(value) if f.type in ("datetime", "datetime | None") else value
        return cls(**values)


@dataclass(frozen=True)
class Submitted(EventData):
    route: str = ""
    candidates: list = field(default_factory=list)
    #: the answer period in working days that this case's clock started with
    workdays: int | None = None


@dataclass(frozen=True)
class Triaged(EventData):
    reason: str = ""


@dataclass(frozen=True)
class Assigned(EventData):
    organiser_id: int | None = None
    organiser: str | None = None


@dataclass(frozen=True)
class Returned(EventData):
    returned_by: int | None = None


@dataclass(frozen=True)
class Closing(EventData):
    """An answer, a not-taken-up decision, an approval or a platform answer: the outcome it carries."""

    outcome: str | None = None
    answer: str | None = None
    handled_by: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Answered(Closing):
    """An organiser's answer: its outcome, and the codes of the answer-lint rules it triggered
    (:mod:`tracker.cases.lint`), which the organiser confirmed or the API client let through."""

    lint: list = field(default_factory=list)


@dataclass(frozen=True)
class ExtensionRequested(EventData):
    workdays: int = 0
    request_id: int | None = None


@dataclass(frozen=True)
class ExtensionDecided(EventData):
    request_id: int | None = None
    approved: bool = False
    workdays: int = 0
    due_before: datetime | None = None
    due_after: datetime | None = None


@dataclass(frozen=True)
class Reopened(EventData):
    #: the new clock: its period in working days and the due time it gave
    due_at: datetime | None = None
    workdays: int | None = None


@dataclass(frozen=True)
class DueRecomputed(EventData):
    due_before: datetime | None = None
    due_after: datetime | None = None
    provisional: bool = False


@dataclass(frozen=True)
class Rated(EventData):
    satisfied: bool = False


@dataclass(frozen=True)
class PageChecked(EventData):
    """A check of the reported page (:mod:`tracker.evidence`): what came back, and the codes of the
    warnings it raised on a "fixed" answer."""

    check_id: int | None = None
    reason: str = ""
    status: int | None = None
    error: str | None = None
    warnings: list = field(default_factory=list)


@dataclass(frozen=True)
class Paused(EventData):
    """A pause of the clock (挂起) and the rules it started with: its limit in working days, when
    it ends on its own, and whether it counts only once a supervisor approves it."""

    pause_id: int | None = None
    limit_workdays: int = 0
    ends_at: datetime | None = None
    needs_approval: bool = False


@dataclass(frozen=True)
class PauseCounted(EventData):
    """The end of a pause (``resume``: by the citizen's reply, the organiser or the limit) or a
    supervisor's decision on it (``decide_pause``): the working days paused and, when the pause
    counts, the due time it moved (``due_after`` None: the due time did not move)."""

    pause_id: int | None = None
    by: str | None = None
    approved: bool | None = None
    workdays: int | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None


@dataclass(frozen=True)
class NoData(EventData):
    pass


DATA_TYPES: dict[Action, type[EventData]] = {
    Action.submit: Submitted,
    Action.triage: Triaged,
    Action.assign: Assigned,
    Action.reroute: Assigned,
    Action.return_case: Returned,
    Action.answer: Answered,
    Action.close_not_taken_up: Closing,
    Action.approve: Closing,
    Action.import_answer: Closing,
    Action.request_extension: ExtensionRequested,
    Action.decide_extension: ExtensionDecided,
    Action.reopen: Reopened,
    Action.recompute_due: DueRecomputed,
    Action.record_feedback: Rated,
    Action.page_check: PageChecked,
    Action.pause: Paused,
    Action.resume: PauseCounted,
    Action.decide_pause: PauseCounted,
}


def read(event: CaseEvent) -> EventData:
    """The typed data of ``event``."""
    try:
        cls = DATA_TYPES.get(Action(event.action), NoData)
    except ValueError:
        cls = NoData
    return cls.from_json(event.data or {})


def event(case, action: Action, actor, before: str | None, *, note: str | None = None, public: bool = False,
          data: EventData | None = None, now: datetime | None = None) -> dict:
    """The row of the event of ``action`` by ``actor`` (an :class:`~tracker.cases.scope.Actor`) on
    ``case`` (a :class:`Case`, or a plain stand-in of a new one), not yet written: it carries the
    case's state and id as they are now, and stamps the case's ``updated_at``. :func:`record`
    adds it to the session; :func:`write` writes many at once."""
    expected = DATA_TYPES.get(action, NoData)
    if data is not None and not isinstance(data, expected):
        raise TypeError(f"{action} records {expected.__name__}, not {type(data).__name__}")
    created_at = now or utcnow()
    case.updated_at = created_at
    return {"case_id": case.id, "action": action.value, "actor_user_id": actor.user_id, "actor_label": actor.label,
            "state_before": before, "state_after": case.state, "note": note, "is_public": public,
            "data": data.to_json() if data is not None else {}, "created_at": created_at}


def add(session: Session, row: dict) -> CaseEvent:
    """Add an event row built by :func:`event` to the session."""
    created = CaseEvent(**row)
    session.add(created)
    return created


def record(session: Session, case: Case, action: Action, actor, before: str | None, *,
           note: str | None = None, public: bool = False, data: EventData | None = None,
           now: datetime | None = None) -> CaseEvent:
    """Append the event of ``action`` by ``actor`` (an :class:`~tracker.cases.scope.Actor`)."""
    return add(session, event(case, action, actor, before, note=note, public=public, data=data, now=now))


def write(connection, rows: list[dict]) -> None:
    """Write event rows built by :func:`event` (their ``case_id`` set) in one executemany, beside
    the session: for new cases, whose events nobody reads back in the same unit of work."""
    if rows:
        connection.execute(CaseEvent.__table__.insert(), rows)


@dataclass(frozen=True)
class Entry:
    """One line of a case's story: the event, its typed data, and which occurrence of its action
    it is (the 2nd chase is ``ordinal`` 2)."""

    event: CaseEvent
    data: EventData
    ordinal: int


def timeline(events: list[CaseEvent]) -> list[Entry]:
    """``events`` (oldest first) as the lines the case page shows."""
    seen: dict[str, int] = {}
    entries = []
    for one in events:
        seen[one.action] = seen.get(one.action, 0) + 1
        entries.append(Entry(one, read(one), seen[one.action]))
    return entries
