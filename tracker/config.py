"""Settings: defaults, then ``TRACKER_*`` environment variables, then an override dict.

Checked once, at start-up, by :func:`load_config`.
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from pathlib import Path

#: the development key earlier versions shipped with: public, so never accepted
PUBLIC_DEVELOPMENT_KEY = "dev-only-change-me"
#: without TRACKER_SECRET_KEY, the key generated into the instance folder on first start
INSTANCE_KEY_FILE = "secret_key"
#: the languages the interface has text for (message ids are Chinese; English is in catalogues)
AVAILABLE_LANGUAGES = ("zh", "en")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says why."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: name -> (default, parser). Every setting here can be set as ``TRACKER_<NAME>``.
SETTINGS: dict[str, tuple[object, object]] = {
    "SECRET_KEY": ("", str),  # "": a random key generated into the instance folder, kept there
    "DATABASE_URL": (None, str),  # None: SQLite in the instance folder
    "BROKER_URL": ("", str),  # "": embedded stub broker with in-process workers
    "MAIL_URL": ("", str),  # "": file:// into instance/mail
    "MAIL_FROM": ("tracker@localhost", str),
    "BASE_URL": ("http://127.0.0.1:5000", str),
    "DEBUG": (False, _bool),
    "TESTING": (False, _bool),
    "ANSWER_WORKDAYS": (3, int),
    "TRIAGE_WORKDAYS": (1, int),
    "REMINDER_WORKDAYS": (1, int),
    "REOPEN_WORKDAYS": (3, int),
    "RATING_DAYS": (15, int),
    "PAUSE_LIMIT_WORKDAYS": (5, int),  # a pause (挂起) ends on its own after this many working days
    "PAUSE_NEEDS_APPROVAL": (False, _bool),  # a pause counts only once a supervisor approves it
    "REVIEW_REQUIRED": (True, _bool),
    "DEFAULT_SUPERVISOR": ("", str),
    "CAPTCHA": (True, _bool),
    "RATE_LIMITS_ENABLED": (True, _bool),
    "REPORT_RATE_LIMIT": ("5 per 10 minutes", str),
    "CAPTCHA_RATE_LIMIT": ("30 per 10 minutes", str),
    "TRACK_RATE_LIMIT": ("10 per 10 minutes", str),
    "RECEIPT_MAIL_RATE_LIMIT": ("5 per hour", str),
    "LOGIN_RATE_LIMIT": ("10 per 10 minutes", str),
    # "": the broker's Redis when TRACKER_BROKER_URL is redis://, otherwise memory:// (one process only)
    "RATELIMIT_STORAGE_URI": ("", str),
    "SINGLE_PROCESS": (False, _bool),  # says that one process serves (memory:// counters are enough)
    "SWEEP_INTERVAL_SECONDS": (300, int),
    "EMBEDDED_WORKER": (True, _bool),
    "EMBEDDED_WORKER_THREADS": (2, int),  # worker threads of the embedded mode
    "SWEEP_BATCH": (500, int),  # cases claimed per sweep transaction
    "MAIL_TIMEOUT_SECONDS": (30, int),  # SMTP connect/send timeout
    "MAIL_MAX_AGE_DAYS": (14, int),  # older unsent notifications are confirmed without mail (0: never)
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": (300, int),  # a delivery claim older than this is taken over
    "OUTBOX_RETRY_SECONDS": (60, int),  # first retry delay (doubles per attempt, max 1 h)
    "RELAY_GRACE_SECONDS": (30, int),  # the periodic relay leaves newer rows to the after-commit hand-off
    "RELAY_BATCH": (500, int),  # outbox ids per relay query
    "ASSESSMENT_POINTS_OPEN": (3, int),
    "ASSESSMENT_POINTS_LATE": (2, int),
    "SESSION_COOKIE_SECURE": (None, _bool),  # None: on outside debug/testing
    "SESSION_LIFETIME_HOURS": (12, int),  # a login ends this long after it began, even if in use
    "PASSWORD_RESET_MINUTES": (60, int),  # how long a one-time password link works
    "PASSWORD_RESET_RATE_LIMIT": ("5 per hour", str),  # requests for a link, per address and per email
    "LANGUAGES": ("zh,en", str),  # offered languages, the first the default
    "REPORT_TARGET": (100.0, float),  # the report chart's target on-time rate, in percent (0–100)
    # page checks (tracker.evidence): fetching the reported page on intake and on a "fixed" answer
    "PROBE": (True, _bool),  # 0: no page is ever fetched
    "PROBE_ALLOW": ("", str),  # networks fetched although not public, e.g. "10.1.0.0/16,fd00::/8"
    "PROBE_PORTS": ("80,443", str),  # the only ports fetched
    "PROBE_USER_AGENT": ("Mozilla/5.0 (compatible; TrackerPageCheck/1.0; government website error reports)", str),
    "PROBE_CONNECT_TIMEOUT_SECONDS": (5.0, float),
    "PROBE_TIMEOUT_SECONDS": (15.0, float),  # the whole fetch, redirects and body included
    "PROBE_MAX_BYTES": (2 * 1024 * 1024, int),  # the body is read up to this size
    "PROBE_HOST_INTERVAL_SECONDS": (5, int),  # at most one check of a host per this many seconds
    "PROBE_RECHECK_SECONDS": (60, int),  # at most one check of a case per this many seconds (staff requests)
}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the settings dict: defaults < ``TRACKER_*`` env vars < ``overrides``.

    Raises :class:`ConfigError` when the result is unsafe or malformed.
    """
    config = _read(overrides)
    _derive(config, Path(instance_path))
    _check_secret_key(config, Path(instance_path))
    _check_rate_limit_storage(config)
    config["LANGUAGES"] = _languages(config["LANGUAGES"])
    for name in ("ANSWER_WORKDAYS", "TRIAGE_WORKDAYS", "REOPEN_WORKDAYS", "PAUSE_LIMIT_WORKDAYS"):
        if not 1 <= int(config[name]) <= 60:
            raise ConfigError(f"TRACKER_{name} must be between 1 and 60 working days")
    if not 0 <= float(config["REPORT_TARGET"]) <= 100:
        raise ConfigError("TRACKER_REPORT_TARGET must be a percentage between 0 and 100")
    _check_probe(config)
    return config


def _check_probe(config: dict) -> None:
    """``PROBE_ALLOW`` becomes a tuple of networks, ``PROBE_PORTS`` a tuple of ports."""
    allow = config["PROBE_ALLOW"]
    items = allow.split(",") if isinstance(allow, str) else list(allow or ())
    try:
        config["PROBE_ALLOW"] = tuple(ipaddress.ip_network(str(i).strip(), strict=False)
                                      for i in items if str(i).strip())
    except ValueError as exc:
        raise ConfigError(f"TRACKER_PROBE_ALLOW must list networks such as 10.0.0.0/8 ({exc})") from None
    ports = config["PROBE_PORTS"]
    items = ports.split(",") if isinstance(ports, str) else list(ports or ())
    try:
        config["PROBE_PORTS"] = tuple(sorted({int(str(i).strip()) for i in items if str(i).strip()}))
    except ValueError:
        config["PROBE_PORTS"] = ()
    if not config["PROBE_PORTS"] or not all(0 < p < 65536 for p in config["PROBE_PORTS"]):
        raise ConfigError("TRACKER_PROBE_PORTS must list ports between 1 and 65535, such as 80,443")
    if float(config["PROBE_TIMEOUT_SECONDS"]) <= 0 or float(config["PROBE_CONNECT_TIMEOUT_SECONDS"]) <= 0:
        raise ConfigError("TRACKER_PROBE_TIMEOUT_SECONDS and TRACKER_PROBE_CONNECT_TIMEOUT_SECONDS must be positive")
    if int(config["PROBE_MAX_BYTES"]) < 1024:
        raise ConfigError("TRACKER_PROBE_MAX_BYTES must be at least 1024")


def _read(overrides: dict | None) -> dict:
    config: dict = {}
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(f"TRACKER_{name}")
        if raw is None:
            config[name] = default
            continue
        try:
            config[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"TRACKER_{name}={raw!r} is not valid: {exc}") from exc
    config.update(overrides or {})
    return config


def _derive(config: dict, instance: Path) -> None:
    """Defaults that depend on other settings or on the instance folder."""
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'tracker.sqlite3'}"
    if not config["MAIL_URL"]:
        config["MAIL_URL"] = f"file://{instance / 'mail'}"
    if not config["RATELIMIT_STORAGE_URI"]:
        broker = str(config["BROKER_URL"] or "")
        shared = broker.split(":", 1)[0].lower() in {"redis", "rediss", "unix"}
        config["RATELIMIT_STORAGE_URI"] = broker if shared else "memory://"
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = not (config["DEBUG"] or config["TESTING"])


def _check_secret_key(config: dict, instance: Path) -> None:
    config["SECRET_KEY"] = _secret_key(config["SECRET_KEY"], str(instance))
    if int(config["SESSION_LIFETIME_HOURS"]) < 1:
        raise ConfigError("TRACKER_SESSION_LIFETIME_HOURS must be at least 1")


def _check_rate_limit_storage(config: dict) -> None:
    if (config["RATELIMIT_STORAGE_URI"].startswith("memory://") and config["RATE_LIMITS_ENABLED"]
            and not (config["SINGLE_PROCESS"] or config["DEBUG"] or config["TESTING"])):
        raise ConfigError(
            "Rate-limit counters in memory:// hold only within one process: with several web processes "
            "each would allow the full limit. Set TRACKER_RATELIMIT_STORAGE_URI=redis://… (or use a Redis "
            "TRACKER_BROKER_URL, whose server is then used), or TRACKER_SINGLE_PROCESS=1 when exactly one "
            "process serves.")


def _languages(value) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    languages = tuple(part.strip() for part in str(value).split(",") if part.strip())
    unknown = sorted(set(languages) - set(AVAILABLE_LANGUAGES))
    if not languages or unknown:
        raise ConfigError(f"TRACKER_LANGUAGES must list languages out of {', '.join(AVAILABLE_LANGUAGES)}"
                          + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    return languages


def _secret_key(configured: str, instance_path: str) -> str:
    """The key that signs sessions: the configured one, else the instance folder's; never a public one."""
    if configured == PUBLIC_DEVELOPMENT_KEY:
        raise ConfigError(
            "TRACKER_SECRET_KEY is the old public development key. Set TRACKER_SECRET_KEY to a long "
            "random value (python -c 'import secrets; print(secrets.token_hex(32))'), or leave it "
            "unset to use a key generated into the instance folder."
        )
    return configured or instance_secret_key(instance_path)


def instance_secret_key(instance_path: str) -> str:
    """The key in ``<instance>/secret_key``, generated (random, mode 0600) when the file is missing.

    Every process on the same instance folder reads the same key; the first to start writes it, in
    one step (a hard link of a complete file), so that a process starting beside it never reads
    half a key."""
    folder = Path(instance_path)
    path = folder / INSTANCE_KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{INSTANCE_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key: delete it to have a new one generated, "
                          "or set TRACKER_SECRET_KEY")
    return key
