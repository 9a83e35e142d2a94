"""Admin writes that span packages: site CSV import, categories, canned answers. They flush."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.cases.canned import create_canned_answer  # noqa: F401  (the CLI and admin pages use it from here)
from tracker.cases.models import Category
from tracker.errors import InvalidInput
from tracker.i18n import joined
from tracker.organisations.models import Organisation, Site
from tracker.organisations.operations import add_site_host, create_site, parse_host_spec

SITE_COLUMNS = ("code", "name", "organiser_code", "supervisor_code", "hosts")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _org(session: Session, code: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.code == code.strip())).first()


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
        if not code or organiser is None or supervisor is None:
            result.errors.append(f"line {line}: code, organiser_code and supervisor_code must name existing rows")
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
            result.errors.append(f"line {line}: {exc.message_en}")
    if result.errors:
        raise InvalidInput(_l("CSV有错误，未导入任何网站：%(errors)s", errors=joined(_l("；"), result.errors[:10])),
                           fields={"file": result.errors})
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
