"""Admin pages of one staff account: edit it, disable or enable it, send a one-time password
link (through the mail outbox), reset its second factor."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select

from tracker.auth.access import role_required
from tracker.auth.forms import CsrfForm
from tracker.auth.reset import send_password_link
from tracker.errors import DomainError, InvalidInput
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.users import operations as user_ops
from tracker.users.models import Role, User


def organisation_for(code: str | None, field: str = "org", *, required: bool = False) -> Organisation | None:
    """The organisation with ``code``; None for an empty code (unless ``required``); "单位代码不存在"
    for a code that names none. The one look-up of every code typed on the admin pages."""
    code = (code or "").strip()
    if not code and not required:
        return None
    org = db.session.exec(select(Organisation).where(Organisation.code == code)).first() if code else None
    if org is None:
        raise InvalidInput(_l("单位代码不存在：%(code)s", code=code or "—"), fields={field: [code]})
    return org


def _save(session, user: User):
    user_ops.update_user(session, user, name=request.form.get("name", ""), role=request.form.get("role", ""),
                         organisation=organisation_for(request.form.get("org")))
    return _("已保存。")


def _disable(session, user: User):
    if user.id == current_user.id:
        raise InvalidInput(_l("不能停用自己的账号。"))
    user_ops.disable_user(session, user)
    return _("已停用该账号：不能再登录，已登录的会话和 API 令牌都已失效。")


def _enable(session, user: User):
    user_ops.enable_user(session, user)
    return _("已启用该账号。")


def _reset_password(session, user: User):
    if not user.is_active:
        raise InvalidInput(_l("账号已停用：请先启用，再重设密码。"))
    send_password_link(session, user, by_admin=True)
    return _("已向 %(email)s 发送一次性重设密码链接。", email=user.email)


def _reset_totp(session, user: User):
    user_ops.reset_totp(session, user)
    return _("已重置两步验证：该账号下次登录时重新设置。")


ACTIONS = {"save": _save, "disable": _disable, "enable": _enable, "reset_password": _reset_password,
           "reset_totp": _reset_totp}


def _page(user: User, error: str | None = None, status: int = 200):
    org = db.session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return render_template("admin/user.html", user=user, org=org, roles=[r.value for r in Role], error=error,
                           values=request.form if error else {}, form=CsrfForm()), status


@role_required("admin")
def user(user_id: int):
    """One account: its details and what an admin may do with it."""
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    if request.method == "GET":
        return _page(account)
    return run_posted_action("admin.user", "user_id", account, _page, ACTIONS)


def run_posted_action(endpoint: str, key: str, row, page, actions: dict):
    """Run the posted ``action`` (a name in ``actions``) on ``row`` in one transaction: redirect to
    ``endpoint`` with its message, or show ``page`` again with the refusal (the admin's pages of
    one account, organisation or site)."""
    action = actions.get(request.form.get("action", ""))
    if not CsrfForm().validate_on_submit() or action is None:
        return page(row, _("请求有误。"), 400)
    try:
        with db.transaction() as session:
            message = action(session, row)
    except DomainError as exc:
        return page(row, exc.message(current_language()), exc.status)
    flash(message, "success")
    return redirect(url_for(endpoint, **{key: row.id}))
