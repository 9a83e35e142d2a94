"""Reads of the page checks: a case's panel, the reviewer's pairs, the API's list, one line per check."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlmodel import Session, select

from tracker.cases.models import Case
from tracker.cases.scope import Actor
from tracker.evidence.models import PageCheck
from tracker.evidence.operations import can_request_check
from tracker.evidence.warnings import (
    ERROR_NAMES,
    REASON_NAMES,
    ProbeWarning,
    describe,
    pair,
    probe_warnings,
    short_diff,
)


def checks_of(session: Session, case: Case) -> list[PageCheck]:
    """The checks of ``case``, oldest first."""
    return list(session.exec(select(PageCheck).where(PageCheck.case_id == case.id).order_by(PageCheck.id)).all())


def finished_checks(session: Session, case: Case) -> list[PageCheck]:
    """The checks of ``case`` that have a result (not one still being fetched), oldest first."""
    return [check for check in checks_of(session, case) if check.error != "pending"]


@dataclass
class Evidence:
    """The checks of one case as a reviewer reads them: on intake, after the answer, the warnings."""

    before: PageCheck | None = None
    after: PageCheck | None = None
    warnings: list[ProbeWarning] = field(default_factory=list)
    diff: list[tuple[str, str]] = field(default_factory=list)


def evidence(checks: list[PageCheck], case: Case) -> Evidence:
    before, after = pair(checks)
    return Evidence(before, after, probe_warnings(checks, case.category_code, case.outcome),
                    short_diff(before.text if before else None, after.text if after else None))


def panel(session: Session, actor: Actor, case: Case) -> dict:
    """What the case page's 页面检查 panel shows."""
    checks = checks_of(session, case)
    return {"page_checks": list(reversed(checks)), "page_evidence": evidence(checks, case),
            "can_recheck": current_app.config["PROBE"] and can_request_check(session, actor, case),
            "describe_check": describe, "check_reasons": REASON_NAMES, "check_errors": ERROR_NAMES}


def review_evidence(session: Session, cases: list[Case]) -> dict:
    """``{case id: Evidence}`` for the cases of a review queue (one query on the case index), and
    the helpers the queue's template uses."""
    ids = [c.id for c in cases]
    by_case: dict[int, list[PageCheck]] = {i: [] for i in ids}
    if ids:
        for check in session.exec(select(PageCheck).where(PageCheck.case_id.in_(ids))
                                  .order_by(PageCheck.case_id, PageCheck.id)):
            by_case[check.case_id].append(check)
    return {"review_checks": {c.id: evidence(by_case[c.id], c) for c in cases if by_case[c.id]},
            "describe_check": describe, "check_reasons": REASON_NAMES}


def api_list(session: Session, case: Case) -> list[dict]:
    """The checks of ``case`` for the API, oldest first."""
    return [{"id": c.id, "reason": c.reason, "checked_at": c.checked_at, "status": c.status, "error": c.error,
             "final_url": c.final_url, "title": c.title, "elapsed_ms": c.elapsed_ms, "content_type": c.content_type,
             "size": c.size, "truncated": c.truncated, "text_hash": c.text_hash, "redirects": c.redirects}
            for c in checks_of(session, case)]
