"""Login: password (argon2), TOTP second factor, role policy and enrolment, throttling, cookies."""
from __future__ import annotations

import pyotp
import pytest
from flask import g

from tests.conftest import BASE_CONFIG, fresh_database_url
from tests.staff.conftest import PASSWORD
from tracker import create_app
from tracker.extensions import db
from tracker.users.models import RolePolicy


def _login(client, email, password=PASSWORD, **kw):
    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_wrong_password_is_refused_and_right_one_opens_the_inbox(client, world):
    response = _login(client, "gz@example.gov.cn", "wrong password!")
    assert response.status_code == 401
    assert "邮箱或密码不正确" in response.text
    assert client.get("/inbox").status_code == 302

    response = _login(client, "GZ@example.gov.cn")
    assert response.status_code == 302 and response.location == "/inbox"
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 200


def test_login_follows_a_local_next_only(client, world):
    response = _login(client, "gd@example.gov.cn", query_string={"next": "/supervise/cases"})
    assert response.location == "/supervise/cases"
    client.post("/logout")
    response = _login(client, "gd@example.gov.cn", query_string={"next": "//evil.example/"})
    assert response.location == "/supervise"


def test_logout_is_a_post(client, world):
    _login(client, "gz@example.gov.cn")
    assert client.get("/logout").status_code == 200  # asks to confirm, still logged in
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 200
    assert client.post("/logout").status_code == 302
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 302


def test_user_with_totp_secret_needs_the_code(client, world, session):
    secret = pyotp.random_base32()
    world.organiser_a.totp_secret = secret
    session.commit()

    response = _login(client, "gz@example.gov.cn")
    assert response.status_code == 302 and response.location.startswith("/login/code")
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 302  # not logged in before the code
    assert client.post("/login/code", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                            else "111111"}).status_code == 401
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.location == "/inbox"
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 200


def test_role_policy_sends_users_without_a_secret_to_enrol(client, world, session, runner):
    result = runner.invoke(args=["require-totp", "organiser"])
    assert result.exit_code == 0, result.output
    assert session.get(RolePolicy, "organiser").totp_required is True

    response = _login(client, "gz@example.gov.cn")
    assert response.location == "/account/totp"
    g.pop("_login_user", None)
    assert client.get("/inbox").location == "/account/totp"  # no workbench before enrolling
    g.pop("_login_user", None)
    page = client.get("/account/totp")
    assert page.status_code == 200 and "otpauth://totp/" in page.text
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    assert client.post("/account/totp", data={"code": "12345x"}).status_code == 422
    g.pop("_login_user", None)
    response = client.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    g.pop("_login_user", None)
    assert client.get("/inbox").status_code == 200
    db.session.refresh(world.organiser_a)
    assert world.organiser_a.totp_secret == secret
    # supervisors are not affected by the organiser policy
    client.post("/logout")
    assert _login(client, "gd@example.gov.cn").location == "/supervise"


def test_admin_sets_the_policy_on_the_web(client, world, session):
    from tests.staff.conftest import sign_in

    sign_in(client, world.admin)
    assert client.post("/admin/policies", data={"supervisor": "on"}).status_code == 302
    assert session.get(RolePolicy, "supervisor").totp_required is True
    assert session.get(RolePolicy, "organiser").totp_required is False


@pytest.fixture()
def live_app(tmp_path):
    """An app with rate limits on and production cookie settings, on its own database."""
    url = fresh_database_url("sqlite", tmp_path)
    config = {**BASE_CONFIG, "DATABASE_URL": url, "MAIL_URL": f"file://{tmp_path / 'mail'}",
              "RATE_LIMITS_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
              "TESTING": False, "SESSION_COOKIE_SECURE": None, "SECRET_KEY": "a-long-production-like-secret",
              "SINGLE_PROCESS": True}
    app = create_app(config)
    with app.app_context():
        from tracker.organisations.operations import create_organisation
        from tracker.users.operations import create_user

        with db.transaction() as session:
            org = create_organisation(session, code="440000", name="广东省", kind="supervisor")
            create_user(session, email="gd@example.gov.cn", password=PASSWORD, role="supervisor", organisation=org)
    yield app
    app.extensions["tracker.db"].engine.dispose()


def test_session_cookie_is_secure_httponly_samesite_in_production(live_app):
    assert live_app.config["SESSION_COOKIE_SECURE"] is True
    client = live_app.test_client()
    response = client.post("/login", data={"email": "gd@example.gov.cn", "password": PASSWORD},
                           base_url="https://tracker.example")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_attempts_are_throttled_per_address_and_per_email(live_app):
    client = live_app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "gd@example.gov.cn", "password": "guess-guess"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 401
    assert client.post("/login", data={"email": "gd@example.gov.cn", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    # another address, same account: still throttled
    assert client.post("/login", data={"email": "gd@example.gov.cn", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 429
    # another account from a fresh address is not
    assert client.post("/login", data={"email": "other@example.gov.cn", "password": "x"},
                       environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 401


def test_an_old_password_hash_is_upgraded_at_login(client, world, session):
    from argon2 import PasswordHasher

    user = world.organiser_a
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    session.commit()
    assert _login(client, user.email).status_code == 302
    session.expire_all()
    assert "m=8192" not in user.password_hash and PasswordHasher().verify(user.password_hash, PASSWORD)
