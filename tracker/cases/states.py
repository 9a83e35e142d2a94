"""Case states and outcomes, with their national platform codes and display names."""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_pgettext


class State(StrEnum):
    received = "received"
    triage = "triage"
    assigned = "assigned"
    in_progress = "in_progress"
    in_review = "in_review"
    closed = "closed"


OPEN_STATES = (State.received, State.triage, State.assigned, State.in_progress, State.in_review)

STATE_NAMES = {
    State.received: lazy_pgettext("state", "已收到"),
    State.triage: lazy_pgettext("state", "待分办"),
    State.assigned: lazy_pgettext("state", "待签收"),
    State.in_progress: lazy_pgettext("state", "办理中"),
    State.in_review: lazy_pgettext("state", "待审核"),
    State.closed: lazy_pgettext("state", "已办结"),
}


class Outcome(StrEnum):
    fixed = "fixed"
    explained = "explained"
    duplicate = "duplicate"
    out_of_scope = "out_of_scope"
    not_gov_site = "not_gov_site"
    insufficient_info = "insufficient_info"


#: outcomes an answer can carry (the organiser dealt with the error)
ANSWER_OUTCOMES = (Outcome.fixed, Outcome.explained)
#: the four "not taken up" outcomes (不予受理)
NOT_TAKEN_UP_OUTCOMES = (
    Outcome.duplicate,
    Outcome.out_of_scope,
    Outcome.not_gov_site,
    Outcome.insufficient_info,
)

OUTCOME_NAMES = {
    Outcome.fixed: lazy_pgettext("outcome", "属实已整改"),
    Outcome.explained: lazy_pgettext("outcome", "已核实说明"),
    Outcome.duplicate: lazy_pgettext("outcome", "留言重复"),
    Outcome.out_of_scope: lazy_pgettext("outcome", "不属于受理范围"),
    Outcome.not_gov_site: lazy_pgettext("outcome", "不属于政府网站"),
    Outcome.insufficient_info: lazy_pgettext("outcome", "信息不全"),
}

#: the national platform's ``status`` code for each outcome
OUTCOME_BY_PLATFORM_STATUS = {
    1: Outcome.fixed,
    22: Outcome.explained,
    13: Outcome.duplicate,
    20: Outcome.out_of_scope,
    12: Outcome.not_gov_site,
    19: Outcome.insufficient_info,
}

def sql_in(values) -> str:
    """``'a', 'b'`` for a CHECK constraint over an enum."""
    return ", ".join(f"'{v.value}'" for v in values)
