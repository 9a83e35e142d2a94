"""For random case sets driven through the operations, the report's counts equal a plain count."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.report.conftest import bj
from tracker.cases import operations as ops
from tracker.reports.figures import sla_report

AS_OF_EARLIEST = bj(4, 8, 0)

case_plans = st.fixed_dictionaries({
    "received_hours": st.integers(min_value=-4 * 24, max_value=34 * 24),  # from 4/1 00:00
    "city": st.sampled_from(["gz", "sz", "triage"]),
    "action": st.sampled_from(["none", "accept", "answer", "not_taken_up"]),
    "answer_hours": st.integers(min_value=1, max_value=12 * 24),
    "approve_hours": st.one_of(st.none(), st.integers(min_value=0, max_value=4 * 24)),
    "outcome": st.sampled_from(["fixed", "explained"]),
})


def plain_count(cases, start, end, as_of, owner_city):
    counts = dict.fromkeys(("received", "closed", "closed_on_time", "closed_late", "open_overdue",
                            "open_not_due", "confirmed"), 0)
    rows: dict = {}
    for case in cases:
        if not (start <= case.received_at < end) or case.received_at > as_of:
            continue
        closed = case.state == "closed" and case.closed_at <= as_of
        hits = ["received"]
        if closed:
            hits.append("closed")
            hits.append("closed_on_time" if case.answered_at < case.due_at else "closed_late")
            if case.outcome == "fixed":
                hits.append("confirmed")
        else:
            hits.append("open_overdue" if case.due_at <= as_of else "open_not_due")
        row = rows.setdefault(owner_city(case), dict.fromkeys(counts, 0))
        for key in hits:
            counts[key] += 1
            row[key] += 1
    return counts, rows


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=st.lists(case_plans, max_size=10), as_of_hours=st.integers(min_value=0, max_value=30 * 24))
def test_report_counts_equal_a_plain_count(session, tree, plans, as_of_hours):
    savepoint = session.begin_nested()
    try:
        cases = []
        for plan in plans:
            received = bj(4, 1, 0) + timedelta(hours=plan["received_hours"], minutes=7)
            if plan["city"] == "triage":
                case = tree.submit(received, page_url="https://nowhere.example.com/x")
            else:
                case = tree.submit(received, site=tree.gz_site if plan["city"] == "gz" else tree.sz_site)
            answered = received + timedelta(hours=plan["answer_hours"])
            if plan["city"] == "triage":
                if plan["action"] in ("answer", "not_taken_up"):
                    tree.do(answered, ops.close_not_taken_up, case, tree.supervisor, outcome="out_of_scope",
                            reason="不属于受理范围。")
            else:
                staff = tree.staff_for(case)
                if plan["action"] == "accept":
                    tree.do(received + timedelta(minutes=30), ops.accept, case, staff)
                elif plan["action"] in ("answer", "not_taken_up"):
                    if plan["action"] == "answer":
                        tree.do(answered, ops.answer, case, staff, text="已整改。", outcome=plan["outcome"])
                    else:
                        tree.do(answered, ops.close_not_taken_up, case, staff, outcome="duplicate", reason="重复。")
                    if plan["approve_hours"] is not None:
                        tree.do(answered + timedelta(hours=plan["approve_hours"]), ops.approve, case,
                                tree.supervisor)
            cases.append(case)
        session.flush()
        as_of = AS_OF_EARLIEST + timedelta(hours=as_of_hours)
        report = sla_report(session, date_from="2024-04-01", date_to="2024-04-30", scope_org=tree.province,
                            as_of=as_of)
        city_of = {tree.gz_org.id: "440100", tree.sz_org.id: "440300"}
        counts, rows = plain_count(cases, bj(4, 1, 0), bj(5, 1, 0), as_of,
                                   lambda c: city_of.get(c.organiser_id, "440000"))
        assert {k: report[k] for k in counts} == counts
        assert {r["key"]: {k: r[k] for k in counts} for r in report["rows"]} == rows
    finally:
        savepoint.rollback()
