"""Screenshots held across a refused report form, so that a wrong captcha (or any other error)
does not make the citizen choose the files again.

The files are kept as sent (not decoded: a refused form costs no image work) for
``HOLD_SECONDS``, under a random token that the form carries in a hidden field and that is bound to
this browser session: the database keeps only keyed hashes of both, so neither a token copied into
another session nor the session alone can claim them. A new hold of the session replaces the earlier
one, expired holds are cleared on every hold, and a claim deletes nothing until the report is in."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Field, Session, SQLModel, select

from tracker.cases.images import MAX_BYTES, MAX_SCREENSHOTS
from tracker.db import UTCDateTime, utcnow

HOLD_SECONDS = 30 * 60
OWNER_KEY = "upload_owner"


class HeldUpload(SQLModel, table=True):
    """One screenshot of a refused report form, until the form is sent again or it expires."""

    __tablename__ = "held_upload"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, index=True)
    owner_hash: str = Field(max_length=64)
    position: int = Field(default=0)
    filename: str = Field(max_length=255)
    data: bytes = Field(sa_type=sa.LargeBinary)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


def _keyed(kind: str, value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"held-{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _owner(browser_session) -> str:
    owner = browser_session.get(OWNER_KEY)
    if not isinstance(owner, str) or len(owner) < 20:
        owner = browser_session[OWNER_KEY] = secrets.token_urlsafe(24)
    return owner


def hold(db_session: Session, browser_session, files: list[tuple[str, bytes]]) -> str | None:
    """Keep ``files`` (each at most ``MAX_BYTES``, others left out; nothing when there are more than
    ``MAX_SCREENSHOTS``, which the form refuses) for this session: the token for the form's hidden
    field, or None when nothing was kept. Joins the caller's transaction."""
    now = utcnow()
    owner_hash = _keyed("owner", _owner(browser_session))
    db_session.execute(sa.delete(HeldUpload).where(
        sa.or_(HeldUpload.expires_at < now, HeldUpload.owner_hash == owner_hash)))
    kept = [(name, data) for name, data in files if data and len(data) <= MAX_BYTES]
    if len(files) > MAX_SCREENSHOTS:
        kept = []
    token = secrets.token_urlsafe(24) if kept else None
    for position, (name, data) in enumerate(kept):
        db_session.add(HeldUpload(token_hash=_keyed("token", token), owner_hash=owner_hash, position=position,
                                  filename=(name or "")[:255], data=data,
                                  expires_at=now + timedelta(seconds=HOLD_SECONDS)))
    db_session.flush()
    return token


def claim(db_session: Session, browser_session, token: str | None) -> list[tuple[str, bytes]]:
    """The files held under ``token`` for this session and not expired; [] otherwise."""
    owner = browser_session.get(OWNER_KEY)
    if not token or not isinstance(token, str) or len(token) > 64 or not isinstance(owner, str):
        return []
    rows = db_session.exec(select(HeldUpload).where(
        HeldUpload.token_hash == _keyed("token", token), HeldUpload.owner_hash == _keyed("owner", owner),
        HeldUpload.expires_at >= utcnow()).order_by(HeldUpload.position)).all()
    return [(row.filename, row.data) for row in rows]


def release(db_session: Session, browser_session) -> None:
    """Forget this session's held files (the report that used them is in). Joins the caller's
    transaction."""
    owner = browser_session.get(OWNER_KEY)
    if isinstance(owner, str):
        db_session.execute(sa.delete(HeldUpload).where(HeldUpload.owner_hash == _keyed("owner", owner)))
