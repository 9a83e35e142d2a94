"""Attacks on staff sessions: open redirects through ``next``, email probing by timing, replayed
cookies, sessions that never end, replayed TOTP codes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import g

from tests.staff.conftest import PASSWORD, sign_in
from tracker.db import frozen_clock
from tracker.extensions import db

HOSTILE_NEXT = [
    "/\t/evil.example/phish",  # what /login?next=/%09/evil.example/phish arrives as
    "/\r\nSet-Cookie: a=b",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\x0b/evil.example",
    "/\x00/evil.example",
    "/\u3000/evil.example",  # ideographic space
    "/\u200b/evil.example",  # zero-width space
    "/ /evil.example",
    " /supervise",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "http:evil.example",
    "HTTPS://evil.example",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:%20a=b",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/" + "a" * 3000,
]


def _login(client, email, password=PASSWORD, **kw):
    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password}, **kw)


def _get(client, path, **kw):
    g.pop("_login_user", None)
    return client.get(path, **kw)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_follows_a_hostile_next(client, world, target):
    response = _login(client, "gd@example.gov.cn", query_string={"next": target})
    if "\x00" in target:  # text no database can store is refused at the edge, before any view
        assert response.status_code == 422
        return
    assert response.status_code == 302 and response.location == "/supervise"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_case_actions_never_follow_a_hostile_next(client, world, target):
    sign_in(client, world.organiser_a)
    number = world.case_a.tracking_number
    response = client.post(f"/cases/{number}/act/add_note", data={"text": "已联系", "next": target})
    if "\x00" in target:  # text no database can store is refused at the edge, before any view
        assert response.status_code == 422
        return
    assert response.status_code == 302 and response.location == f"/cases/{number}"
    page = _get(client, f"/cases/{number}", query_string={"next": target})
    assert page.status_code == 200 and 'name="next"' not in page.text  # not carried into the forms


def test_local_next_is_still_followed(client, world):
    assert _login(client, "gd@example.gov.cn",
                  query_string={"next": "/supervise?state=overdue&q=a+b"}).location == "/supervise?state=overdue&q=a+b"
    number = world.case_a.tracking_number
    response = client.post(f"/cases/{number}/act/add_note", data={"text": "已联系", "next": "/supervise?page=2"})
    assert response.location == "/supervise?page=2"
    assert 'name="next" value="/supervise?page=2"' in _get(client, f"/cases/{number}?next=/supervise?page=2").text


@pytest.fixture()
def verifications(monkeypatch):
    """Counts argon2 verifications (of any hash, real or stand-in)."""
    calls = []
    original = PasswordHasher.verify

    def counting(self, password_hash, password):
        calls.append(password_hash)
        return original(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@pytest.mark.parametrize("email, password, status", [
    ("nobody@example.gov.cn", PASSWORD, 401),  # no such account
    ("sz@example.gov.cn", PASSWORD, 401),  # disabled account
    ("gz@example.gov.cn", "wrong password!", 401),  # known account, wrong password
    ("gz@example.gov.cn", PASSWORD, 302),
])
def test_every_login_costs_one_argon2_verification(client, world, session, verifications, email, password, status):
    world.organiser_b.is_active = False
    session.commit()
    assert _login(client, email, password).status_code == status
    assert len(verifications) == 1 and verifications[0].startswith("$argon2")


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_cookie_replayed_after_logout_is_refused(client, world):
    assert _login(client, "gz@example.gov.cn").status_code == 302
    captured = _cookie(client)
    assert _get(client, "/inbox").status_code == 200
    assert client.post("/logout").status_code == 302

    client.set_cookie("session", captured)  # the stolen copy comes back
    response = _get(client, "/inbox")
    assert response.status_code == 302 and response.location.startswith("/login")

    # logging in again starts a new generation that works
    assert _login(client, "gz@example.gov.cn").status_code == 302
    assert _get(client, "/inbox").status_code == 200


def test_logout_ends_the_sessions_on_other_devices_too(app, client, world):
    other = app.test_client()
    sign_in(other, world.organiser_a)
    assert _get(other, "/inbox").status_code == 200
    sign_in(client, world.organiser_a)
    client.post("/logout")
    assert _get(other, "/inbox").status_code == 302


@pytest.mark.parametrize("command", [["set-password", "--email", "gz@example.gov.cn", "--password", "a new password!"],
                                     ["reset-totp", "--email", "gz@example.gov.cn"]])
def test_a_new_password_or_a_totp_reset_ends_open_sessions(client, runner, world, command):
    sign_in(client, world.organiser_a)
    assert _get(client, "/inbox").status_code == 200
    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert _get(client, "/inbox").status_code == 302


def test_set_password_changes_the_password(client, runner, world):
    result = runner.invoke(args=["set-password", "--email", "gz@example.gov.cn", "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output
    runner.invoke(args=["set-password", "--email", "gz@example.gov.cn", "--password", "a new password!"])
    assert _login(client, "gz@example.gov.cn").status_code == 401
    assert _login(client, "gz@example.gov.cn", "a new password!").status_code == 302


def test_a_session_ends_after_its_lifetime_even_if_in_use(app, client, world):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with frozen_clock(start):
        assert _login(client, "gz@example.gov.cn").status_code == 302
    for hours, status in ((1, 200), (11.9, 200), (12, 302), (48, 302)):
        with frozen_clock(start + timedelta(hours=hours)):
            assert _get(client, "/inbox").status_code == status, hours

    app.config["SESSION_LIFETIME_HOURS"] = 2
    with frozen_clock(start):
        _login(client, "gz@example.gov.cn")
    with frozen_clock(start + timedelta(hours=2, seconds=1)):
        assert _get(client, "/inbox").location.startswith("/login")


def test_a_session_without_its_marks_is_refused(client, world):
    """A cookie from before sessions carried their generation (or forged without it) opens nothing."""
    g.pop("_login_user", None)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.organiser_a.id)
        sess["_fresh"] = True
    assert _get(client, "/inbox").status_code == 302


# ---------------------------------------------------------------- TOTP codes work once

NOON = datetime(2026, 3, 2, 4, 0, 10, tzinfo=UTC)


def _code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


def _login_with_code(client, code, at, email="gz@example.gov.cn"):
    with frozen_clock(at):
        assert _login(client, email).location.startswith("/login/code")
        return client.post("/login/code", data={"code": code})


def test_a_totp_code_cannot_be_used_twice(client, world, session):
    secret = pyotp.random_base32()
    world.organiser_a.totp_secret = secret
    session.commit()

    assert _login_with_code(client, _code(secret, NOON), NOON).status_code == 302
    client.post("/logout")
    # an onlooker replays the same code within its 30 seconds (or the next, within the allowed drift)
    for later in (timedelta(seconds=5), timedelta(seconds=30)):
        response = _login_with_code(client, _code(secret, NOON), NOON + later)
        assert response.status_code == 401 and "验证码不正确" in response.text
    # the code of an earlier step, still inside the drift window, is refused too
    assert _login_with_code(client, _code(secret, NOON, -1), NOON).status_code == 401
    # the next step's code works
    assert _login_with_code(client, _code(secret, NOON, 1), NOON + timedelta(seconds=30)).status_code == 302
    db.session.refresh(world.organiser_a)
    assert world.organiser_a.totp_last_step == int(NOON.timestamp()) // 30 + 1


def test_the_enrolment_code_does_not_open_a_login(client, world, runner):
    runner.invoke(args=["require-totp", "organiser"])
    with frozen_clock(NOON):
        _login(client, "gz@example.gov.cn")
        page = _get(client, "/account/totp")
        secret = page.text.split('id="totp-secret">')[1].split("<")[0]
        assert client.post("/account/totp", data={"code": _code(secret, NOON)}).status_code == 302
        client.post("/logout")
    assert _login_with_code(client, _code(secret, NOON), NOON + timedelta(seconds=3)).status_code == 401
    assert _login_with_code(client, _code(secret, NOON, 1), NOON + timedelta(seconds=31)).status_code == 302
