"""Who is asking: the one check every staff route makes."""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, session, url_for
from flask_login import current_user, login_required

from tracker.cases.scope import Actor
from tracker.extensions import db
from tracker.users.operations import totp_missing

#: the session key that records which user passed the TOTP step in this session
SECOND_FACTOR_KEY = "second_factor_user"


def current_actor() -> Actor:
    """The logged-in member of staff as an :class:`Actor`."""
    return Actor.of(current_user._get_current_object(), db.session)


def second_factor_pending():
    """None when the user may use the workbench; otherwise where to send them (code or enrolment)."""
    user = current_user._get_current_object()
    if totp_missing(db.session, user):
        return url_for("users.enrol_totp")
    if not user.totp_secret or session.get(SECOND_FACTOR_KEY) == user.id:
        return None
    return url_for("users.login_code")


def role_required(*roles: str):
    """Log in first (with the second factor when required), then allow only ``roles`` (403
    otherwise). Scope is checked per case."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            pending = second_factor_pending()
            if pending:
                return redirect(pending)
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
