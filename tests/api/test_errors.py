"""Every refusal on /api is JSON {status, code, message, fields}; never an HTML page."""
from __future__ import annotations

import pytest

from tests.conftest import BASE_CONFIG
from tracker import create_app
from tracker.api.blueprint import MAX_JSON_BYTES

ERROR_KEYS = {"status", "code", "message", "fields"}


def assert_json_error(response, status: int):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert b"<html" not in response.data.lower()
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["status"] == status and body["message"]
    return body


def test_unknown_path(client):
    assert_json_error(client.get("/api/v1/nope"), 404)
    assert_json_error(client.get("/api/v2/cases"), 404)


def test_wrong_method(client):
    response = client.delete("/api/v1/cases")
    assert_json_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert_json_error(client.put("/api/v1/categories"), 405)


def test_malformed_json(client):
    body = assert_json_error(client.post("/api/v1/cases", data=b'{"page_url": ', content_type="application/json"),
                             400)
    assert body["code"] == "bad_request"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_body_that_is_not_json(client, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    assert_json_error(client.post("/api/v1/cases", data=b"page_url=x", **kwargs), 415)


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object(client, body):
    assert_json_error(client.post("/api/v1/cases", data=body, content_type="application/json"), 422)


def test_huge_body(client):
    huge = b'{"description": "' + b"x" * (MAX_JSON_BYTES + 10) + b'"}'
    assert_json_error(client.post("/api/v1/cases", data=huge, content_type="application/json"), 413)


# (one request per test: the test app keeps one app context, where the language is remembered)
def test_messages_in_english(client):
    en = assert_json_error(client.get("/api/v1/nope", headers={"Accept-Language": "en-US,en;q=0.8"}), 404)
    assert en["message"] == "Page not found."


def test_messages_in_chinese(client):
    zh = assert_json_error(client.get("/api/v1/nope", headers={"Accept-Language": "zh-CN"}), 404)
    assert zh["message"] == "页面不存在。"


def test_no_session_cookie(client):
    assert "Set-Cookie" not in client.get("/api/v1/categories?lang=en").headers


@pytest.fixture()
def limited_app(engine, tmp_path):
    """``limited_app(csrf)``: the app with rate limits on (memory storage), CSRF on or off."""
    contexts = []

    def make(csrf: bool):
        config = {**BASE_CONFIG, "RATE_LIMITS_ENABLED": True, "WTF_CSRF_ENABLED": csrf,
                  "REPORT_RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": "memory://",
                  "DATABASE_URL": engine.url.render_as_string(hide_password=False), "ENGINE": engine,
                  "MAIL_URL": f"file://{tmp_path / 'mail'}"}
        app = create_app(config)
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    yield make
    for context in reversed(contexts):
        context.pop()


def test_rate_limit_gives_json_429_and_csrf_does_not_apply(limited_app):
    client = limited_app(csrf=True).test_client()
    statuses = [client.post("/api/v1/cases", json={}).status_code for _ in range(2)]
    assert statuses == [422, 422]  # not refused for CSRF: the API is exempt
    response = client.post("/api/v1/cases", json={})
    body = assert_json_error(response, 429)
    assert body["code"] == "too_many_requests" and response.headers.get("Retry-After")
    assert client.get("/api/v1/categories").status_code == 200  # reads are not limited


def test_form_and_api_share_one_budget(limited_app):
    client = limited_app(csrf=False).test_client()  # the form would need its CSRF token
    assert client.post("/report", data={}).status_code != 429
    assert client.post("/api/v1/cases", json={}).status_code == 422
    assert_json_error(client.post("/api/v1/cases", json={}), 429)
