"""Admin pages: organisations, sites (with CSV import), users, categories and canned answers,
and the per-role TOTP policy. Each form posts back to its page; refusals show on the page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import select

from tracker.admin import operations as admin_ops
from tracker.admin.accounts import organisation_for
from tracker.admin.listing import listing
from tracker.auth.access import role_required
from tracker.auth.forms import CsrfForm
from tracker.cases import lint
from tracker.cases.models import CannedAnswer, Category
from tracker.errors import DomainError, InvalidInput
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.inputs import whole_number
from tracker.organisations.models import Organisation, Site
from tracker.organisations.operations import create_organisation, create_site
from tracker.users import operations as user_ops
from tracker.users.models import Role, RolePolicy, User


def _page(template: str, error: str | None = None, status: int = 200, **context):
    return render_template(template, form=CsrfForm(), error=error, values=request.form, **context), status


def _write(action, success: str, endpoint: str, template: str, context):
    """Run ``action`` in a transaction; redirect on success, re-render with the message otherwise."""
    form = CsrfForm()
    if not form.validate_on_submit():
        return _page(template, _("请求有误。"), 400, **context())
    try:
        with db.transaction() as session:
            action(session)
    except DomainError as exc:
        return _page(template, exc.message(current_language()), exc.status, **context())
    flash(success, "success")
    return redirect(url_for(endpoint))


@role_required("admin")
def index():
    """Admin home: counts, links, and the TOTP policy per role."""
    policies = {p.role: p.totp_required for p in db.session.exec(select(RolePolicy))}
    counts = {name: db.session.exec(select(func.count()).select_from(model)).one()
              for name, model in (("organisations", Organisation), ("sites", Site), ("users", User),
                                  ("categories", Category))}
    return render_template("admin/index.html", policies=policies, roles=[r.value for r in Role], counts=counts,
                           form=CsrfForm())


@role_required("admin")
def policies():
    """Require (or not) a TOTP second factor per role."""
    form = CsrfForm()
    if form.validate_on_submit():
        with db.transaction() as session:
            for role in Role:
                user_ops.set_role_policy(session, role.value, totp_required=request.form.get(role.value) == "on")
        flash(_("已保存。"), "success")
    return redirect(url_for("admin.index"))


def _orgs_context():
    return {"listing": listing(select(Organisation), (Organisation.code, Organisation.name), (Organisation.path,))}


@role_required("admin")
def organisations():
    """The organisation tree; add one."""
    if request.method == "GET":
        return _page("admin/organisations.html", **_orgs_context())

    def action(session):
        parent = organisation_for(request.form.get("parent"), "parent")
        create_organisation(session, code=request.form.get("code", ""), name=request.form.get("name", ""),
                            kind=request.form.get("kind", ""), parent=parent)

    return _write(action, _("已添加单位。"), "admin.organisations", "admin/organisations.html", _orgs_context)


def _orgs_of(ids) -> dict[int, Organisation]:
    """The organisations with ``ids`` (those a page of a list names), by id."""
    wanted = sorted({i for i in ids if i is not None})
    return {o.id: o for o in db.session.exec(select(Organisation).where(Organisation.id.in_(wanted)))} if wanted else {}


def _sites_context():
    page = listing(select(Site), (Site.code, Site.name), (Site.code,))
    return {"listing": page, "orgs": _orgs_of([i for s in page.rows for i in (s.organiser_id, s.supervisor_id)])}


@role_required("admin")
def sites():
    """Sites; add one, or import many from CSV."""
    if request.method == "GET":
        return _page("admin/sites.html", **_sites_context())

    def action(session):
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            result = admin_ops.import_sites(session, upload.read().decode("utf-8-sig", errors="replace"))
            flash(_("已导入网站：新增%(created)s个，更新%(updated)s个。", created=result.created,
                    updated=result.updated), "info")
            return
        organiser = organisation_for(request.form.get("organiser_code"), "organiser_code", required=True)
        supervisor = organisation_for(request.form.get("supervisor_code"), "supervisor_code", required=True)
        create_site(session, code=request.form.get("code", ""), name=request.form.get("name", ""),
                    organiser=organiser, supervisor=supervisor,
                    hosts=request.form.get("hosts", "").replace(";", " ").split())

    return _write(action, _("已保存网站。"), "admin.sites", "admin/sites.html", _sites_context)


def _users_context():
    page = listing(select(User), (User.email, User.name), (User.email,))
    return {"listing": page, "orgs": _orgs_of(u.organisation_id for u in page.rows), "roles": [r.value for r in Role]}


@role_required("admin")
def users():
    """Staff accounts; add one."""
    if request.method == "GET":
        return _page("admin/users.html", **_users_context())

    def action(session):
        org = organisation_for(request.form.get("org"))
        user_ops.create_user(session, email=request.form.get("email", ""), password=request.form.get("password", ""),
                             role=request.form.get("role", ""), organisation=org,
                             name=request.form.get("name", ""))

    return _write(action, _("已添加用户。"), "admin.users", "admin/users.html", _users_context)


def _categories_context():
    return {"categories": db.session.exec(select(Category).order_by(Category.sort_order, Category.code)).all(),
            "canned": db.session.exec(select(CannedAnswer).order_by(CannedAnswer.category_code,
                                                                    CannedAnswer.title)).all()}


@role_required("admin")
def categories():
    """Categories and canned answers; add either."""
    if request.method == "GET":
        return _page("admin/categories.html", **_categories_context())

    def action(session):
        form = request.form
        if form.get("kind") == "canned":
            category = form.get("category_code", "")
            admin_ops.create_canned_answer(session, title=form.get("title", ""), body=form.get("body", ""),
                                           category_code=whole_number(category))
        else:
            code = whole_number(form.get("code", ""))
            if code is None:
                raise InvalidInput(_l("类型代码应为数字。"))
            admin_ops.create_category(session, code=code, name_zh=form.get("name_zh", ""),
                                      name_en=form.get("name_en", ""))

    return _write(action, _("已保存。"), "admin.categories", "admin/categories.html", _categories_context)


def _lint_context():
    return {"rules": lint.RULES, "settings": lint.settings(db.session)}


@role_required("admin")
def lint_rules():
    """The answer-lint rules: switch each on or off; the shortest acceptable answer."""
    if request.method == "GET":
        return _page("admin/lint.html", **_lint_context())

    def action(session):
        for code in lint.RULES:
            params = None
            if code == "too_short":
                least = whole_number(request.form.get("too_short-min_length", ""))
                if least is None or not 1 <= least <= 500:
                    raise InvalidInput(_l("最少字数应为1到500。"), fields={"min_length": ["1–500"]})
                params = {"min_length": least}
            lint.set_rule(session, code, enabled=request.form.get(f"{code}-enabled") == "on", params=params)

    return _write(action, _("已保存。"), "admin.lint", "admin/lint.html", _lint_context)
