"""Reads of organisations and sites, and routing against the registered sites."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.operations import national_root
from tracker.organisations.routing import (
    HostEntry,
    Route,
    SiteEntry,
    code_decides,
    host_variants,
    route,
    split_url,
)


@dataclass
class RoutedTo:
    route: Route
    site: Site | None
    supervisor: Organisation
    #: the site's organiser, when a site takes the report
    organiser: Organisation | None = None


class Directory(Protocol):
    """What routing reads of the registered sites and organisations.

    :class:`SessionDirectory` asks the database; the import keeps one in memory for a whole run.
    Both are read by the same rules (:func:`route_with`, :func:`resolve_with`). Sites are named by
    the ``site_id`` of their entries.
    """

    def code_site(self, code: str) -> SiteEntry | None: ...
    def host_entries(self, page_url: str) -> list[HostEntry]: ...
    def site(self, site_id: int) -> tuple[Site, Organisation | None, Organisation | None] | None:
        """The site, with its supervisor and its organiser."""
    def supervisor(self, code: str) -> Organisation | None: ...
    def national_root(self) -> Organisation: ...


class SessionDirectory:
    """The registered sites and organisations, read from the database as routing asks."""

    def __init__(self, session: Session):
        self.session = session
        # the session's identity map holds objects weakly: keep what was loaded for the later look-ups
        self._loaded: list = []

    def code_site(self, code: str) -> SiteEntry | None:
        # the site with its organiser and supervisor, which the case needs when the code decides
        supervisor, organiser = aliased(Organisation), aliased(Organisation)
        row = self.session.exec(
            select(Site, supervisor, organiser)
            .join(supervisor, supervisor.id == Site.supervisor_id, isouter=True)
            .join(organiser, organiser.id == Site.organiser_id, isouter=True)
            .where(Site.code == code)).first()
        if row is None:
            return None
        self._loaded.extend(row)
        site = row[0]
        return SiteEntry(site.id, site.code, site.is_running)

    def host_entries(self, page_url: str) -> list[HostEntry]:
        return host_entries(self.session, page_url)

    def site(self, site_id: int) -> tuple[Site, Organisation | None, Organisation | None] | None:
        site = self.session.get(Site, site_id)
        if site is None:
            return None
        get = self.session.get
        return site, get(Organisation, site.supervisor_id), get(Organisation, site.organiser_id)

    def supervisor(self, code: str) -> Organisation | None:
        return self.session.exec(select(Organisation).where(
            Organisation.code == code, Organisation.kind == OrgKind.supervisor)).first()

    def national_root(self) -> Organisation:
        return national_root(self.session)


def host_entries(session: Session, page_url: str) -> list[HostEntry]:
    host, _path = split_url(page_url)
    variants = host_variants(host)
    if not variants:
        return []
    rows = session.exec(
        select(SiteHost, Site).join(Site, Site.id == SiteHost.site_id).where(SiteHost.host.in_(variants))
    ).all()
    return [HostEntry(site.id, site.code, sh.host, sh.path_prefix, site.is_running) for sh, site in rows]


def route_with(directory: Directory, site_code: str | None, page_url: str) -> Route:
    """The pure routing decision, fed with what ``directory`` knows of this code and host (the
    host only when the code does not decide)."""
    code_site = directory.code_site(site_code.strip()) if site_code else None
    entries = [] if code_decides(code_site) else directory.host_entries(page_url)
    return route(site_code, page_url, code_site, entries)


def route_for(session: Session, site_code: str | None, page_url: str) -> Route:
    """The pure routing decision, fed with what the database knows of this code and host."""
    return route_with(SessionDirectory(session), site_code, page_url)


def default_supervisor_in(directory: Directory) -> Organisation:
    """Where a report that no site and no region claims goes: ``DEFAULT_SUPERVISOR`` when set, else
    the national root's own triage. Never whichever organisation happens to come first."""
    code = current_app.config.get("DEFAULT_SUPERVISOR")
    return (directory.supervisor(code) if code else None) or directory.national_root()


def default_supervisor(session: Session) -> Organisation:
    """:func:`default_supervisor_in` the database."""
    return default_supervisor_in(SessionDirectory(session))


def resolve_with(directory: Directory, site_code: str | None, page_url: str) -> RoutedTo:
    """Route a report: the site (when unique), its organiser, and the supervisor responsible."""
    decided = route_with(directory, site_code, page_url)
    found = directory.site(decided.site_id) if decided.site_id else None
    site, supervisor, organiser = found or (None, None, None)
    if supervisor is None and decided.region_code:
        supervisor = directory.supervisor(decided.region_code)
    if supervisor is None:
        supervisor = default_supervisor_in(directory)
    return RoutedTo(decided, site, supervisor, organiser)


def resolve_route(session: Session, site_code: str | None, page_url: str) -> RoutedTo:
    """Route a report against the database (:func:`resolve_with`)."""
    return resolve_with(SessionDirectory(session), site_code, page_url)


def site_by_code(session: Session, code: str) -> Site | None:
    return session.exec(select(Site).where(Site.code == code)).first()


def stopped_site(session: Session, site_code: str | None, page_url: str, routed: RoutedTo) -> tuple[str, Site] | None:
    """The stopped site a new report is about, with the field that names it: its code
    (``site_code``), or, when ``routed`` found no running site, its page (``page_url``: the
    address would route to the stopped site if it ran). None when the report is not about one.
    A report that a running site took costs no query."""
    code = (site_code or "").strip()
    if routed.site is not None and (not code or routed.site.code == code):
        return None
    named = site_by_code(session, code) if code else None
    if named is not None and not named.is_running:
        return "site_code", named
    if routed.site is not None or named is not None:
        return None
    entries = [replace(entry, is_running=True) for entry in host_entries(session, page_url)]
    decided = route(None, page_url, None, entries)
    site = session.get(Site, decided.site_id) if decided.site_id else None
    return ("page_url", site) if site is not None and not site.is_running else None


@dataclass
class RoutingAgreement:
    """How many reports route to the site another system recorded for them."""

    total: int = 0
    same_site: int = 0
    other_site: int = 0
    ambiguous: int = 0
    no_match: int = 0

    def share(self, part: str) -> float:
        return getattr(self, part) / self.total if self.total else 0.0


def routing_agreement(session: Session, reports, *, with_code: bool) -> RoutingAgreement:
    """Route each ``(recorded_site_code, page_url)`` as a new report would be routed, by page URL
    only or with the recorded code given, and count where it lands against the recorded code."""
    tally = RoutingAgreement()
    for recorded_code, page_url in reports:
        decided = route_for(session, recorded_code if with_code else None, page_url or "")
        tally.total += 1
        if decided.site_id is None:
            if decided.reason == "ambiguous":
                tally.ambiguous += 1
            else:
                tally.no_match += 1
        elif decided.candidates[:1] == (recorded_code,):
            tally.same_site += 1
        else:
            tally.other_site += 1
    return tally
