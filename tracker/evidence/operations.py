"""Recording page checks: the job that fetches a case's page, and a staff member's request for one.

A check is asked for through the outbox (topic ``page_check``), in the same commit as the change
that calls for it: the intake of a case, an answer "fixed" (:mod:`tracker.cases.operations`), or
:func:`request_check`. The job (:func:`run_check`, called by the outbox's actor) claims the row,
writes a ``PageCheck`` marked ``pending`` (which also holds the host's turn), fetches the page with
no transaction open, then writes the result, a ``page_check`` event in the case's history (with the
warnings a check on the answer raises) and the row's confirmation in one commit.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.cases import history
from tracker.cases.history import Action, PageChecked
from tracker.cases.models import Case
from tracker.cases.operations import PAGE_CHECK_TOPIC
from tracker.cases.scope import SYSTEM, Actor, can_see
from tracker.db import utcnow
from tracker.errors import DomainError, NotAllowed
from tracker.evidence.models import PageCheck
from tracker.evidence.probe import ProbeResult, ProbeSettings, probe
from tracker.evidence.warnings import REASON_NAMES, describe, probe_warnings
from tracker.extensions import db
from tracker.outbox import claim, enqueue
from tracker.outbox.models import Outbox

log = logging.getLogger(__name__)
STAFF = ("organiser", "supervisor", "admin")
REASONS = ("intake", "answer", "manual")


def settings_from(config) -> ProbeSettings:
    """The fetch settings of this installation (``TRACKER_PROBE_*``)."""
    return ProbeSettings(allow=tuple(config["PROBE_ALLOW"]), ports=frozenset(config["PROBE_PORTS"]),
                         user_agent=config["PROBE_USER_AGENT"],
                         connect_timeout=float(config["PROBE_CONNECT_TIMEOUT_SECONDS"]),
                         total_timeout=float(config["PROBE_TIMEOUT_SECONDS"]),
                         max_bytes=int(config["PROBE_MAX_BYTES"]))


def host_of(url: str) -> str:
    try:
        return (httpx.URL(url.strip()).host or "")[:255]
    except (httpx.InvalidURL, ValueError, TypeError):
        return ""


# ---------------------------------------------------------------- asking for a check


def latest_request_at(session: Session, case: Case):
    """When a check of ``case`` was last asked for (an outbox row), or None."""
    return session.exec(select(sa.func.max(Outbox.created_at))
                        .where(Outbox.case_id == case.id, Outbox.topic == PAGE_CHECK_TOPIC)).one()


def can_request_check(session: Session, actor: Actor, case: Case) -> bool:
    """Any staff member who sees the case may ask for its page to be checked again."""
    return actor.role in STAFF and can_see(session, actor, case)


def request_check(session: Session, case: Case, actor: Actor) -> Outbox:
    """Ask for the page of ``case`` to be checked again (重新检查), at most once per
    ``PROBE_RECHECK_SECONDS`` per case (counting the automatic checks)."""
    config = current_app.config
    if not can_request_check(session, actor, case):
        raise NotAllowed(_l("您不能检查该留言的页面。"))
    if not config["PROBE"]:
        raise DomainError(_l("本系统未开启页面检查。"), code="probe_off", status=409)
    last = latest_request_at(session, case)
    wait = int(config["PROBE_RECHECK_SECONDS"])
    if last is not None and utcnow() - last < timedelta(seconds=wait):
        raise DomainError(_l("该页面刚检查过，请%(n)s秒后再试。", n=wait), code="too_many_requests", status=429)
    return enqueue(session, PAGE_CHECK_TOPIC, case_id=case.id,
                   payload={"reason": "manual", "requested_by": actor.user_id})


# ---------------------------------------------------------------- the job


def _finish_row(session: Session, outbox_id: int, *, note: str | None = None, retry_at=None) -> None:
    """Confirm the outbox row (done), or hand it back for the relay at ``retry_at``."""
    values = ({"claimed_at": None, "next_attempt_at": retry_at} if retry_at is not None
              else {"sent_at": utcnow(), "last_error": note})
    session.execute(sa.update(Outbox).where(Outbox.id == outbox_id, Outbox.sent_at.is_(None)).values(**values)
                    .execution_options(synchronize_session=False))


def _host_busy_until(session: Session, host: str, now):
    interval = int(current_app.config["PROBE_HOST_INTERVAL_SECONDS"])
    if not host or interval <= 0:
        return None
    last = session.exec(select(sa.func.max(PageCheck.checked_at)).where(PageCheck.host == host)).one()
    if last is not None and now - last < timedelta(seconds=interval):
        return last + timedelta(seconds=interval)
    return None


def run_check(outbox_id: int) -> str:
    """Run the page check asked for by outbox row ``outbox_id``: "checked", "skipped", "later" (the
    host had a check moments ago; the relay brings the row back) or "busy" (done or claimed)."""
    config = current_app.config
    session = db.job_session()
    now = utcnow()
    if not claim(session, outbox_id, now, config["OUTBOX_CLAIM_TIMEOUT_SECONDS"]):
        return "busy"
    row = session.exec(select(Outbox).where(Outbox.id == outbox_id).execution_options(populate_existing=True)).one()
    case = session.get(Case, row.case_id) if row.case_id else None
    reason = (row.payload or {}).get("reason")
    with db.transaction():
        if case is None or not config["PROBE"] or reason not in REASONS:
            _finish_row(session, outbox_id, note="skipped: page checks are off, or no such case")
            return "skipped"
        host = host_of(case.page_url)
        busy_until = _host_busy_until(session, host, now)
        if busy_until is not None:
            _finish_row(session, outbox_id, retry_at=busy_until)
            return "later"
        check = PageCheck(case_id=case.id, reason=reason, requested_by_id=(row.payload or {}).get("requested_by"),
                          url=case.page_url[:2000], host=host, checked_at=now, error="pending")
        session.add(check)
    result = probe(case.page_url, settings_from(config), now=now)  # no transaction is open while fetching
    with db.transaction():
        record_result(session, check, result)
        _finish_row(session, outbox_id)
    return "checked"


def _apply(check: PageCheck, result: ProbeResult) -> None:
    check.final_url = (result.final_url or "")[:2000] or None
    check.status = result.status
    check.status_text = result.reason
    check.error = result.error
    check.error_detail = result.error_detail
    check.elapsed_ms = result.elapsed_ms
    check.title = result.title
    check.content_type = result.content_type
    check.size = result.size
    check.truncated = result.truncated
    check.text_hash = result.text_hash
    check.text = result.text
    check.redirects = max(0, len(result.hops) - 1)


def record_result(session: Session, check: PageCheck, result: ProbeResult) -> PageCheck:
    """Write ``result`` into ``check`` and the case's history: a ``page_check`` event saying what
    came back and, for a check after the answer, which warnings it raises."""
    _apply(check, result)
    session.add(check)
    session.flush()
    case = session.get(Case, check.case_id)
    checks = session.exec(select(PageCheck).where(PageCheck.case_id == case.id).order_by(PageCheck.id)).all()
    warnings = probe_warnings(checks, case.category_code, case.outcome) if check.reason != "intake" else []
    history.record(session, case, Action.page_check, SYSTEM, case.state, note=summary(check, warnings),
                   data=PageChecked(check_id=check.id, reason=check.reason, status=check.status, error=check.error,
                                    warnings=[w.code for w in warnings]))
    return check


def summary(check: PageCheck, warnings) -> str:
    """The history's note on a check, in Chinese (notes are kept as written): what came back, and
    the warnings."""
    with force_locale("zh"):
        lines = [f"{REASON_NAMES.get(check.reason, check.reason)}：{describe(check)}"]
        lines += [str(w.message) for w in warnings]
    return "\n".join(lines)
