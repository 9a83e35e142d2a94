"""One-time password links, the one machinery behind "忘记密码" and an admin's password reset: a
link is issued (:func:`tracker.users.operations.issue_password_reset`) and its mail is written to
the outbox in the same transaction, so that it is sent after the commit, or not at all."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlmodel import Session

from tracker.db import utcnow
from tracker.outbox import enqueue
from tracker.users.models import User
from tracker.users.operations import issue_password_reset


def send_password_link(session: Session, user: User, *, by_admin: bool = False) -> None:
    """Issue a link for ``user`` (earlier ones stop working) and queue the mail that carries it.
    Flushes; the caller commits."""
    valid_for = timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    token = issue_password_reset(session, user, valid_for=valid_for)
    enqueue(session, "password_reset", payload={"user_id": user.id, "token": token, "by_admin": by_admin,
                                                 "expires_at": (utcnow() + valid_for).isoformat()})
    session.flush()
