"""Mail transports, chosen by ``MAIL_URL``.

- ``smtp://user:pass@host:port?tls=starttls`` (or ``tls=ssl``; ``smtps://`` means ``tls=ssl``), via smtplib;
- ``file:///path/to/folder``: one ``.eml`` file per message (the default is ``instance/mail/``).

Other schemes can be added with :func:`register_transport`.
"""
from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class MailConfigError(RuntimeError):
    """``MAIL_URL`` cannot be used."""


class FileTransport:
    """Writes each message to ``<folder>/<utc stamp>-<outbox id>-<random>.eml`` (atomically)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        outbox_id = int(message.get("X-Tracker-Outbox", "0"))
        name = f"{stamp}-{outbox_id:08d}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(bytes(message))
        os.replace(temporary, self.folder / name)


class SmtpTransport:
    """Sends over SMTP with smtplib: plain, STARTTLS or implicit TLS, with optional login."""

    def __init__(self, host: str, port: int | None, *, username: str | None = None,
                 password: str | None = None, tls: str = "", timeout: float = 30):
        if tls not in {"", "none", "starttls", "ssl"}:
            raise MailConfigError(f"MAIL_URL tls={tls!r}: use starttls or ssl")
        self.host = host
        self.tls = "" if tls == "none" else tls
        self.port = port or (465 if self.tls == "ssl" else 587 if self.tls == "starttls" else 25)
        self.username = username
        self.password = password
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.tls == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def _file(url, _timeout):
    path = unquote(url.path)
    if url.netloc and url.netloc != "localhost":
        raise MailConfigError("MAIL_URL file:// takes an absolute path: file:///var/mail/tracker")
    if not path:
        raise MailConfigError("MAIL_URL file:// needs a folder")
    return FileTransport(path)


def _smtp(url, timeout):
    if not url.hostname:
        raise MailConfigError("MAIL_URL smtp:// needs a host: smtp://user:pass@host:587?tls=starttls")
    query = parse_qs(url.query)
    tls = (query.get("tls") or ["ssl" if url.scheme == "smtps" else ""])[0].lower()
    return SmtpTransport(url.hostname, url.port, username=unquote(url.username) if url.username else None,
                         password=unquote(url.password) if url.password else None, tls=tls, timeout=timeout)


_TRANSPORTS: dict[str, Callable] = {"file": _file, "smtp": _smtp, "smtps": _smtp}


def register_transport(scheme: str, factory: Callable) -> None:
    """Add a ``scheme://`` transport: ``factory(urlsplit(url), timeout)`` returns an object with ``send``."""
    _TRANSPORTS[scheme] = factory


def make_transport(mail_url: str, timeout: float = 30):
    url = urlsplit(mail_url)
    factory = _TRANSPORTS.get(url.scheme)
    if factory is None:
        raise MailConfigError(f"MAIL_URL={mail_url!r}: use smtp://…, smtps://… or file:///folder")
    return factory(url, timeout)
