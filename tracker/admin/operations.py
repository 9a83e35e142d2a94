"""Admin writes that span packages: site CSV import, moving organisations and sites (their cases'
access follows), categories, canned answers. They flush."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.cases import access
from tracker.cases.canned import create_canned_answer  # noqa: F401  (the CLI and admin pages use it from here)
from tracker.cases.models import Case, Category
from tracker.cases.operations import follow_site
from tracker.cases.scope import Actor
from tracker.errors import InvalidInput
from tracker.i18n import joined
from tracker.organisations import operations as org_ops
from tracker.organisations.models import Organisation, Site
from tracker.organisations.operations import add_site_host, create_site, parse_host_spec

SITE_COLUMNS = ("code", "name", "organiser_code", "supervisor_code", "hosts")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # lazy strings, one per line refused


def _org(session: Session, code: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.code == code.strip())).first()


def _row_problem(row: dict, code: str, organiser, supervisor):
    """What is wrong with a CSV row's code and organisations (a lazy string), or None."""
    if not code:
        return _l("缺少网站标识码（code）。")
    for given, org in ((row.get("organiser_code"), organiser), (row.get("supervisor_code"), supervisor)):
        if org is None:
            return _l("单位代码不存在：%(code)s", code=(given or "").strip() or "—")
    return None


def import_sites(session: Session, text: str) -> ImportResult:
    """Create sites from CSV (columns code,name,organiser_code,supervisor_code,hosts; hosts are
    separated by spaces or ``;``). A known code gets any new hosts. Nothing is written when any
    row is wrong: the errors name the lines."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in SITE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(_l("CSV缺少列：%(columns)s", columns=", ".join(missing)), fields={"file": missing})
    result = ImportResult()
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        hosts = [h for h in (row.get("hosts") or "").replace(";", " ").split() if h]
        organiser = _org(session, row.get("organiser_code") or "")
        supervisor = _org(session, row.get("supervisor_code") or "")
        problem = _row_problem(row, code, organiser, supervisor)
        if problem is not None:
            result.errors.append(_l("第%(line)s行：%(problem)s", line=line, problem=problem))
            continue
        try:
            site = session.exec(select(Site).where(Site.code == code)).first()
            if site is None:
                create_site(session, code=code, name=(row.get("name") or code), organiser=organiser,
                            supervisor=supervisor, hosts=hosts)
                result.created += 1
            else:
                for spec in hosts:
                    add_site_host(session, site, *parse_host_spec(spec))
                result.updated += 1
        except InvalidInput as exc:
            result.errors.append(_l("第%(line)s行：%(problem)s", line=line, problem=exc.text))
    if result.errors:
        raise InvalidInput(_l("CSV有错误，未导入任何网站：%(errors)s", errors=joined(_l("；"), result.errors[:10])),
                           fields={"file": [str(e) for e in result.errors[:10]]})
    session.flush()
    return result


def create_category(session: Session, *, code: int, name_zh: str, name_en: str) -> Category:
    if session.get(Category, code) is not None:
        raise InvalidInput(_l("类型代码已存在。"), fields={"code": [str(code)]})
    if not name_zh.strip():
        raise InvalidInput(_l("请填写名称。"), fields={"name_zh": ["required"]})
    category = Category(code=code, name_zh=name_zh.strip(), name_en=name_en.strip() or name_zh.strip(),
                        sort_order=code)
    session.add(category)
    session.flush()
    return category


def move_organisation(session: Session, org: Organisation, parent: Organisation) -> int:
    """Put ``org`` and its subtree under ``parent``. Who sees their cases changes with the tree:
    the access rows of every case whose organiser or supervisor moved are rewritten. Returns how
    many cases that is."""
    moved = org_ops.move_organisation(session, org, parent)
    if not moved:
        return 0
    case_ids = set()
    for column in (Case.organiser_id, Case.supervisor_id):
        for start in range(0, len(moved), access.CHUNK):
            case_ids.update(session.exec(select(Case.id).where(column.in_(moved[start:start + access.CHUNK]))).all())
    access.refresh(session.connection(), case_ids)
    return len(case_ids)


def update_site(session: Session, site: Site, actor: Actor, *, name: str, organiser: Organisation,
                supervisor: Organisation, is_running: bool) -> int:
    """Edit a site; when it moves, its open cases follow (:func:`tracker.cases.operations.follow_site`).
    Returns how many open cases moved."""
    old_organiser_id, old_supervisor_id = site.organiser_id, site.supervisor_id
    org_ops.update_site(session, site, name=name, organiser=organiser, supervisor=supervisor, is_running=is_running)
    if (site.organiser_id, site.supervisor_id) == (old_organiser_id, old_supervisor_id):
        return 0
    return follow_site(session, site, actor, old_organiser_id=old_organiser_id, old_supervisor_id=old_supervisor_id)
