"""The reasons the comparison gives, each read from the case's history after publication."""
from __future__ import annotations

import pytest

from tests.report.conftest import bj
from tracker.cases import operations as ops
from tracker.db import frozen_clock
from tracker.published.operations import publish_report
from tracker.published.util import diff
from tracker.reports.params import make_params


def _publish(session, tree, at, **kw):
    with frozen_clock(at):
        params = make_params(date_from="2024-06-01", date_to="2024-06-30", scope_org=tree.province, **kw)
        return publish_report(session, params, fixed_as_of="as_of" in kw, actor=tree.supervisor)


def _reasons(session, published, at) -> dict:
    with frozen_clock(at):
        return {case["case_id"]: case["reasons"] for case in diff(session, published)["cases"]}


def test_approved_late_and_due_passed(session, tree):
    in_review = tree.submit(bj(6, 3, 9), site=tree.gz_site)
    tree.do(bj(6, 3, 11), ops.answer, in_review, tree.gz_staff, text="已更正。")  # waits for the final review
    tree.session.commit()
    waiting = tree.submit(bj(6, 20, 9), site=tree.sz_site)  # Thursday: due Tuesday 25 June 24:00
    published = _publish(session, tree, bj(6, 21, 10))
    # the answer waits for review past its due time; the other case is not due yet
    assert (published.figures["open_overdue"], published.figures["open_not_due"]) == (1, 1)

    tree.do(bj(6, 27, 9), ops.approve, in_review, tree.supervisor)
    assert _reasons(session, published, bj(6, 27, 10)) == {in_review.id: ["approved_late"],
                                                           waiting.id: ["due_passed"]}


def test_imported_and_received_later(session, tree):
    tree.answer(tree.submit(bj(6, 3, 9), site=tree.gz_site), bj(6, 3, 11), bj(6, 3, 12))
    published = _publish(session, tree, bj(6, 21, 10))
    late_record = tree.submit(bj(6, 22, 9), site=tree.gz_site)  # recorded on 22 June
    with frozen_clock(bj(6, 25, 9)):  # recorded on 25 June, received on 20 June (before publication)
        imported = tree.factory.case(site=tree.sz_site, received_at=bj(6, 20, 9))
    reasons = _reasons(session, published, bj(6, 25, 10))
    assert reasons == {late_record.id: ["received_later"], imported.id: ["imported_later"]}


def test_a_fixed_as_of_moment_ignores_what_came_after_it(session, tree):
    case = tree.answer(tree.submit(bj(6, 3, 9), site=tree.gz_site), bj(6, 3, 11), bj(6, 3, 12))
    published = _publish(session, tree, bj(7, 2, 10), as_of="2024-06-30")
    assert published.as_of_rule == "fixed"
    tree.do(bj(7, 3, 9), ops.reopen, case, tree.supervisor, reason="网民不满意。")
    with frozen_clock(bj(7, 3, 10)):
        result = diff(session, published)
    # reopened after the as-of moment: judged as it stood then, so nothing changed
    assert result["unchanged"] and result["as_of"] == "2024-07-01T00:00:00+08:00"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_the_api_has_no_way_to_change_one(client, method, session, tree):
    published = _publish(session, tree, bj(6, 21, 10))
    session.commit()
    response = getattr(client, method)(f"/api/v1/published/{published.id}", json={"sentence": "x"})
    assert response.status_code in (401, 404, 405)
    session.expire_all()
    assert session.get(type(published), published.id).sentence.startswith("2024年6月1日至6月30日")
