"""What every page shares: the logged-in user, template helpers, error pages, security headers."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from flask import Flask, current_app, jsonify, render_template, request, session
from flask import Request as FlaskRequest
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property

from tracker.cases import queries
from tracker.cases.models import EXTENSION_STATE_NAMES
from tracker.cases.states import OUTCOME_NAMES, STATE_NAMES
from tracker.db import utcnow
from tracker.errors import BadRequest, DomainError, InvalidInput
from tracker.extensions import db, login_manager, offered_languages
from tracker.i18n import current_language
from tracker.inputs import MAX_PAGE, first_unstorable, storable, utf8_form_encoded, whole_number
from tracker.organisations.models import ORG_KIND_NAMES, Organisation
from tracker.users.models import ROLE_NAMES, User
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


def invalid_characters(name: str) -> InvalidInput:
    """The refusal of text that cannot be stored (NUL, a lone surrogate, bytes that are not UTF-8)."""
    message = _l("请求中含有无效字符（如 NUL）。")
    return InvalidInput(message, fields={name: [str(message)]})


class Request(FlaskRequest):
    """Flask's request, read defensively: a query string that is not UTF-8 never raises, a body that
    is not JSON or is nested too deeply is a 400, and JSON text that cannot be stored a 422."""

    @cached_property
    def args(self):
        # werkzeug decodes the raw query string strictly; the edge check refuses what is replaced here
        return self.parameter_storage_class(parse_qsl(self.query_string.decode("utf-8", "replace"),
                                                      keep_blank_values=True, errors="werkzeug.url_quote"))

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:  # the parser's stack: "[" * 100000
            if silent:
                return None
            data = self.on_json_loading_failed(ValueError("nested too deeply"))
        where = first_unstorable(data)
        if where is not None:
            if silent:
                return None
            raise invalid_characters(where)
        return data

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not declared as JSON: 415
            return super().on_json_loading_failed(e)
        raise BadRequest(_l("请求体不是有效的 JSON，或嵌套过深。"))


def _refuse_unstorable_input() -> None:
    """The one check of what a request carries, before anything reads it (CSRF, rate limits, views):
    the query string, a form and the path's values must be UTF-8 text without NUL. A JSON body is
    checked as it is read (:class:`Request`)."""
    if not utf8_form_encoded(request.query_string):
        raise invalid_characters("query")
    pairs = [*(request.view_args or {}).items(), *request.args.items(multi=True)]
    # only a form is read here: another body keeps its own size limit (the API's, set by its blueprint)
    if request.mimetype == "application/x-www-form-urlencoded" and not utf8_form_encoded(request.get_data()):
        raise invalid_characters("form")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs += [*request.form.items(multi=True),
                  *((name, upload.filename or "") for name, upload in request.files.items(multi=True))]
    for name, value in pairs:
        if not storable(name):
            raise invalid_characters("_schema")
        if isinstance(value, str) and not storable(value):
            raise invalid_characters(name)


def page_number(args) -> int:
    """``?page=N``: 1 when absent or not a number; a number beyond :data:`MAX_PAGE` is refused."""
    raw = args.get("page", "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    page = whole_number(raw, MAX_PAGE)
    if page is None:
        message = _l("页码超出范围。")
        raise InvalidInput(message, fields={"page": [str(message)]})
    return max(page, 1)


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


def staff_organisation() -> str | None:
    """The name of the logged-in member of staff's organisation, for the page header."""
    if not current_user.is_authenticated or not current_user.organisation_id:
        return None
    organisation = db.session.get(Organisation, current_user.organisation_id)
    return organisation.name if organisation else None


def init_app(app: Flask) -> None:
    app.request_class = Request
    # first of all the hooks, so that nothing reads a request before it is checked
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unstorable_input)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "users.login"
    login_manager.login_message = None

    app.jinja_env.filters["bjtime"] = beijing_time
    app.jinja_env.filters["due"] = due_label
    app.jinja_env.globals.update(current_language=current_language, current_user=current_user,
                                 staff_organisation=staff_organisation)
    # the words for stored codes, so that no page shows ``organiser`` or ``approved`` to its reader
    app.jinja_env.globals.update(role_names=ROLE_NAMES, kind_names=ORG_KIND_NAMES, outcome_names=OUTCOME_NAMES,
                                 state_names=STATE_NAMES, extension_state_names=EXTENSION_STATE_NAMES)

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
        db.session.rollback()  # the page below reads the database: never through a failed transaction
        message = exc.message(current_language())
        if wants_json():
            return jsonify(error_body(exc.status, exc.code, message, exc.fields)), exc.status
        return render_template("error.html", status=exc.status, message=message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()  # also after a 500, whose transaction may have failed
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


def case_list_context(actor, default_state: str, queue_names: tuple[str, ...], *,
                      count_sent_back: bool = False) -> dict:
    """What a case list page needs: the page of rows, the filters and the capped queue sizes."""
    filters = queries.Filters.from_args(request.args, default_state)
    page = page_number(request.args)
    # sent_back has an index of its own only by organiser (ix_case_sent_back): counted for the inbox
    uncounted = ("all", "closed") if count_sent_back else ("all", "closed", "sent_back")
    counted = tuple(q for q in queue_names if q not in uncounted)
    result = queries.list_cases(db.session, actor, filters, page, queues=counted)
    return {"page": result, "filters": filters, "queues": queue_names, "queue_names": queries.QUEUES,
            "sites": queries.sites_in_scope(db.session, actor), "categories": queries.categories(db.session),
            "state_names": STATE_NAMES, "cap": queries.COUNT_CAP}
