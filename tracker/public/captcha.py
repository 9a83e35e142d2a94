"""The image captcha: generated here (no outside service), its answer kept on the server.

The session holds only a random challenge id; the answer's hash lives in the database
(:class:`CaptchaChallenge`), shared by every process. A challenge is consumed by its first check,
right or wrong, and expires after ``CAPTCHA_TTL_SECONDS``: a cookie and answer replayed are refused.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from captcha.image import ImageCaptcha
from flask import current_app
from sqlmodel import Field, Session, SQLModel

from tracker.db import UTCDateTime, utcnow

# no 0/O, 1/I/L, 2/Z, 5/S: easy to misread
ALPHABET = "34678ABCDEFGHJKMNPQRTUVWXY"
LENGTH = 4
SESSION_KEY = "captcha_id"
CAPTCHA_TTL_SECONDS = 300


class CaptchaChallenge(SQLModel, table=True):
    """One captcha shown: the hash of its answer, until it is checked or expires."""

    __tablename__ = "captcha_challenge"

    id: str = Field(primary_key=True, max_length=64)
    answer_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _hash(challenge_id: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{challenge_id}:{answer}".encode(), hashlib.sha256).hexdigest()


def new_captcha(db_session: Session, browser_session) -> bytes:
    """A fresh captcha PNG. Its challenge replaces any earlier one of this browser session, and
    expired challenges are cleared. Commits its own row (a GET that writes)."""
    now = utcnow()
    answer = new_answer()
    challenge_id = secrets.token_urlsafe(24)
    db_session.execute(sa.delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    earlier = browser_session.get(SESSION_KEY)
    if earlier:
        db_session.execute(sa.delete(CaptchaChallenge).where(CaptchaChallenge.id == earlier))
    db_session.add(CaptchaChallenge(id=challenge_id, answer_hash=_hash(challenge_id, answer),
                                    expires_at=now + timedelta(seconds=CAPTCHA_TTL_SECONDS)))
    db_session.commit()
    browser_session[SESSION_KEY] = challenge_id
    return ImageCaptcha(width=160, height=60).generate(answer).getvalue()


def check_captcha(db_session: Session, browser_session, given: str | None) -> bool:
    """True when ``given`` answers this browser session's challenge; the challenge is used up
    either way (deleted at once, in its own commit, so that no replay can race it)."""
    challenge_id = browser_session.pop(SESSION_KEY, None)
    if not challenge_id or not isinstance(challenge_id, str):
        return False
    table = CaptchaChallenge.__table__
    row = db_session.execute(sa.delete(table).where(table.c.id == challenge_id)
                             .returning(table.c.answer_hash, table.c.expires_at)).first()
    db_session.commit()
    if row is None or row.expires_at < utcnow() or not given:
        return False
    answer = "".join(given.split()).upper()
    return hmac.compare_digest(row.answer_hash, _hash(challenge_id, answer))
