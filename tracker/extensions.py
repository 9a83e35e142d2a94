"""Flask extensions, created unbound and initialised in :func:`tracker.create_app`."""
from flask import current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from tracker.db import db  # noqa: F401  (re-exported: the one database handle)

SUPPORTED_LOCALES = ("zh", "en")

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _report_rate_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


#: one budget (REPORT_RATE_LIMIT) for report submissions, web form and API counted together:
#: decorate each view that takes in a report with ``@report_limit``
report_limit = limiter.shared_limit(_report_rate_limit, scope="report", methods=["POST"])


def select_locale() -> str:
    """``?lang=`` (remembered in the session), then the session; Simplified Chinese otherwise.
    The API reads ``?lang=`` then Accept-Language, and never the session."""
    asked = request.args.get("lang")
    if request.path.startswith("/api/"):  # the API is stateless: no session, no cookie
        return asked if asked in SUPPORTED_LOCALES else request.accept_languages.best_match(
            SUPPORTED_LOCALES, default="zh")
    if asked in SUPPORTED_LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in SUPPORTED_LOCALES:
        return session["lang"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(SUPPORTED_LOCALES, default="zh")
    return "zh"


babel = Babel()
