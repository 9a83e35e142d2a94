"""Flask extensions, created unbound and initialised in :func:`tracker.create_app`."""
from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from tracker.db import db  # noqa: F401  (re-exported: the one database handle)

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _report_rate_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


#: one budget (REPORT_RATE_LIMIT) for report submissions, web form and API counted together:
#: decorate each view that takes in a report with ``@report_limit``
report_limit = limiter.shared_limit(_report_rate_limit, scope="report", methods=["POST"])


def _track_rate_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


def _not_a_code_lookup() -> bool:
    """Requests that cannot be a guess at a query code: staff with a bearer token (a bad token is a
    401 before any lookup), and tracking pages opened without a number or code."""
    if request.headers.get("Authorization"):
        return True
    if request.path.startswith("/api/"):
        return False
    return not (request.values.get("number") or request.values.get("code"))


#: one budget (TRACK_RATE_LIMIT) for failed look-ups by number and query code, on the tracking page
#: and the API's status route alike: only 404s count, and once it is spent every look-up from that
#: address is refused, the right code included
track_limit = limiter.shared_limit(_track_rate_limit, scope="track-code", deduct_when=lambda r: r.status_code == 404,
                                   exempt_when=_not_a_code_lookup)


def offered_languages() -> tuple[str, ...]:
    """``TRACKER_LANGUAGES``: the languages the interface offers, the first the default."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """``?lang=`` (remembered in the session), then the session; the first offered language
    otherwise. The API reads ``?lang=`` then Accept-Language, and never the session. Outside a
    request (a command, a job) the first offered language."""
    offered = offered_languages()
    if not has_request_context():
        return offered[0]
    asked = request.args.get("lang")
    if request.path.startswith("/api/"):  # the API is stateless: no session, no cookie
        return asked if asked in offered else request.accept_languages.best_match(offered, default=offered[0])
    if asked in offered:
        session["lang"] = asked
        return asked
    if session.get("lang") in offered:
        return session["lang"]
    return offered[0]


babel = Babel()
