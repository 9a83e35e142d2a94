"""Forgotten password: ask for a one-time link by email, then set a new password with it.

The answer to a request is the same whether or not the address belongs to an account (and
whether or not the account is active); requests are rate-limited per address and per email. The
link works once, for ``PASSWORD_RESET_MINUTES``, and setting the password ends every session of
the account. Admins send the same link from the account's admin page."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from tracker.auth.forms import ForgotForm, NewPasswordForm
from tracker.auth.reset import send_password_link
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.users import operations as ops
from tracker.users.models import User


def forgot():
    """Ask for a password link: the same page follows whatever the address."""
    form = ForgotForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.exec(select(User).where(User.email == email)).first()
        if user is not None and user.is_active:
            with db.transaction() as session:
                send_password_link(session, user)
        return render_template("users/forgot.html", form=form, sent=True)
    error = _("请填写有效的邮箱地址。") if request.method == "POST" else None
    return render_template("users/forgot.html", form=form, sent=False, error=error), (422 if error else 200)


def reset(token: str):
    """Set a new password with a one-time link; an unknown, used or expired link says so (404)."""
    user = ops.password_reset_user(db.session, token)
    if user is None:
        return render_template("users/reset.html", form=None, invalid=True), 404
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            error = _("两次输入的密码不一致。")
        else:
            try:
                with db.transaction() as session:
                    ops.use_password_reset(session, token, form.password.data)
            except DomainError as exc:
                error = exc.message(current_language())
            else:
                flash(_("密码已重设，请用新密码登录。"), "success")
                return redirect(url_for("users.login"))
    elif request.method == "POST":
        error = _("请填写新密码并再输入一次。")
    return render_template("users/reset.html", form=form, invalid=False, error=error,
                           email=user.email), (422 if error else 200)


def reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def reset_email_key() -> str:
    """Throttle per account too, so that nobody floods one mailbox from many addresses."""
    return "password-reset:" + request.form.get("email", "").strip().lower()
