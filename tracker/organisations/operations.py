"""Writes of organisations and sites. They flush; the caller commits."""
from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlmodel import Session, select

from tracker.db import plain
from tracker.errors import InvalidInput
from tracker.organisations.initials import name_initials
from tracker.organisations.models import Organisation, OrgKind, Site, SiteHost
from tracker.organisations.routing import normalise_prefix, split_url
from tracker.organisations.scope import FORBIDDEN_CODE_CHARACTERS

#: the top of the tree: the national platform level (全国), whose path is ``/``
NATIONAL_ROOT_CODE = "000000"
NATIONAL_ROOT_NAME = "全国政府网站主管单位"


def national_root(session: Session) -> Organisation:
    """The national root, created on first use. Every other tree top (a province, ``bm``, ``BT``)
    hangs below it, and reports that no site or region claims wait in its own triage."""
    root = session.exec(select(Organisation).where(Organisation.code == NATIONAL_ROOT_CODE)).first()
    if root is None:
        root = Organisation(code=NATIONAL_ROOT_CODE, name=NATIONAL_ROOT_NAME, kind=OrgKind.supervisor, path="/")
        session.add(root)
        session.flush()
    return root


def check_code(code: str) -> str:
    """The stripped code, or InvalidInput when it is empty, too long or holds ``% _ \\ /``."""
    code = (code or "").strip()
    bad = sorted(FORBIDDEN_CODE_CHARACTERS.intersection(code))
    if not code or len(code) > 64 or bad:
        found = " ".join(bad)
        if found:  # the same words, and in English the characters found
            message = lazy_pgettext("characters found", "单位代码无效：不能为空，不超过64个字符，"
                                    "且不能包含 %% _ \\ / 等字符。", found=found)
        else:
            message = _l("单位代码无效：不能为空，不超过64个字符，且不能包含 %% _ \\ / 等字符。", found=found)
        raise InvalidInput(message, fields={"code": [code]})
    return code


def new_organisation(*, code: str, name: str, kind: str, parent: Organisation) -> SimpleNamespace:
    """The row of an organisation under ``parent``, checked but not yet added (a plain stand-in,
    :func:`tracker.db.plain`): the rules of :func:`create_organisation` but for the uniqueness of
    its code, which the caller vouches for. Its ``parent_id`` is ``parent``'s id, which a parent
    not yet written does not have yet."""
    if kind not in (OrgKind.supervisor, OrgKind.organiser):
        raise InvalidInput(_l("单位类型无效。"), fields={"kind": [kind]})
    code = check_code(code)
    if parent.kind != OrgKind.supervisor:
        raise InvalidInput(_l("上级单位必须是主管单位。"), fields={"parent": [parent.code]})
    return plain(Organisation, code=code, name=name.strip(), kind=kind, parent_id=parent.id,
                 path=parent.path + code + "/")


def create_organisation(session: Session, *, code: str, name: str, kind: str,
                        parent: Organisation | None = None) -> Organisation:
    """Add an organisation under ``parent``; without one, directly under the national root."""
    code = check_code(code)
    if session.exec(select(Organisation.id).where(Organisation.code == code)).first():
        raise InvalidInput(_l("单位代码已存在。", code=code), fields={"code": [code]})
    row = new_organisation(code=code, name=name, kind=kind, parent=parent or national_root(session))
    org = Organisation(**vars(row))
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
        raise InvalidInput(_l("网址无效。", spec=spec), fields={"hosts": [spec]})
    prefix = normalise_prefix(path if path != "/" else "")
    return host, prefix


def new_site_host(site: Site, host: str, path_prefix: str = "") -> SimpleNamespace:
    """The row registering ``site`` at ``host`` (and prefix), not yet added (:func:`add_site_host`)."""
    return plain(SiteHost, site_id=site.id, host=host.lower().rstrip("."), path_prefix=normalise_prefix(path_prefix))


def add_site_host(session: Session, site: Site, host: str, path_prefix: str = "") -> SiteHost | None:
    """Register a host (and prefix) for a site; None when it was already registered."""
    row = SiteHost(**vars(new_site_host(site, host, path_prefix)))
    exists = session.exec(select(SiteHost.id).where(
        SiteHost.site_id == site.id, SiteHost.host == row.host, SiteHost.path_prefix == row.path_prefix)).first()
    if exists:
        return None
    session.add(row)
    return row


def new_site(*, code: str, name: str, organiser: Organisation, supervisor: Organisation,
             is_running: bool = True) -> SimpleNamespace:
    """The row of a site, checked but not yet added (a plain stand-in): the rules of
    :func:`create_site` but for the uniqueness of its code, which the caller vouches for.
    Organisations not yet written give no ids yet."""
    if organiser.kind != OrgKind.organiser or supervisor.kind != OrgKind.supervisor:
        raise InvalidInput(_l("主办单位或主管单位类型不对。"))
    return plain(Site, code=code.strip(), name=name.strip(), name_initials=name_initials(name.strip()),
                 organiser_id=organiser.id,
                 supervisor_id=supervisor.id, is_running=is_running)


def create_site(session: Session, *, code: str, name: str, organiser: Organisation, supervisor: Organisation,
                hosts: list[str] = (), is_running: bool = True) -> Site:
    """Add a site with its hosts (``host`` or ``host/prefix`` strings)."""
    code = code.strip()
    if session.exec(select(Site.id).where(Site.code == code)).first():
        raise InvalidInput(_l("网站标识码已存在。", code=code), fields={"code": [code]})
    site = Site(**vars(new_site(code=code, name=name, organiser=organiser, supervisor=supervisor,
                                is_running=is_running)))
    session.add(site)
    session.flush()
    for spec in hosts:
        host, prefix = parse_host_spec(spec)
        add_site_host(session, site, host, prefix)
    session.flush()
    return site
