"""Reads of organisations and sites, and routing against the registered sites."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlmodel import Session, select

from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.operations import national_root
from tracker.organisations.routing import (
    HostEntry,
    Route,
    SiteEntry,
    host_variants,
    route,
    split_url,
)


@dataclass
class RoutedTo:
    route: Route
    site: Site | None
    supervisor: Organisation


def host_entries(session: Session, page_url: str) -> list[HostEntry]:
    host, _path = split_url(page_url)
    variants = host_variants(host)
    if not variants:
        return []
    rows = session.exec(
        select(SiteHost, Site).join(Site, Site.id == SiteHost.site_id).where(SiteHost.host.in_(variants))
    ).all()
    return [HostEntry(site.id, site.code, sh.host, sh.path_prefix, site.is_running) for sh, site in rows]


def route_for(session: Session, site_code: str | None, page_url: str) -> Route:
    """The pure routing decision, fed with what the database knows of this code and host."""
    code_site = None
    if site_code:
        site = session.exec(select(Site).where(Site.code == site_code.strip())).first()
        if site is not None:
            code_site = SiteEntry(site.id, site.code, site.is_running)
    return route(site_code, page_url, code_site, host_entries(session, page_url))


def default_supervisor(session: Session) -> Organisation:
    """Where a report that no site and no region claims goes: ``DEFAULT_SUPERVISOR`` when set, else
    the national root's own triage. Never whichever organisation happens to come first."""
    code = current_app.config.get("DEFAULT_SUPERVISOR")
    if code:
        org = session.exec(select(Organisation).where(Organisation.code == code,
                                                      Organisation.kind == OrgKind.supervisor)).first()
        if org is not None:
            return org
    return national_root(session)


def resolve_route(session: Session, site_code: str | None, page_url: str) -> RoutedTo:
    """Route a report: the site (when unique) and the supervisor responsible for it."""
    decided = route_for(session, site_code, page_url)
    site = session.get(Site, decided.site_id) if decided.site_id else None
    supervisor = session.get(Organisation, site.supervisor_id) if site else None
    if supervisor is None and decided.region_code:
        supervisor = session.exec(select(Organisation).where(
            Organisation.code == decided.region_code, Organisation.kind == OrgKind.supervisor)).first()
    if supervisor is None:
        supervisor = default_supervisor(session)
    return RoutedTo(decided, site, supervisor)


def site_by_code(session: Session, code: str) -> Site | None:
    return session.exec(select(Site).where(Site.code == code)).first()


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
