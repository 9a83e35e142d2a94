"""Bearer tokens: ``Authorization: Bearer trk_…`` names a member of staff.

Tokens are stored as their SHA-256 only (:func:`tracker.users.operations.hash_token`). The API
sets no cookies and reads none, so CSRF does not apply to it.
"""
from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from tracker.cases.scope import Actor
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.users.models import ApiToken, User
from tracker.users.operations import hash_token, totp_missing

#: how stale ``last_used_at`` may get before a request writes it again
_TOUCH_EVERY = timedelta(minutes=5)
_ACTOR_KEY = "tracker.api_actor"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def bearer_token() -> str | None:
    """The token in the Authorization header, or None when there is no such header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_l("授权头格式应为 Bearer 令牌。"))
    return token.strip()


def actor_for(token: str) -> Actor:
    """The Actor whose live token this is; :class:`Unauthorized` otherwise."""
    session = db.session
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or row.revoked_at is not None or user is None or not user.is_active:
        raise Unauthorized(_l("令牌无效或已撤销。"))
    if totp_missing(session, user):  # the role's policy binds tokens too, until the user enrols
        raise Unauthorized(_l("须先登录网页启用两步验证。"), code="totp_required")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        with db.transaction():
            row.last_used_at = now
    return Actor.of(user, session)


def optional_actor() -> Actor | None:
    """The staff Actor when a bearer token is sent, None without one (a bad token is refused)."""
    # kept on the request (not on ``g``, which can outlive a request when an app context is reused)
    if _ACTOR_KEY not in request.environ:
        token = bearer_token()
        request.environ[_ACTOR_KEY] = actor_for(token) if token is not None else None
    return request.environ[_ACTOR_KEY]


def require_actor() -> Actor:
    """The staff Actor of this request; 401 without a valid bearer token."""
    actor = optional_actor()
    if actor is None:
        raise Unauthorized(_l("请提供 API 令牌。"))
    return actor
