"""The confirmation page's "send to my email": what the session keeps so that the receipt just
shown can be mailed, and the limits that keep it from being a relay.

The session cookie is signed, not secret, so the query code is kept sealed: XORed with a keystream
of HMAC-SHA256 (``SECRET_KEY``) over a random nonce. Only the case created in this session can be
mailed, for ``MAIL_WINDOW_SECONDS`` after its confirmation, at most ``MAIL_MAX_SENDS`` times; the
route is also rate-limited per address (``RECEIPT_MAIL_RATE_LIMIT``)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import current_app

SESSION_KEY = "receipt_mail"
MAIL_WINDOW_SECONDS = 30 * 60
MAIL_MAX_SENDS = 2


def _pad(nonce: bytes, length: int) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"receipt-mail:" + nonce, hashlib.sha256).digest()[:length]


def keep(browser_session, number: str, code: str) -> None:
    """Let this session mail the receipt of ``number`` for a while."""
    nonce = secrets.token_bytes(16)
    data = code.encode()
    sealed = bytes(a ^ b for a, b in zip(data, _pad(nonce, len(data)), strict=True))
    browser_session[SESSION_KEY] = {"number": number, "nonce": nonce.hex(), "sealed": sealed.hex(),
                                    "at": int(time.time()), "sent": 0}


def kept(browser_session) -> tuple[str, str, int] | None:
    """(number, query code, mails sent) of the receipt this session may still mail, else None."""
    entry = browser_session.get(SESSION_KEY)
    try:
        if time.time() - int(entry["at"]) > MAIL_WINDOW_SECONDS:
            return None
        nonce, sealed = bytes.fromhex(entry["nonce"]), bytes.fromhex(entry["sealed"])
        if len(sealed) > 32:
            return None
        code = bytes(a ^ b for a, b in zip(sealed, _pad(nonce, len(sealed)), strict=True)).decode()
        return str(entry["number"]), code, int(entry["sent"])
    except (TypeError, KeyError, ValueError, UnicodeDecodeError):
        return None


def count_sent(browser_session) -> None:
    entry = dict(browser_session[SESSION_KEY])
    entry["sent"] = int(entry["sent"]) + 1
    browser_session[SESSION_KEY] = entry
