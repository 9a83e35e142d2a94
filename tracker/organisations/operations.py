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


def _check_site_organisations(organiser, supervisor, *, moved=(True, True)) -> None:
    """The organiser must be an organiser and the supervisor a supervisor; one newly given to the
    site must be active. The refusal names the organisation that is wrong."""
    if organiser.kind != OrgKind.organiser:
        raise InvalidInput(_l("“%(name)s”不是主办单位。", name=organiser.name), fields={"organiser_code": ["kind"]})
    if supervisor.kind != OrgKind.supervisor:
        raise InvalidInput(_l("“%(name)s”不是主管单位。", name=supervisor.name), fields={"supervisor_code": ["kind"]})
    for org, field, is_new in ((organiser, "organiser_code", moved[0]), (supervisor, "supervisor_code", moved[1])):
        if is_new and not getattr(org, "is_active", True):
            raise InvalidInput(_l("单位“%(name)s”已停用，不能接收网站。", name=org.name), fields={field: ["inactive"]})


def new_site(*, code: str, name: str, organiser: Organisation, supervisor: Organisation,
             is_running: bool = True) -> SimpleNamespace:
    """The row of a site, checked but not yet added (a plain stand-in): the rules of
    :func:`create_site` but for the uniqueness of its code, which the caller vouches for.
    Organisations not yet written give no ids yet."""
    _check_site_organisations(organiser, supervisor)
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


# ---------------------------------------------------------------- edits: rename, move, deactivate


def _check_name(name: str, limit: int) -> str:
    name = (name or "").strip()
    if not name or len(name) > limit:
        raise InvalidInput(_l("请填写名称（不超过%(n)s字）。", n=limit), fields={"name": [name[:20]]})
    return name


def rename_organisation(session: Session, org: Organisation, name: str) -> None:
    org.name = _check_name(name, 200)
    session.add(org)
    session.flush()


def move_organisation(session: Session, org: Organisation, parent: Organisation) -> list[int]:
    """Put ``org`` (and its whole subtree) under ``parent``, a supervisor outside that subtree.
    Returns the ids of the organisations whose path changed: the caller makes the cases they see
    follow (:func:`tracker.admin.operations.move_organisation`)."""
    if org.is_national_root:
        raise InvalidInput(_l("全国根单位不能移动。"), fields={"parent": [parent.code]})
    if parent.kind != OrgKind.supervisor:
        raise InvalidInput(_l("上级单位必须是主管单位。"), fields={"parent": [parent.code]})
    if parent.path.startswith(org.path):
        raise InvalidInput(_l("不能把单位移到它自己或它的下级单位之下。"), fields={"parent": [parent.code]})
    old, new = org.path, parent.path + org.code + "/"
    if old == new:
        return []
    subtree = session.exec(select(Organisation).where(Organisation.path.startswith(old, autoescape=True))).all()
    for member in subtree:
        member.path = new + member.path[len(old):]
        session.add(member)
    org.parent_id = parent.id
    session.flush()
    return [member.id for member in subtree]


def set_organisation_active(session: Session, org: Organisation, active: bool) -> None:
    """Deactivate (or reactivate) an organisation. One that still runs a site, or has an active
    organisation under it, is refused: its reports would go nowhere."""
    if not active:
        if org.is_national_root:
            raise InvalidInput(_l("全国根单位不能停用。"))
        running = session.exec(select(Site.code).where(
            Site.is_running, (Site.organiser_id == org.id) | (Site.supervisor_id == org.id))).first()
        if running:
            raise InvalidInput(_l("该单位仍有运行中的网站（如%(code)s），请先停用或迁移这些网站。", code=running))
        child = session.exec(select(Organisation.code).where(
            Organisation.parent_id == org.id, Organisation.is_active)).first()
        if child:
            raise InvalidInput(_l("该单位下仍有启用的单位（如%(code)s），请先停用或迁移它们。", code=child))
    org.is_active = active
    session.add(org)
    session.flush()


def update_site(session: Session, site: Site, *, name: str, organiser: Organisation, supervisor: Organisation,
                is_running: bool) -> None:
    """Rename a site, move it to another organiser or supervisor, stop or restart it. The caller
    makes its open cases follow a move (:func:`tracker.cases.operations.follow_site`)."""
    name = _check_name(name, 300)
    _check_site_organisations(organiser, supervisor,
                              moved=(organiser.id != site.organiser_id, supervisor.id != site.supervisor_id))
    site.name = name
    site.name_initials = name_initials(name)
    site.organiser_id = organiser.id
    site.supervisor_id = supervisor.id
    site.is_running = is_running
    session.add(site)
    session.flush()
