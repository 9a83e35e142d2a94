"""What the public surfaces show of a report, sent through the web form or the API: page addresses
without their query, personal data masked."""
from __future__ import annotations

import json

import pytest

from tests.public.helpers import answer_and_close, submit_form

SECRET_URL = ("https://citizen:hunter2@www.example.gov.cn:443/login;jsessionid=S3SS10N?phone=13912345678"
              "&idno=110101199001011234&email=victim%40example.com#secret-fragment")
SECRETS = ("hunter2", "citizen:", "jsessionid", "S3SS10N", "phone=", "13912345678", "idno", "110101199001011234",
           "victim", "secret-fragment", "王小明")


@pytest.fixture()
def site(factory):
    return factory.site(host="www.example.gov.cn", name="示例市人民政府门户网站")


def test_every_public_surface_shows_the_page_address_without_query_and_masked(client, session, factory, site):
    case, code = submit_form(client, session, page_url=SECRET_URL, contact_name="王小明",
                             description="我是王小明，登录后页面空白，我的手机139 1234 5678。")
    assert case.page_url == SECRET_URL  # staff still see the address as given
    track = {"number": case.tracking_number, "code": code}
    before_closing = client.get("/track", query_string=track, follow_redirects=True).get_data(as_text=True)
    answer_and_close(factory, session, case, "王小明网友：您好！您反映的页面已修复，如有问题请联系 13912345678。")

    pages = {
        "/answers": client.get("/answers").get_data(as_text=True),
        "/track before closing": before_closing,
        "/track": client.get("/track", query_string=track, follow_redirects=True).get_data(as_text=True),
        "API status": json.dumps(client.get(f"/api/v1/cases/{case.tracking_number}",
                                            query_string={"code": code}).get_json(), ensure_ascii=False),
    }
    for surface, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, (surface, secret)
    for surface in ("/answers", "/track before closing", "/track"):
        assert "https://www.example.gov.cn/login<" in pages[surface], surface
        assert "139 **** 5678" in pages[surface] and "我是王**" in pages[surface], surface
    assert "王**网友" in pages["/track"] and "139****5678" in pages["/track"]
    assert "王**网友" in pages["/answers"] and "王**网友" in pages["API status"]


def test_a_report_sent_by_api_is_tracked_without_its_query(client, site):
    created = client.post("/api/v1/cases", json={
        "page_url": SECRET_URL, "category": 2, "description": "登录页打不开。", "contact_phone": "13800138000",
        "consent": True}).get_json()
    html = client.get("/track", query_string={"number": created["tracking_number"],
                                              "code": created["query_code"]},
                      follow_redirects=True).get_data(as_text=True)
    assert "https://www.example.gov.cn/login<" in html
    for secret in ("hunter2", "jsessionid", "13912345678", "110101199001011234", "victim", "secret-fragment"):
        assert secret not in html
