"""Routing: which site, and so which organiser, a report belongs to. Pure functions.

Rules (DESIGN.md, "Workflow"):
1. A valid site code of a running site wins.
2. Otherwise the page URL's host as registered, then its longest registered path prefix.
3. A unique site is assigned to its organiser. No match, or several, goes to triage at the
   supervisor of the code's region, or the configured default supervisor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# 10 digits, or bm/BT + 8 digits; a few provincial department sites carry "<2-digit province>BM<6 digits>"
SITE_CODE_RE = re.compile(r"^(?:\d{10}|bm\d{8}|BT\d{8}|\d{2}BM\d{6})$")


@dataclass(frozen=True)
class HostEntry:
    """A registered (host, path prefix) of a site, with what routing needs to know of the site."""

    site_id: int
    site_code: str
    host: str
    path_prefix: str
    is_running: bool = True


@dataclass(frozen=True)
class SiteEntry:
    site_id: int
    site_code: str
    is_running: bool


@dataclass(frozen=True)
class Route:
    """Where a report goes. ``site_id`` is set only for a unique match."""

    site_id: int | None
    reason: str  # "code", "url", "ambiguous", "no_match"
    region_code: str | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_unique(self) -> bool:
        return self.site_id is not None


def is_valid_site_code(code: str | None) -> bool:
    """10 digits, ``bm``/``BT`` plus 8 digits, or ``<province>BM`` plus 6 digits."""
    return bool(code) and bool(SITE_CODE_RE.match(code))


def region_code(site_code: str | None) -> str | None:
    """The supervisor code of a site code's region: ``4401000001`` -> ``440000``; ``bm…`` -> ``bm``.

    Only a code of the platform's length (10 characters) names a region; a few real codes have
    other shapes (``12BM010004``) and go by their first two digits. A fragment names none.
    """
    code = (site_code or "").strip()
    if len(code) != 10:
        return None
    if code.startswith("bm"):
        return "bm"
    if code.startswith("BT"):
        return "BT"
    if code[:2].isdigit():
        return code[:2] + "0000"
    return None


def split_url(page_url: str) -> tuple[str, str]:
    """``(host, path)`` of a URL: host lower-cased without port or a trailing dot.

    A URL written without its scheme (``www.gd.gov.cn/zwgk``) is read as ``http://``.
    """
    text = (page_url or "").strip()
    if text and "://" not in text and not text.startswith("//"):
        text = "//" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return "", ""
    return host, parts.path or "/"


def host_variants(host: str) -> list[str]:
    """The host as given, then with ``www.`` added or removed."""
    if not host:
        return []
    other = host[4:] if host.startswith("www.") else f"www.{host}"
    return [host, other]


def normalise_prefix(prefix: str) -> str:
    prefix = (prefix or "").strip()
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix.rstrip("/")


def _prefix_matches(path: str, prefix: str) -> bool:
    prefix = normalise_prefix(prefix)
    return not prefix or path == prefix or path.startswith(prefix + "/")


def code_decides(code_site: SiteEntry | None) -> bool:
    """The site named by the report's code takes it, whatever its page URL (rule 1): the URL's
    registrations need not be looked up."""
    return code_site is not None and code_site.is_running and is_valid_site_code(code_site.site_code)


def route(
    site_code: str | None,
    page_url: str,
    code_site: SiteEntry | None,
    host_entries: list[HostEntry],
) -> Route:
    """Decide the route of a report.

    ``code_site`` is the site registered under ``site_code`` (or None); ``host_entries`` are the
    registrations for the URL's host and its ``www.`` variant.
    """
    site_code = (site_code or "").strip() or None
    if code_decides(code_site):
        return Route(code_site.site_id, "code", region_code(code_site.site_code), (code_site.site_code,))

    host, path = split_url(page_url)
    variants = host_variants(host)
    entries = [e for e in host_entries if e.is_running and e.host in variants]
    # the host exactly as registered first; its www. twin only when that finds nothing
    exact = [e for e in entries if e.host == host]
    twin = [e for e in entries if e.host != host]
    for group in (exact, twin):
        matching = [e for e in group if _prefix_matches(path, e.path_prefix)]
        if not matching:
            continue
        longest = max(len(normalise_prefix(e.path_prefix)) for e in matching)
        best = {e.site_id: e for e in matching if len(normalise_prefix(e.path_prefix)) == longest}
        if len(best) == 1:
            entry = next(iter(best.values()))
            return Route(entry.site_id, "url", region_code(entry.site_code), (entry.site_code,))
        codes = tuple(sorted(e.site_code for e in best.values()))
        regions = {region_code(c) for c in codes}
        region = region_code(site_code) or (regions.pop() if len(regions) == 1 else None)
        return Route(None, "ambiguous", region, codes)
    return Route(None, "no_match", region_code(site_code))
