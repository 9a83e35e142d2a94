"""The report form over HTTP: a good report, refused uploads and fields, captcha, CSRF, rate limit."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import refresh
from PIL import Image
from sqlmodel import select

from tests.conftest import BASE_CONFIG, fresh_database_url
from tests.factories import Factory
from tests.public.helpers import case_count, png_bomb, png_bytes, report_data
from tracker import create_app
from tracker.cases.models import Attachment, Case
from tracker.extensions import db as tracker_db
from tracker.outbox.models import Outbox


def field_error(html: str, field: str) -> str:
    """The error text shown beside ``field`` (empty when none)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.DOTALL)
    return match.group(1) if match else ""


@pytest.fixture()
def site(factory):
    return factory.site(host="www.example.gov.cn", name="示例市人民政府门户网站")


def test_form_ties_labels_to_fields_and_lists_active_categories(client):
    html = client.get("/report").get_data(as_text=True)
    for name in ("site_code", "page_url", "category", "description", "screenshots", "contact_name",
                 "contact_phone", "contact_email", "consent"):
        assert f'<label for="{name}">' in html and f'id="{name}"' in html
    assert "内容不准确" in html and "平台码5" not in html  # code 5 is inactive
    assert 'src="/static/js/public.js"' in html and "http://" not in html.split("<body")[0].replace(
        "http://www.w3.org", "")
    refresh()  # the test app context outlives requests; forget the cached locale
    english = client.get("/report?lang=en").get_data(as_text=True)
    assert "Address of the page" in english and "Submit report" in english


def test_a_good_report_is_confirmed_with_number_code_and_due_date(client, session, site):
    upload = png_bytes(exif=True, fmt="JPEG")
    assert b"SecretCamera" in upload
    response = client.post("/report", data={**report_data(contact_email="citizen@example.com"),
                                             "screenshots": [(io.BytesIO(upload), "屏幕 截图.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/report/received")
    html = client.get("/report/received").get_data(as_text=True)
    number = re.search(r'id="tracking-number"[^>]*>([^<]+)<', html).group(1)
    code = re.search(r'id="query-code"[^>]*>([^<]+)<', html).group(1)
    assert "查询码" in html and re.fullmatch(r"[A-Z2-9]{16}", code)
    case = session.exec(select(Case).where(Case.tracking_number == number)).one()
    assert case.site_id == site.id and case.contact_phone == "13912345678"
    assert re.search(r'id="due-at">\d{4}-\d\d-\d\d 24:00', html)
    [attachment] = session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert attachment.content_type == "image/jpeg" and attachment.filename.endswith(".jpg")
    assert b"SecretCamera" not in attachment.data
    assert "exif" not in Image.open(io.BytesIO(attachment.data)).info
    # the confirmation mail is queued with the query code (sent by the notifications worker)
    [received] = session.exec(select(Outbox).where(Outbox.case_id == case.id, Outbox.topic == "case_received")).all()
    assert received.payload["query_code"] == code


def test_the_receipt_is_shown_once(client, site):
    """The query code leaves the session with the first view: a reload, or the next person at a shared
    computer, finds the empty form."""
    assert client.post("/report", data=report_data()).status_code == 303
    first = client.get("/report/received")
    code = re.search(r'id="query-code"[^>]*>([^<]+)<', first.text).group(1)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as browser_session:
        assert code not in str(dict(browser_session))
    again = client.get("/report/received")
    assert again.status_code == 302 and again.location == "/report"
    assert code not in client.get("/report").text


def test_a_site_chosen_by_name_is_stored_by_code(client, session, site):
    response = client.post("/report", data=report_data(site_code=site.name, page_url="https://other.example.org/x"))
    assert response.status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    assert case.site_code_given == site.code and case.site_id == site.id


UPLOADS = {
    "php renamed .png": (b"<?php system($_GET['c']); ?>\n", "shell.png", "不是有效的图片文件"),
    "svg with script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
                        "不是有效的图片文件"),
    "6 MB file": (png_bytes() + b"\x00" * (6 * 1024 * 1024), "big.png", "超过5MB"),
    "20000x20000 PNG bomb": (None, "bomb.png", "尺寸过大"),
}


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_bad_uploads_are_refused_and_no_case_is_created(client, session, site, kind):
    data, filename, message = UPLOADS[kind]
    if data is None:
        data = png_bomb()
        assert len(data) < 1024 * 1024  # small on disk
    before = case_count(session)
    response = client.post("/report", data={**report_data(), "screenshots": [(io.BytesIO(data), filename)]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, "screenshots")
    assert "截图需要重新选择" in html  # the page says files must be chosen again
    assert case_count(session) == before


def test_more_than_three_screenshots_are_refused(client, session, site):
    files = [(io.BytesIO(png_bytes()), f"s{i}.png") for i in range(4)]
    response = client.post("/report", data={**report_data(), "screenshots": files}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "最多上传3张截图" in field_error(response.get_data(as_text=True), "screenshots")


def test_bad_fields_are_refused_one_by_one_and_what_was_typed_is_kept(client, session, site):
    before = case_count(session)
    long_text = "错" * 401
    response = client.post("/report", data=report_data(page_url="javascript:alert(document.cookie)",
                                                        description=long_text, contact_phone="12345",
                                                        contact_email="not-an-email"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "http:// 或 https://" in field_error(html, "page_url")
    assert "不能超过400字" in field_error(html, "description")
    assert "手机号码格式不正确" in field_error(html, "contact_phone")
    assert "邮箱格式不正确" in field_error(html, "contact_email")
    assert field_error(html, "category") == "" and field_error(html, "contact_name") == ""
    assert long_text in html and 'value="王小明"' in html and 'value="not-an-email"' in html
    assert 'value="javascript:alert(document.cookie)"' in html  # kept, escaped inside the attribute
    assert case_count(session) == before


def test_errors_are_in_the_page_language(client, site):
    response = client.post("/report?lang=en", data=report_data(page_url="ftp://x.gov.cn/", description="", consent=""))
    html = response.get_data(as_text=True)
    assert "must start with http:// or https://" in field_error(html, "page_url")
    assert "describe the error" in field_error(html, "description")
    assert "personal data notice" in field_error(html, "consent")


def test_a_phone_or_an_email_is_required(client, session, site):
    response = client.post("/report", data=report_data(contact_phone="", contact_email=""))
    assert response.status_code == 422
    assert "至少填写一项" in field_error(response.get_data(as_text=True), "contact_phone")
    ok = client.post("/report", data=report_data(contact_phone="", contact_email="a@example.com"))
    assert ok.status_code == 303


def test_open_cases_for_the_same_page_are_hinted_and_submission_still_works(client, session, factory, site):
    earlier = factory.case(site=site, page_url="https://www.example.gov.cn/zwgk/notice.html", contact_name="李四")
    hint = client.get("/sites/detect", query_string={"url": "https://www.example.gov.cn/zwgk/notice.html"}).get_json()
    assert hint["site"]["code"] == site.code
    assert hint["duplicates"] == [{"tracking_number": earlier.tracking_number, "state": "待签收"}]
    assert "李四" not in str(hint) and "139" not in str(hint)
    response = client.post("/report", data=report_data())
    assert response.status_code == 303
    html = client.get("/report/received").get_data(as_text=True)
    assert earlier.tracking_number in html


def test_sites_are_suggested_by_name_or_code(client, site, factory):
    factory.site(name="另一个网站")
    assert client.get("/sites/suggest?q=示例市").get_json() == [{"code": site.code, "name": site.name}]
    assert client.get(f"/sites/suggest?q={site.code}").get_json() == [{"code": site.code, "name": site.name}]
    assert client.get("/sites/suggest?q=%25").get_json() == []


def test_captcha_is_required_when_on(app, client, session, site, monkeypatch):
    app.config["CAPTCHA"] = True
    answers = iter(["ARP6", "KX7M"])
    monkeypatch.setattr("tracker.public.captcha.new_answer", lambda: next(answers))
    assert 'id="captcha-image"' in client.get("/report").get_data(as_text=True)
    image = client.get("/captcha.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    wrong = client.post("/report", data=report_data(captcha="ZZZZ"))
    assert wrong.status_code == 422 and "验证码不正确" in field_error(wrong.get_data(as_text=True), "captcha")
    client.get("/captcha.png")
    answer = "KX7M"
    assert client.post("/report", data=report_data(captcha=answer.lower())).status_code == 303
    # an answer works once
    assert client.post("/report", data=report_data(captcha=answer)).status_code == 422


def test_csrf_token_is_required(app, client, session, site):
    app.config["WTF_CSRF_ENABLED"] = True
    before = case_count(session)
    response = client.post("/report", data=report_data())
    assert response.status_code == 400 and case_count(session) == before


@pytest.fixture()
def limited_app(db_kind, tmp_path):
    """An app on its own database with rate limits on (the shared fixtures turn them off)."""
    app = create_app({**BASE_CONFIG, "RATE_LIMITS_ENABLED": True, "REPORT_RATE_LIMIT": "3 per 10 minutes",
                      "TRACK_RATE_LIMIT": "3 per 10 minutes", "DATABASE_URL": fresh_database_url(db_kind, tmp_path),
                      "MAIL_URL": f"file://{tmp_path / 'mail'}"})
    with app.app_context():
        Factory(tracker_db.session).site(host="www.limited.gov.cn", name="限流测试网站")
        tracker_db.session.commit()
        yield app
        app.extensions["tracker.db"].session.remove()
    app.extensions["tracker.db"].engine.dispose()


def test_a_burst_of_reports_from_one_address_gets_429(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/report", data=report_data(), environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
                for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    response = client.post("/report", data=report_data(), environ_base={"REMOTE_ADDR": "203.0.113.7"})
    html = response.get_data(as_text=True)
    assert "操作过于频繁" in html and "分钟后再试" in html and int(response.headers["Retry-After"]) > 0
    # another address is not affected, and reading the form is never limited
    assert client.post("/report", data=report_data(), environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 303
    assert client.get("/report", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    assert len(tracker_db.session.exec(select(Case.id)).all()) == 4


def report_and_read_receipt(client, env) -> tuple[str, str]:
    """Send a report from ``env``'s address; the tracking number and query code it got back."""
    client.post("/report", data=report_data(), environ_base=env)
    html = client.get("/report/received", environ_base=env).get_data(as_text=True)
    number = re.search(r'id="tracking-number"[^>]*>([^<]+)<', html).group(1)
    code = re.search(r'id="query-code"[^>]*>([^<]+)<', html).group(1)
    return number, code


def test_wrong_query_codes_are_throttled_but_right_ones_are_not_counted(limited_app):
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.4"}
    number, code = report_and_read_receipt(client, env)
    for _ in range(5):  # right codes never count
        assert client.get("/track", query_string={"number": number, "code": code}, environ_base=env,
                          follow_redirects=True).status_code == 200
    wrong = [client.get("/track", query_string={"number": number, "code": "WRONGCODE"}, environ_base=env).status_code
             for _ in range(4)]
    assert wrong == [404, 404, 404, 429]
    assert client.get("/track", query_string={"number": number, "code": code}, environ_base=env).status_code == 429


def test_the_api_status_route_shares_the_tracking_budget(limited_app):
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.9"}
    number, code = report_and_read_receipt(client, env)

    def api(guess):
        return client.get(f"/api/v1/cases/{number}", query_string={"code": guess}, environ_base=env).status_code

    assert api(code) == 200  # right codes never count
    assert [api("WRONGCODE") for _ in range(3)] == [404, 404, 404]
    # the budget is spent: the web page refuses too, and so does the API, the right code included
    assert client.get("/track", query_string={"number": number, "code": code}, environ_base=env).status_code == 429
    assert api(code) == 429
    assert client.get(f"/api/v1/cases/{number}", query_string={"code": code},
                      environ_base={"REMOTE_ADDR": "198.51.100.10"}).status_code == 200


def test_webp_and_png_are_reencoded_without_metadata(client, session, site):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "secret-author")
    png = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 128, 0, 200)).save(png, "PNG", pnginfo=info)
    webp = png_bytes(40, 30, fmt="WEBP")
    response = client.post("/report", data={**report_data(), "screenshots": [
        (io.BytesIO(png.getvalue()), "a.png"), (io.BytesIO(webp), "b.webp")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    case = session.exec(select(Case).order_by(Case.id.desc())).first()
    stored = session.exec(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)).all()
    assert [(a.content_type, a.width, a.height) for a in stored] == [("image/png", 30, 20), ("image/webp", 40, 30)]
    assert b"secret-author" in png.getvalue() and b"secret-author" not in stored[0].data
