"""Who is asking: the one check every staff route makes."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tracker.cases.scope import Actor
from tracker.extensions import db


def current_actor() -> Actor:
    """The logged-in member of staff as an :class:`Actor`."""
    return Actor.of(current_user._get_current_object(), db.session)


def role_required(*roles: str):
    """Log in first, then allow only ``roles`` (403 otherwise). Scope is checked per case."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
