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


class ReadableCaptcha(ImageCaptcha):
    """Larger letters, turned and warped less, dark on light, with a little noise: hard enough for a
    script that does not read images, easy enough for a person on a phone."""

    character_rotate = (-12, 12)
    character_warp_dx = (0.05, 0.12)
    character_warp_dy = (0.05, 0.12)
    word_space_probability = 1.0  # the library adds a space when a random number exceeds it: never
    word_offset_dx = 0.05  # letters barely overlap
    # the glyph's own lightness is its opacity in the library: dark letters need a steeper table
    lookup_table = [min(255, i * 8) for i in range(256)]

    def generate_image(self, chars, bg_color=None, fg_color=None):
        shade = secrets.randbelow(60)
        color = fg_color or (20 + shade, 30 + shade // 2, 90 + shade, 255)
        image = self.create_captcha_image(chars, color, bg_color or (250, 250, 246))
        self.create_noise_dots(image, color, width=2, number=12)
        self.create_noise_curve(image, color)
        return image


#: the image's size, as the form shows it
IMAGE_WIDTH, IMAGE_HEIGHT = 200, 72


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
    return ReadableCaptcha(width=IMAGE_WIDTH, height=IMAGE_HEIGHT, font_sizes=(50, 54, 58)).generate(answer).getvalue()


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
