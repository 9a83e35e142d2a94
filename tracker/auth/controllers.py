"""Log in (password, then a TOTP code when required), enrol a second factor, log out."""
from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth.access import SECOND_FACTOR_KEY, second_factor_pending
from tracker.auth.forms import CodeForm, CsrfForm, LoginForm
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.users import operations as ops
from tracker.users.models import User
from tracker.web import safe_next, session_marks

PENDING_KEY = "pending_login_user"
ENROL_KEY = "totp_enrol_secret"


def home_for(user) -> str:
    """Where each role starts."""
    return {"organiser": url_for("inbox.index"), "supervisor": url_for("supervise.index"),
            "admin": url_for("admin.index")}.get(user.role, url_for("public.home"))


def _start_session(user: User, second_factor: bool) -> None:
    """A fresh session (no fixation) for ``user``."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    session.update(session_marks(user))
    if second_factor:
        session[SECOND_FACTOR_KEY] = user.id
    with db.transaction():
        user.last_login_at = utcnow()


def login():
    """The staff login form: email and password."""
    if current_user.is_authenticated and not second_factor_pending():
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        # the slow check runs before any write transaction (on SQLite that holds the write lock)
        user = ops.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            with db.transaction():
                ops.upgrade_password_hash(user, form.password.data)
            if user.totp_secret:
                session.clear()
                session[PENDING_KEY] = user.id
                return redirect(url_for("users.login_code", next=safe_next()))
            _start_session(user, second_factor=False)
            pending = second_factor_pending()
            return redirect(pending or safe_next(home_for(user)))
        error = _("邮箱或密码不正确。")
    elif request.method == "POST":
        error = _("请填写邮箱和密码。")
    return render_template("users/login.html", form=form, error=error), (401 if error else 200)


def login_code():
    """The second step: a 6-digit code from the user's authenticator app."""
    user_id = session.get(PENDING_KEY)
    if user_id is None and current_user.is_authenticated:
        user_id = current_user.id
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.totp_secret:
        return redirect(url_for("users.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        with db.transaction() as db_session:
            accepted = ops.use_totp(db_session, user, form.code.data)
        if accepted:
            _start_session(user, second_factor=True)
            return redirect(safe_next(home_for(user)))
        error = _("验证码不正确。")
    elif request.method == "POST":
        error = _("请输入6位数字验证码。")
    return render_template("users/code.html", form=form, error=error), (401 if error else 200)


@login_required
def enrol_totp():
    """Set up a second factor: show the secret (and its otpauth URI), then check one code."""
    user = current_user._get_current_object()
    if user.totp_secret and session.get(SECOND_FACTOR_KEY) != user.id:
        return redirect(url_for("users.login_code"))
    secret = session.get(ENROL_KEY) or ops.new_totp_secret()
    session[ENROL_KEY] = secret
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            with db.transaction() as db_session:
                ops.enrol_totp(db_session, user, secret, form.code.data)
        except DomainError as exc:
            error = exc.message("en" if session.get("lang") == "en" else "zh")
        else:
            session.pop(ENROL_KEY, None)
            session[SECOND_FACTOR_KEY] = user.id
            flash(_("已启用两步验证。"), "success")
            return redirect(home_for(user))
    elif request.method == "POST":
        error = _("请输入6位数字验证码。")
    return render_template("users/enrol.html", form=form, error=error, secret=secret,
                           uri=ops.totp_uri(user, secret),
                           required=ops.totp_required(db.session, user)), (422 if error else 200)


def logout():
    """GET asks to confirm; POST (with its CSRF token) ends the session."""
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("users/logout.html", form=form), 400
        if current_user.is_authenticated:
            with db.transaction() as db_session:  # a copy of this session's cookie is refused too
                ops.end_sessions(db_session, current_user._get_current_object())
        logout_user()
        session.clear()
        return redirect(url_for("users.login"))
    return render_template("users/logout.html", form=form)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_email_key() -> str:
    """Throttle per account as well as per address, so that spreading guesses over many
    addresses does not help."""
    return "login-email:" + request.form.get("email", "").strip().lower()


def login_code_key() -> str:
    return "login-code:" + str(session.get(PENDING_KEY) or getattr(current_user, "id", ""))
