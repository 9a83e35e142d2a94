"""Fetching a reported page, safely: the address rule, the fetch, and what is read from the answer.

Pure of the database and of Flask: :func:`probe` takes a URL and :class:`ProbeSettings` and
returns a :class:`ProbeResult`. The rules:

- Only ``http`` and ``https``, on the configured ports (80 and 443 by default).
- Only public addresses. The address checked is the one connected to: the host of every hop is
  resolved once, every address it resolves to must be public (or inside ``allow``), and the
  connection goes to that checked address (TLS and ``Host`` still name the host). A name that
  resolves to a private address, or changes its answer between a check and a connect (DNS
  rebinding), therefore never reaches a private address. Legacy numeric forms (``2130706433``,
  ``0177.0.0.1``, ``0x7f.1``) are read as the addresses they denote, IPv4-mapped, 6to4 and NAT64
  IPv6 addresses as the IPv4 address they carry.
- At most ``max_redirects`` redirects, each hop checked like the first.
- A connect timeout, and a total time for the whole fetch; the body is read up to ``max_bytes``.
- No proxy from the environment, no cookies, a User-Agent that says who is asking.
"""
from __future__ import annotations

import codecs
import hashlib
import html
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: (host, port) -> the addresses it resolves to, as text
Resolver = Callable[[str, int], list[str]]

SCHEMES = ("http", "https")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
#: a page text up to this many characters is kept, for a short diff between two checks
TEXT_KEPT = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# error codes of a check (the page could not be read); the panel names them
REFUSED = "refused"  # the address or URL may not be fetched
INVALID_URL = "invalid_url"
DNS_ERROR = "dns_error"
CONNECT_ERROR = "connect_error"
TLS_ERROR = "tls_error"
TIMEOUT = "timeout"
TOO_MANY_REDIRECTS = "too_many_redirects"
PROTOCOL_ERROR = "protocol_error"


class Refused(Exception):
    """The URL or an address it leads to may not be fetched; nothing was connected to."""


def default_resolver(host: str, port: int) -> list[str]:
    """The system resolver's addresses for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def parse_networks(value) -> tuple[Network, ...]:
    """Networks from a list or a comma-separated string (``"127.0.0.1/32, ::1"``); ValueError if bad."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


def parse_ports(value) -> frozenset[int]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    ports = frozenset(int(str(item).strip()) for item in items if str(item).strip())
    if not ports or not all(0 < p < 65536 for p in ports):
        raise ValueError("ports must be between 1 and 65535")
    return ports


@dataclass(frozen=True)
class ProbeSettings:
    allow: tuple[Network, ...] = ()
    ports: frozenset[int] = frozenset({80, 443})
    user_agent: str = "TrackerPageCheck/1.0"
    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 5
    resolver: Resolver = default_resolver
    #: the network under the guard (tests pass a spy); None: httpcore's own sockets
    network: httpcore.NetworkBackend | None = None


@dataclass
class ProbeResult:
    url: str
    checked_at: datetime
    final_url: str | None = None
    status: int | None = None
    reason: str | None = None
    error: str | None = None
    error_detail: str | None = None
    elapsed_ms: int = 0
    title: str | None = None
    content_type: str | None = None
    size: int = 0
    truncated: bool = False
    text_hash: str | None = None
    text: str | None = None
    #: every URL fetched, in order (the first is ``url``)
    hops: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the address rule


def literal_address(host: str) -> Address | None:
    """The address ``host`` denotes by itself, in any form a resolver would accept; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", host, re.IGNORECASE):
        try:  # inet_aton reads the decimal, octal and hexadecimal forms, as resolvers do
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise Refused(f"malformed address {host!r}") from None
    return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, multicast, reserved,
    unspecified or shared (CGNAT), nor an IPv6 address that carries such an IPv4 address."""
    inner = _embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_loopback
                                      or address.is_link_local or address.is_private or address.is_unspecified)


def is_permitted(address: Address, allow: Iterable[Network]) -> bool:
    return is_public(address) or any(address in network for network in allow if address.version == network.version)


def checked_addresses(host: str, port: int, settings: ProbeSettings) -> list[Address]:
    """Every address ``host`` leads to, each one permitted; :class:`Refused` otherwise."""
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in settings.resolver(host, port)]
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
    refused = [str(a) for a in addresses if not is_permitted(a, settings.allow)]
    if refused:
        raise Refused(f"{host} resolves to a non-public address ({', '.join(refused)})")
    return addresses


def check_url(url: httpx.URL, settings: ProbeSettings) -> None:
    """The scheme and port rule, and the address rule for a host given as an address."""
    if url.scheme not in SCHEMES:
        raise Refused(f"scheme {url.scheme!r} is not fetched")
    if not url.host:
        raise Refused("no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    if port not in settings.ports:
        raise Refused(f"port {port} is not fetched")
    literal = literal_address(url.host)
    if literal is not None and not is_permitted(literal, settings.allow):
        raise Refused(f"{literal} is not a public address")


class GuardedNetwork(httpcore.NetworkBackend):
    """Connects only to a checked address of the host asked for."""

    def __init__(self, settings: ProbeSettings):
        self.settings = settings
        self.inner = settings.network or httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = checked_addresses(host, port, self.settings)
        return self.inner.connect_tcp(str(addresses[0]), port, timeout=timeout, local_address=local_address,
                                      socket_options=socket_options)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise Refused("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        self.inner.sleep(seconds)


def _client(settings: ProbeSettings) -> httpx.Client:
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    transport._pool = httpcore.ConnectionPool(  # the same pool, on the guarded network
        ssl_context=ssl.create_default_context(cafile=_cafile()), max_connections=4, http1=True, http2=False,
        retries=0, network_backend=GuardedNetwork(settings))
    return httpx.Client(transport=transport, trust_env=False, follow_redirects=False,
                        headers={"User-Agent": settings.user_agent, "Accept": "text/html,*/*;q=0.5",
                                 "Accept-Language": "zh-CN,zh;q=0.9"})


def _cafile() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover
        return None
    return certifi.where()


# ---------------------------------------------------------------- reading the page


_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HIDDEN = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
#: pages labelled GBK or GB2312 are read as GB18030, their superset (labels lie in the safe direction)
_WIDER = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


def _charset(content_type: str, body: bytes) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", content_type or "", re.IGNORECASE)
    found = match.group(1) if match else None
    if not found:
        meta = _CHARSET_META.search(body[:4096])
        found = meta.group(1).decode("ascii") if meta else None
    if not found:
        return None
    name = found.lower()
    name = _WIDER.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str) -> str:
    """The page's text: its declared charset (GBK and GB2312 as GB18030), else UTF-8, else GB18030."""
    declared = _charset(content_type, body)
    if declared:
        return body.decode(declared, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def page_text(markup: str) -> str:
    """The visible text of an HTML page, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", markup)))).strip()


def page_title(markup: str) -> str | None:
    match = _TITLE.search(markup)
    if not match:
        return None
    title = _SPACE.sub(" ", html.unescape(_TAG.sub("", match.group(1)))).strip()
    return title[:300] or None


def _read(response: httpx.Response, result: ProbeResult, settings: ProbeSettings, deadline: float) -> None:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= settings.max_bytes:
            result.truncated = True
            break
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the total time ran out while reading the body")
    body = b"".join(chunks)[:settings.max_bytes]
    result.size = len(body)
    result.content_type = (response.headers.get("content-type") or "")[:200] or None
    kind = (result.content_type or "").split(";", 1)[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml", "") or kind.startswith("text/"):
        markup = decode(body, result.content_type or "")
        if kind in ("text/html", "application/xhtml+xml", ""):
            result.title = page_title(markup)
            text = page_text(markup)
        else:
            text = _SPACE.sub(" ", markup).strip()
        result.text_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
        result.text = text if len(text) <= TEXT_KEPT else None
    else:
        result.text_hash = hashlib.sha256(body).hexdigest()


# ---------------------------------------------------------------- the fetch


def _fail(result: ProbeResult, code: str, exc: BaseException) -> ProbeResult:
    result.error = code
    result.error_detail = f"{type(exc).__name__}: {exc}"[:300]
    return result


def _error_code(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return TIMEOUT
    text = str(exc)
    if isinstance(exc, httpx.ConnectError) and ("SSL" in text or "certificate" in text or "TLS" in text):
        return TLS_ERROR
    if isinstance(exc, httpx.ConnectError) and "resolve" in text:
        return DNS_ERROR
    if isinstance(exc, httpx.ConnectError | httpx.NetworkError):
        return CONNECT_ERROR
    return PROTOCOL_ERROR


def probe(url: str, settings: ProbeSettings | None = None, *, now: datetime | None = None) -> ProbeResult:
    """Fetch ``url`` under the rules above and say what came back. Never raises for the page's
    faults: a refusal, a network or TLS error, a timeout is the result's ``error``."""
    settings = settings or ProbeSettings()
    result = ProbeResult(url=url, checked_at=now or datetime.now(UTC))
    started = time.monotonic()
    deadline = started + settings.total_timeout
    try:
        _check_raw_host(url, settings)
        target = httpx.URL(url.strip())
    except Refused as exc:
        return _fail(result, REFUSED, exc)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        return _fail(result, INVALID_URL, exc)
    try:
        with _client(settings) as client:
            _follow(client, target, result, settings, deadline)
    except Refused as exc:
        _fail(result, REFUSED, exc)
    except (httpx.HTTPError, httpcore.ConnectError, ssl.SSLError, OSError) as exc:
        _fail(result, _error_code(exc) if isinstance(exc, httpx.HTTPError) else CONNECT_ERROR, exc)
    except Exception as exc:  # a redirect to a URL that cannot be read, an answer that is not HTTP
        _fail(result, PROTOCOL_ERROR, exc)
    finally:
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


def _check_raw_host(url: str, settings: ProbeSettings) -> None:
    """Refuse a host written as a non-public address in a form the URL parser rejects
    (``0177.0.0.1``), so that it is named a refusal rather than a malformed address."""
    host = urlsplit(url.strip()).hostname or ""
    literal = literal_address(host) if host else None
    if literal is not None and not is_permitted(literal, settings.allow):
        raise Refused(f"{literal} is not a public address")


def _follow(client: httpx.Client, target: httpx.URL, result: ProbeResult, settings: ProbeSettings,
            deadline: float) -> None:
    for _hop in range(settings.max_redirects + 1):
        result.final_url = str(target)  # a refused hop is named too: where the page tried to send us
        check_url(target, settings)
        result.hops.append(str(target))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.ConnectTimeout("the total time ran out")
        timeout = httpx.Timeout(remaining, connect=min(settings.connect_timeout, remaining))
        with client.stream("GET", target, timeout=timeout) as response:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                target = target.join(location)
                continue
            result.status = response.status_code
            result.reason = (response.reason_phrase or "")[:100] or None
            _read(response, result, settings, deadline)
            return
    result.error = TOO_MANY_REDIRECTS
    result.error_detail = f"more than {settings.max_redirects} redirects"
