"""What the report form stores: no invisible characters in any text, one plain email address."""
from __future__ import annotations

import re

import pytest

from tests.public.helpers import BAD_EMAILS, answer_and_close, case_count, report_data, submit_form
from tracker.cases.validation import INVISIBLE


@pytest.fixture()
def site(factory):
    return factory.site(host="www.example.gov.cn", name="示例市人民政府门户网站")


def test_invisible_characters_are_removed_from_every_field_of_the_form(client, session, site):
    rlo, zwsp, lri, pdi = "\u202e", "\u200b", "\u2066", "\u2069"
    case, _code = submit_form(
        client, session,
        page_url=f"https://www.example.gov.cn/{rlo}zwgk{zwsp}/notice.html{pdi}",
        site_code=f"{zwsp}{site.code}{rlo}",
        description=f"{rlo}页面上的{lri}通知{pdi}已过期\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u2060\ufeff。",
        contact_name=f"王{zwsp}小明{rlo}", contact_phone=f"139{zwsp}12345678", contact_email=f"a{rlo}@example.com")
    stored = (case.page_url, case.site_code_given, case.description, case.contact_name, case.contact_phone,
              case.contact_email)
    assert stored == ("https://www.example.gov.cn/zwgk/notice.html", site.code, "页面上的通知已过期。", "王小明",
                      "13912345678", "a@example.com")
    assert case.site_id == site.id
    assert not set("".join(stored)) & set(INVISIBLE)


def test_a_description_of_invisible_characters_only_is_empty(client, session, site):
    response = client.post("/report", data=report_data(description="\u202e\u200b\u2066\u2069"))
    assert response.status_code == 422 and "请描述页面上的错误" in response.get_data(as_text=True)


def test_invisible_characters_are_removed_from_the_rating_comment(client, session, factory, site):
    case, code = submit_form(client, session)
    answer_and_close(factory, session, case, "已修改。")
    only_invisible = client.post("/track/rate", data={"number": case.tracking_number, "code": code,
                                                       "rating": "unsatisfied", "comment": "\u202e\u200b"})
    assert only_invisible.status_code == 422 and case.feedback is None
    response = client.post("/track/rate", data={"number": case.tracking_number, "code": code,
                                                 "rating": "unsatisfied", "comment": "链接\u202e仍然\u200b打不开"})
    assert response.status_code == 303
    assert case.feedback_comment == "链接仍然打不开"




@pytest.mark.parametrize("email", BAD_EMAILS)
def test_the_form_takes_one_plain_email_address_only(client, session, site, email):
    before = case_count(session)
    response = client.post("/report", data=report_data(contact_phone="", contact_email=email))
    assert response.status_code == 422
    assert re.search(r'id="contact_email-error">[^<]*邮箱格式不正确', response.get_data(as_text=True))
    assert case_count(session) == before


def test_a_plain_email_address_is_kept_as_written(client, session, site):
    case, _code = submit_form(client, session, contact_phone="", contact_email=" Citizen.Name+gov@Example.COM ")
    assert case.contact_email == "Citizen.Name+gov@Example.COM"
