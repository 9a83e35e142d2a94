"""Case states and outcomes, with their national platform codes and display names."""
from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    received = "received"
    triage = "triage"
    assigned = "assigned"
    in_progress = "in_progress"
    in_review = "in_review"
    closed = "closed"


OPEN_STATES = (State.received, State.triage, State.assigned, State.in_progress, State.in_review)

STATE_NAMES = {
    State.received: ("已收到", "Received"),
    State.triage: ("待分办", "Awaiting triage"),
    State.assigned: ("待签收", "Assigned"),
    State.in_progress: ("办理中", "In progress"),
    State.in_review: ("待审核", "In review"),
    State.closed: ("已办结", "Closed"),
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
    Outcome.fixed: ("属实已整改", "Confirmed and fixed"),
    Outcome.explained: ("已核实说明", "Checked and explained"),
    Outcome.duplicate: ("留言重复", "Duplicate"),
    Outcome.out_of_scope: ("不属于受理范围", "Out of scope"),
    Outcome.not_gov_site: ("不属于政府网站", "Not a government website"),
    Outcome.insufficient_info: ("信息不全", "Insufficient information"),
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
