"""Thin handlers of /api/v1: load with a schema, call an operation or a read, dump with a schema."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from marshmallow import Schema, ValidationError
from sqlmodel import select

from tracker.api import schemas, util
from tracker.api.auth import optional_actor, require_actor
from tracker.api.openapi import document
from tracker.cases import operations as ops
from tracker.cases.imports import import_lines
from tracker.cases.models import Category
from tracker.cases.permissions import citizen_case
from tracker.errors import InvalidInput, NotAllowed, NotFound
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.organisations.models import Organisation, OrgKind, Site
from tracker.reports.figures import sla_report as build_report
from tracker.reports.params import root_organisation
from tracker.users.models import Role

#: content types the import endpoint takes (JSON lines)
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


def _invalid(exc: ValidationError) -> InvalidInput:
    return InvalidInput(lazy_pgettext("api", "提交的数据有误。"),
                        fields=schemas.localise(exc.messages, current_language()))


def load_body(schema: type[Schema]) -> dict:
    """The JSON body loaded with ``schema``: 415 when not JSON, 400 when malformed, 422 when invalid."""
    if not request.is_json:
        abort(415)
    data = request.get_json()  # malformed JSON: 400
    if not isinstance(data, dict):
        raise InvalidInput(_l("请求体应为 JSON 对象。"), fields={"_schema": ["object"]})
    try:
        return schema().load(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def load_args(schema: type[Schema]) -> dict:
    try:
        return schema().load(request.args.to_dict())
    except ValidationError as exc:
        raise _invalid(exc) from None


def dump(schema: type[Schema], data, status: int = 200):
    return jsonify(schema().dump(data)), status


# ------------------------------------------------------------------ public


def create_case():
    """Take in a citizen's report (public; rate-limited together with the web form)."""
    data = load_body(schemas.CaseCreateSchema)
    data.pop("consent")
    with db.transaction() as session:
        submission = ops.submit(session, source="api", **data)
    return dump(schemas.CaseCreatedSchema, util.created(session, submission.case, submission.query_code), 201)


def show_case(tracking_number: str):
    """The staff view with a bearer token; otherwise the public status, given the right query code."""
    session = db.session
    args = load_args(schemas.StatusQuerySchema)
    actor = optional_actor()
    if actor is not None:
        case = ops.get_case(session, actor, tracking_number)
        return dump(schemas.CaseDetailSchema, util.detail(session, actor, case))
    case = citizen_case(session, tracking_number, args["code"])
    if case is None:
        # the same answer for an unknown number and a wrong code: nothing to guess from
        raise NotFound(_l("没有找到该留言，请核对留言编号和查询码。"))
    return dump(schemas.PublicStatusSchema, util.public_status(session, case))


def list_categories():
    """The error types a report may name."""
    rows = db.session.exec(select(Category).where(Category.is_active)
                           .order_by(Category.sort_order, Category.code)).all()
    items = [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "name": c.name_in(current_language())}
             for c in rows]
    return dump(schemas.CategoryListSchema, {"items": items})


# ------------------------------------------------------------------ staff


def list_cases():
    """The cases the caller may see, filtered, newest first."""
    actor = require_actor()
    args = load_args(schemas.CaseListQuerySchema)
    session = db.session
    rows, total = util.case_page(session, actor, **args)
    return dump(schemas.CaseListSchema, {"items": [util.summary(session, c) for c in rows], "total": total,
                                         "page": args["page"], "per_page": args["per_page"]})


def _organiser_id(session, code: str) -> int:
    org = session.exec(select(Organisation).where(Organisation.code == code)).first()
    if org is None or org.kind != OrgKind.organiser:
        message = _l("主办单位不存在。")
        raise InvalidInput(message, fields={"organiser_code": [str(message)]})
    return org.id


def _site_id(session, code: str) -> int:
    site = session.exec(select(Site).where(Site.code == code)).first()
    if site is None:
        message = lazy_pgettext("api", "网站不存在。")
        raise InvalidInput(message, fields={"site_code": [str(message)]})
    return site.id


def perform_action(tracking_number: str, operation: str):
    """Run one lifecycle operation on a case; answers the case as it now is."""
    actor = require_actor()
    schema = schemas.ACTION_SCHEMAS.get(operation)
    if schema is None:
        raise NotFound(_l("没有这个操作。", operation=operation))
    session = db.session
    case = ops.get_case(session, actor, tracking_number)
    arguments = load_body(schema)
    if "organiser_code" in arguments:
        arguments["organiser_id"] = _organiser_id(session, arguments.pop("organiser_code"))
    if "site_code" in arguments:
        arguments["site_id"] = _site_id(session, arguments.pop("site_code"))
    with db.transaction():
        ops.perform(session, operation, case, actor, **arguments)
    return dump(schemas.CaseDetailSchema, util.detail(session, actor, case))


def list_sites():
    """Registered government sites, by code."""
    require_actor()
    args = load_args(schemas.SiteListQuerySchema)
    items, total = util.site_page(db.session, **args)
    return dump(schemas.SiteListSchema, {"items": items, "total": total,
                                         "page": args["page"], "per_page": args["per_page"]})


def import_records():
    """Import JSON lines of the national platform's public records (admins; idempotent)."""
    actor = require_actor()
    if actor.role != Role.admin:
        raise NotAllowed(_l("只有管理员可以导入。"))
    if request.mimetype not in JSON_LINES_TYPES:
        abort(415)
    lines = request.get_data(as_text=True).splitlines()
    summary = import_lines(db.session, lines)  # commits per batch, like the command
    if not summary.imported and not summary.already_present:
        # nothing in the body was a record: refuse it as a whole, and say why line by line
        raise InvalidInput(_l("没有可导入的记录。"),
                           fields={"lines": [f"{number}: {message}" for number, message in summary.errors[:50]]
                                   or ["empty"]})
    return dump(schemas.ImportSummarySchema, {
        "imported": summary.imported, "already_present": summary.already_present,
        "errors": [{"line": number, "message": message} for number, message in summary.errors]})


def sla_report():
    """The SLA figures of the caller's organisation (supervisors and admins), as ``tracker report``."""
    actor = require_actor()
    if actor.role not in (Role.supervisor, Role.admin):
        raise NotAllowed(_l("只有主管单位和管理员可以查看统计。"))
    args = load_args(schemas.SlaQuerySchema)

    session = db.session
    scope = actor.organisation if actor.role == Role.supervisor else root_organisation(session)
    if scope is None:
        raise NotFound(_l("还没有任何单位。"))
    report = build_report(session, date_from=args["date_from"], date_to=args["date_to"],
                   scope_org=scope, as_of=args["as_of"], by=args["by"], with_satisfaction=args["with_satisfaction"])
    return jsonify(report), 200


# ------------------------------------------------------------------ document


def openapi_document():
    return jsonify(document())


def docs_page():
    """Human-readable docs, drawn in the browser from the OpenAPI document (no CDN)."""
    return render_template("api/docs.html")
