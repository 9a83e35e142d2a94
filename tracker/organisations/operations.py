"""Writes of organisations and sites. They flush; the caller commits."""
from __future__ import annotations

from sqlmodel import Session, select

from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.routing import normalise_prefix, split_url


def create_organisation(session: Session, *, code: str, name: str, kind: str,
                        parent: Organisation | None = None) -> Organisation:
    """Add an organisation under ``parent`` (None for a root)."""
    code = code.strip()
    if kind not in (OrgKind.supervisor, OrgKind.organiser):
        raise InvalidInput("单位类型无效。", "Kind must be supervisor or organiser.", fields={"kind": [kind]})
    if not code or "/" in code:
        raise InvalidInput("单位代码无效。", "The code must be non-empty and contain no '/'.", fields={"code": [code]})
    if session.exec(select(Organisation.id).where(Organisation.code == code)).first():
        raise InvalidInput("单位代码已存在。", f"Code {code} already exists.", fields={"code": [code]})
    if parent is not None and parent.kind != OrgKind.supervisor:
        raise InvalidInput("上级单位必须是主管单位。", "The parent must be a supervisor.", fields={"parent": [parent.code]})
    path = (parent.path if parent else "/") + code + "/"
    org = Organisation(code=code, name=name.strip(), kind=kind, parent_id=parent.id if parent else None, path=path)
    session.add(org)
    session.flush()
    return org


def get_or_create_organisation(session: Session, *, code: str, name: str, kind: str,
                               parent: Organisation | None = None) -> tuple[Organisation, bool]:
    org = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if org is not None:
        return org, False
    return create_organisation(session, code=code, name=name, kind=kind, parent=parent), True


def parse_host_spec(spec: str) -> tuple[str, str]:
    """``www.gd.gov.cn/zwgk`` or a full URL -> (host, path prefix)."""
    spec = spec.strip()
    if "://" not in spec:
        spec = "http://" + spec
    host, path = split_url(spec)
    if not host:
        raise InvalidInput("网址无效。", f"Not a host: {spec!r}", fields={"hosts": [spec]})
    prefix = normalise_prefix(path if path != "/" else "")
    return host, prefix


def add_site_host(session: Session, site: Site, host: str, path_prefix: str = "") -> SiteHost | None:
    """Register a host (and prefix) for a site; None when it was already registered."""
    host = host.lower().rstrip(".")
    path_prefix = normalise_prefix(path_prefix)
    exists = session.exec(select(SiteHost.id).where(
        SiteHost.site_id == site.id, SiteHost.host == host, SiteHost.path_prefix == path_prefix)).first()
    if exists:
        return None
    row = SiteHost(site_id=site.id, host=host, path_prefix=path_prefix)
    session.add(row)
    return row


def create_site(session: Session, *, code: str, name: str, organiser: Organisation, supervisor: Organisation,
                hosts: list[str] = (), is_running: bool = True) -> Site:
    """Add a site with its hosts (``host`` or ``host/prefix`` strings)."""
    code = code.strip()
    if session.exec(select(Site.id).where(Site.code == code)).first():
        raise InvalidInput("网站标识码已存在。", f"Site code {code} already exists.", fields={"code": [code]})
    if organiser.kind != OrgKind.organiser or supervisor.kind != OrgKind.supervisor:
        raise InvalidInput("主办单位或主管单位类型不对。", "Organiser and supervisor have the wrong kinds.")
    site = Site(code=code, name=name.strip(), organiser_id=organiser.id, supervisor_id=supervisor.id,
                is_running=is_running)
    session.add(site)
    session.flush()
    for spec in hosts:
        host, prefix = parse_host_spec(spec)
        add_site_host(session, site, host, prefix)
    session.flush()
    return site
