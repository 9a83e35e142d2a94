"""The image captcha: generated here (no outside service), the answer kept in the session."""
from __future__ import annotations

import secrets

from captcha.image import ImageCaptcha

# no 0/O, 1/I/L, 2/Z, 5/S: easy to misread
ALPHABET = "34678ABCDEFGHJKMNPQRTUVWXY"
LENGTH = 4
SESSION_KEY = "captcha_answer"


def new_captcha(session) -> bytes:
    """A fresh captcha PNG; its answer replaces any earlier one in ``session``."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session[SESSION_KEY] = answer
    return ImageCaptcha(width=160, height=60).generate(answer).getvalue()


def check_captcha(session, given: str | None) -> bool:
    """True when ``given`` is the answer; the answer is used up either way."""
    answer = session.pop(SESSION_KEY, None)
    if not answer or not given:
        return False
    return secrets.compare_digest(answer, "".join(given.split()).upper())
