"""What every page shares: the logged-in user, template helpers, error pages, security headers."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from urllib.parse import unquote, urlencode, urlsplit

from flask import Flask, current_app, jsonify, render_template, request, session
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from tracker.cases import queries
from tracker.cases.states import STATE_NAMES
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.extensions import db, login_manager, offered_languages
from tracker.i18n import current_language
from tracker.users.models import User
from tracker.workdays import BEIJING


def beijing_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware instant in Beijing time; empty for None."""
    if value is None:
        return ""
    return value.astimezone(BEIJING).strftime(fmt)


def due_label(value: datetime | None) -> str:
    """An exclusive due bound shown as the day it ends: ``2024-04-30 24:00``."""
    if value is None:
        return ""

    local = value.astimezone(BEIJING)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def wants_json() -> bool:
    return request.path.startswith("/api/")


#: the session keys that tie a login to its account's session generation and to its start
SESSION_GENERATION_KEY = "session_generation"
SESSION_STARTED_KEY = "session_started"


def session_marks(user: User) -> dict:
    """What a new login puts in its session: ``user``'s current generation, and the time it starts."""
    return {SESSION_GENERATION_KEY: user.session_generation, SESSION_STARTED_KEY: utcnow().timestamp()}


def session_is_current(user: User) -> bool:
    """True while the session is of the user's current generation (no logout, new password or TOTP
    reset since) and younger than ``SESSION_LIFETIME_HOURS``."""
    started = session.get(SESSION_STARTED_KEY)
    if session.get(SESSION_GENERATION_KEY) != user.session_generation or not isinstance(started, (int, float)):
        return False
    lifetime = current_app.config["SESSION_LIFETIME_HOURS"] * 3600
    return utcnow().timestamp() - started < lifetime


def _load_user(user_id: str):
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.is_active or not session_is_current(user):
        return None
    return user


_MAX_NEXT = 2000


def _is_local_path(target: str) -> bool:
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: the one rule for every ``next``.

    Refused: control characters and whitespace anywhere, backslashes, a scheme or a host, anything
    that does not start with a single ``/``, whether as sent or once percent-decoded."""
    if not target or len(target) > _MAX_NEXT:
        return None
    if not (_is_local_path(target) and _is_local_path(unquote(target))):
        return None
    return target


def safe_next(default: str | None = None) -> str | None:
    """The request's ``next`` (query or form) when it is a local path, else ``default``."""
    return local_target(request.values.get("next")) or default


def error_body(status: int, code: str, message: str, fields: dict | None = None):
    return {"status": status, "code": code, "message": message, "fields": fields or {}}


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.login_view = "users.login"
    login_manager.login_message = None

    app.jinja_env.filters["bjtime"] = beijing_time
    app.jinja_env.filters["due"] = due_label
    app.jinja_env.globals.update(current_language=current_language, current_user=current_user)

    @app.context_processor
    def _language_links():
        offered = offered_languages()
        others = [lang for lang in offered if lang != current_language()]
        if not others:
            return {"lang": current_language(), "other_lang": None, "other_lang_url": None}
        other = others[0]
        args = request.args.to_dict()
        args["lang"] = other
        return {"lang": current_language(), "other_lang": other,
                "other_lang_url": request.path + "?" + urlencode(args)}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: browsers keep to it
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        message = exc.message(current_language())
        if wants_json():
            return jsonify(error_body(exc.status, exc.code, message, exc.fields)), exc.status
        return render_template("error.html", status=exc.status, message=message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        messages = {
            400: gettext("请求有误。"),
            401: gettext("请先登录。"),
            403: gettext("无权访问。"),
            404: gettext("页面不存在。"),
            405: gettext("不支持该请求方法。"),
            409: gettext("当前状态不允许该操作。"),
            413: gettext("上传内容过大。"),
            415: gettext("不支持该内容类型，请发送 JSON。"),
            422: gettext("提交的数据有误。"),
            429: gettext("操作过于频繁，请稍后再试。"),
        }
        status = exc.code or 500
        message = messages.get(status) or exc.description or exc.name
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = jsonify(error_body(status, code, message))
            response.status_code = status
            if exc.response is not None and "Retry-After" in exc.response.headers:
                response.headers["Retry-After"] = exc.response.headers["Retry-After"]
            for name, value in exc.get_headers():
                if name in ("Allow", "Retry-After", "WWW-Authenticate"):
                    response.headers[name] = value
            return response
        return render_template("error.html", status=status, message=message), status


def case_list_context(actor, default_state: str, queue_names: tuple[str, ...]) -> dict:
    """What a case list page needs: the page of rows, the filters and the capped queue sizes."""
    filters = queries.Filters.from_args(request.args, default_state)
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    # sent_back is a filter on in_progress without an index of its own: listed, not counted
    counted = tuple(q for q in queue_names if q not in ("all", "closed", "sent_back"))
    result = queries.list_cases(db.session, actor, filters, page, queues=counted)
    return {"page": result, "filters": filters, "queues": queue_names, "queue_names": queries.QUEUES,
            "sites": queries.sites_in_scope(db.session, actor), "categories": queries.categories(db.session),
            "state_names": STATE_NAMES, "cap": queries.COUNT_CAP}
