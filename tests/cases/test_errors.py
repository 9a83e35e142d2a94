"""Refusals carry a message in Chinese and in English, and the right class (and HTTP status)."""
from __future__ import annotations

import re

import pytest

from tracker.cases import operations as ops
from tracker.cases.scope import CITIZEN, Actor
from tracker.errors import DomainError, InvalidInput, InvalidState, NotAllowed, NotFound
from tracker.users.models import User

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def setup(session, factory):
    province = factory.province()
    organiser = factory.org(parent=province)
    site = factory.site(organiser=organiser, supervisor=province)

    def staff(role, org):
        user = User(email=f"{role}{org.code}@errors.example.cn", role=role, password_hash="!", organisation_id=org.id)
        session.add(user)
        session.flush()
        return Actor.of(user, session)

    case = factory.case(site=site)
    return case, staff("organiser", organiser), staff("supervisor", province)


def refusal(error_class, function, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        function(*args, **kwargs)
    error = caught.value
    assert type(error) is error_class, (type(error), error.message_en)
    assert CJK.search(error.message_zh), error.message_zh
    assert error.message_en and not CJK.search(error.message_en), error.message_en
    assert error.message("en") == error.message_en and error.message("zh") == error.message_zh
    return error


def test_refusals_in_both_languages(session, setup):
    case, organiser, supervisor = setup
    error = refusal(NotAllowed, ops.approve, session, case, organiser)
    assert error.status == 403 and "终审" not in error.message_en
    assert refusal(InvalidState, ops.approve, session, case, supervisor).status == 409
    error = refusal(InvalidInput, ops.return_case, session, case, organiser, reason="  ")
    assert error.status == 422 and "reason" in error.fields
    refusal(InvalidInput, ops.request_extension, session, case, organiser, workdays=31, reason="太多")
    refusal(InvalidInput, ops.request_extension, session, case, organiser, workdays=True, reason="布尔")
    ops.request_extension(session, case, organiser, workdays=2, reason="需要时间")
    refusal(InvalidState, ops.request_extension, session, case, organiser, workdays=2, reason="再来一次")
    refusal(NotFound, ops.decide_extension, session, case, supervisor, request_id=999999, approve=True)
    refusal(InvalidInput, ops.answer, session, case, organiser, text="好", outcome="duplicate")
    refusal(NotFound, ops.get_case, session, CITIZEN, case.tracking_number)
    refusal(NotFound, ops.perform, session, "explode", case, supervisor)


def test_feedback_refusals(session, setup):
    case, organiser, supervisor = setup
    ops.answer(session, case, organiser, text="已更正。")
    ops.approve(session, case, supervisor)
    refusal(InvalidInput, ops.record_feedback, session, case, satisfied=False, comment="")
    ops.record_feedback(session, case, satisfied=True)
    refusal(InvalidState, ops.record_feedback, session, case, satisfied=True)
