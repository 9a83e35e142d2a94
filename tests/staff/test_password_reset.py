"""Forgotten password: a one-time, expiring link through the outbox; the same answer for any
address; rate-limited; setting the password ends the account's other sessions."""
from __future__ import annotations

from datetime import timedelta

from flask import g

from tests.conftest import BASE_CONFIG, fresh_database_url
from tests.staff.conftest import sign_in
from tests.staff.test_admin_pages import _login_form, link_in, reset_mails
from tracker import create_app
from tracker.db import frozen_clock, utcnow

NEW = "a brand new secret"


def test_login_page_links_to_forgotten_password(client, world):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page and "忘记密码" in page


def test_the_answer_is_the_same_whether_or_not_the_email_exists(client, world, session):
    known = client.post("/password/forgot", data={"email": "GZ@example.gov.cn"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.gov.cn"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text and "如果该邮箱属于一个工作人员账号" in known.text
    [mail] = reset_mails(session)
    assert mail.recipient == "gz@example.gov.cn" and "有人（希望是您本人）" in mail.body


def test_a_disabled_account_gets_no_link_but_the_same_answer(client, world, session):
    world.organiser_a.is_active = False
    session.commit()
    response = client.post("/password/forgot", data={"email": "gz@example.gov.cn"})
    assert response.status_code == 200 and "如果该邮箱属于一个工作人员账号" in response.text
    assert reset_mails(session) == []


def test_the_link_sets_a_password_once_and_ends_old_sessions(client, world, session, app):
    old = app.test_client()
    sign_in(old, world.organiser_a)
    assert old.get("/inbox").status_code == 200
    client.post("/password/forgot", data={"email": "gz@example.gov.cn"})
    link = link_in(reset_mails(session)[0])
    page = client.get(link)
    assert page.status_code == 200 and "gz@example.gov.cn" in page.text
    mismatch = client.post(link, data={"password": NEW, "confirm": NEW + "x"})
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.text
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "密码至少10位" in short.text
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.location.endswith("/login")
    g.pop("_login_user", None)
    assert old.get("/inbox").status_code == 302  # the session opened with the old password ended
    assert _login_form(app.test_client(), "gz@example.gov.cn").status_code == 401
    assert _login_form(app.test_client(), "gz@example.gov.cn", NEW).status_code == 302
    again = client.post(link, data={"password": "another new secret", "confirm": "another new secret"})
    assert again.status_code == 404 and "链接无效或已过期" in again.text


def test_the_link_expires_and_a_newer_one_replaces_it(client, world, session):
    client.post("/password/forgot", data={"email": "gz@example.gov.cn"})
    client.post("/password/forgot", data={"email": "gz@example.gov.cn"})
    first, second = (link_in(m) for m in reset_mails(session))
    assert client.get(first).status_code == 404  # the newer link replaced it
    assert client.get(second).status_code == 200
    with frozen_clock(utcnow() + timedelta(minutes=61)):
        assert client.get(second).status_code == 404
        assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 404
    assert client.get("/password/reset/not-a-token").status_code == 404


def test_requests_for_links_are_rate_limited(tmp_path):
    url = fresh_database_url("sqlite", tmp_path)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "MAIL_URL": f"file://{tmp_path / 'mail'}",
                      "RATE_LIMITS_ENABLED": True, "PASSWORD_RESET_RATE_LIMIT": "2 per hour",
                      "SINGLE_PROCESS": True})
    with app.app_context():
        client = app.test_client()
        for _ in range(2):
            assert client.post("/password/forgot", data={"email": "a@example.gov.cn"},
                               environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
        assert client.post("/password/forgot", data={"email": "b@example.gov.cn"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
        # the same mailbox from another address: still limited
        assert client.post("/password/forgot", data={"email": "a@example.gov.cn"},
                           environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 429
        app.extensions["tracker.db"].session.remove()
    app.extensions["tracker.db"].engine.dispose()
