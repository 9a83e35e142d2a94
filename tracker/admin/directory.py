"""Admin pages of one organisation or one site: rename, move (under another supervisor, to another
organiser), deactivate or stop, and start again. Moves take the cases' visibility with them."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlmodel import func, select

from tracker.admin import operations as admin_ops
from tracker.admin.accounts import organisation_for, run_posted_action
from tracker.auth.access import current_actor, role_required
from tracker.auth.forms import CsrfForm
from tracker.extensions import db
from tracker.organisations import operations as org_ops
from tracker.organisations.models import Organisation, Site, SiteHost
from tracker.users.models import User


def _org(code: str | None, field: str) -> Organisation:
    return organisation_for(code, field, required=True)


# ---------------------------------------------------------------- organisations


def _org_page(org: Organisation, error: str | None = None, status: int = 200):
    parent = db.session.get(Organisation, org.parent_id) if org.parent_id else None
    counts = {
        "children": db.session.exec(select(func.count()).select_from(Organisation)
                                    .where(Organisation.parent_id == org.id)).one(),
        "sites": db.session.exec(select(func.count()).select_from(Site).where(
            (Site.organiser_id == org.id) | (Site.supervisor_id == org.id))).one(),
        "users": db.session.exec(select(func.count()).select_from(User).where(User.organisation_id == org.id)).one(),
    }
    return render_template("admin/organisation.html", org=org, parent=parent, counts=counts, error=error,
                           values=request.form if error else {}, form=CsrfForm()), status


def _save_org(session, org: Organisation):
    org_ops.rename_organisation(session, org, request.form.get("name", ""))
    parent_code = (request.form.get("parent") or "").strip()
    if not org.is_national_root and parent_code != _parent_code(org):
        moved = admin_ops.move_organisation(session, org, _org(parent_code, "parent"))
        return _("已保存：单位已移到新的上级单位之下，%(n)s件留言的可见范围随之更新。", n=moved)
    return _("已保存。")


def _parent_code(org: Organisation) -> str:
    parent = db.session.get(Organisation, org.parent_id) if org.parent_id else None
    return parent.code if parent else ""


def _deactivate_org(session, org: Organisation):
    org_ops.set_organisation_active(session, org, False)
    return _("已停用该单位。")


def _activate_org(session, org: Organisation):
    org_ops.set_organisation_active(session, org, True)
    return _("已启用该单位。")


@role_required("admin")
def organisation(org_id: int):
    """One organisation: rename it, move it under another supervisor, deactivate or reactivate it."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    if request.method == "GET":
        return _org_page(org)
    return run_posted_action("admin.organisation", "org_id", org, _org_page,
                  {"save": _save_org, "deactivate": _deactivate_org, "activate": _activate_org})


# ---------------------------------------------------------------- sites


def _site_page(site: Site, error: str | None = None, status: int = 200):
    orgs = {o.id: o for o in db.session.exec(select(Organisation).where(
        Organisation.id.in_([site.organiser_id, site.supervisor_id])))}
    hosts = db.session.exec(select(SiteHost).where(SiteHost.site_id == site.id).order_by(SiteHost.host)).all()
    return render_template("admin/site.html", site=site, organiser=orgs.get(site.organiser_id),
                           supervisor=orgs.get(site.supervisor_id), hosts=hosts, error=error,
                           values=request.form if error else {}, form=CsrfForm()), status


def _save_site(session, site: Site, *, is_running: bool | None = None):
    form = request.form
    organiser = _org(form.get("organiser_code"), "organiser_code")
    supervisor = _org(form.get("supervisor_code"), "supervisor_code")
    moved = admin_ops.update_site(session, site, current_actor(), name=form.get("name", ""), organiser=organiser,
                                  supervisor=supervisor,
                                  is_running=site.is_running if is_running is None else is_running)
    if moved:
        return _("已保存：%(n)s件在办留言随网站转到新的单位。", n=moved)
    return _("已保存。")


def _site_state(running: bool):
    def action(session, site: Site):
        organiser = session.get(Organisation, site.organiser_id)
        supervisor = session.get(Organisation, site.supervisor_id)
        org_ops.update_site(session, site, name=site.name, organiser=organiser, supervisor=supervisor,
                            is_running=running)
        if running:
            return _("网站已恢复运行，重新受理留言。")
        return _("网站已停止运行：不再受理新的留言，在办留言照常办理。")
    return action


@role_required("admin")
def site(site_id: int):
    """One site: rename it, move it to another organiser or supervisor, stop or restart it."""
    row = db.session.get(Site, site_id)
    if row is None:
        abort(404)
    if request.method == "GET":
        return _site_page(row)
    return run_posted_action("admin.site", "site_id", row, _site_page,
                  {"save": _save_site, "stop": _site_state(False), "start": _site_state(True)})
