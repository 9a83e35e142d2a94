"""The API's shapes: every request body, query string and response of /api/v1.

These schemas are the single source: the controllers load and dump with them, and
:mod:`tracker.api.openapi` builds the OpenAPI document from them.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from tracker.cases import validation as rules
from tracker.cases.states import ANSWER_OUTCOMES, NOT_TAKEN_UP_OUTCOMES, Outcome, State
from tracker.i18n import current_language, in_language
from tracker.inputs import MAX_INT, MAX_PAGE
from tracker.workdays import BEIJING

MAX_PER_PAGE = 100
REASON_MAX = 1000
TEXT_MAX = 2000
SITE_CODE_MAX = 32


# ------------------------------------------------------------------ fields


class StrictBool(fields.Boolean):
    """Only JSON ``true`` or ``false``: "yes", 1 and "true" are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class BeijingDateTime(fields.DateTime):
    """An instant shown in Beijing time, ISO 8601 with ``+08:00``."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(BEIJING).isoformat()


def _must_be_true(value):
    if value is not True:
        raise ValidationError(_("请阅读并同意个人信息处理说明。"))


def _code(**kwargs):
    return fields.Int(strict=True, validate=validate.Range(0, MAX_INT), **kwargs)


def _id(**kwargs):
    return fields.Int(strict=True, validate=validate.Range(1, MAX_INT), **kwargs)


def _text(maximum: int, *, required: bool = True, **kwargs):
    return fields.Str(required=required, validate=validate.Length(min=1 if required else 0, max=maximum), **kwargs)


def _date(**kwargs):
    """A calendar date within the years the service can count in."""
    return fields.Date(validate=validate.Range(date(2000, 1, 1), date(2099, 12, 31)), **kwargs)


class StrictSchema(Schema):
    """Refuse unknown fields."""

    class Meta:
        unknown = RAISE


class QuerySchema(Schema):
    """Query strings ignore parameters they do not know (``lang`` and the like)."""

    class Meta:
        unknown = EXCLUDE


# ------------------------------------------------------------------ errors


class ErrorSchema(Schema):
    status = fields.Int(required=True, metadata={"description": "HTTP status"})
    code = fields.Str(required=True, metadata={"description": "machine-readable reason"})
    message = fields.Str(required=True, metadata={"description": "in the request's language"})
    field_errors = fields.Dict(keys=fields.Str(), required=True, data_key="fields",
                               metadata={"description": "field name -> problems with it"})


# ------------------------------------------------------------------ public


class CaseCreateSchema(StrictSchema):
    """A citizen's report: the same fields and rules as the web form (:mod:`tracker.cases.validation`).

    The JSON Schema states types and lengths; the form's rules (an http/https address, a site code
    of 10 digits or bm/BT and 8 digits, a mobile number or an email, an existing category) are
    checked as well and answered with 422.
    """

    site_code = fields.Str(load_default="", validate=validate.Length(max=SITE_CODE_MAX), metadata={
        "description": "网站标识码 (optional): 10 digits, or bm/BT and 8 digits", "example": "4400000001"})
    page_url = fields.Str(required=True, validate=validate.Length(min=1, max=rules.PAGE_URL_MAX), metadata={
        "description": "the page with the error: an http:// or https:// address",
        "example": "https://www.gd.gov.cn/zwgk/index.html"})
    category = _code(required=True, metadata={"description": "a code from GET /categories", "example": 2})
    description = fields.Str(required=True, validate=validate.Length(min=1, max=rules.DESCRIPTION_MAX),
                             metadata={"example": "页面上的办事指南已过期。"})
    contact_name = fields.Str(load_default="", validate=validate.Length(max=rules.CONTACT_NAME_MAX),
                              metadata={"example": "张三"})
    contact_phone = fields.Str(load_default="", validate=validate.Length(max=20), metadata={
        "description": "mainland mobile number (11 digits, 13–19); give a phone or an email",
        "example": "13800138000"})
    contact_email = fields.Str(load_default="", validate=validate.Length(max=rules.CONTACT_EMAIL_MAX), metadata={
        "description": "one bare address: no list, display name, comment, comma or semicolon",
        "example": "citizen@example.com"})
    consent = StrictBool(required=True, validate=_must_be_true, metadata={
        "description": "must be true: the reporter agrees to how their data is handled", "enum": [True],
        "example": True})

    @validates_schema
    def _form_rules(self, data, **kwargs):
        _cleaned, errors = apply_report_rules(data)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _clean(self, data, **kwargs):
        cleaned, _errors = apply_report_rules(data)
        return {**data, **cleaned}


#: field -> the form's rule for it (tracker.cases.validation)
REPORT_RULES = {
    "site_code": rules.check_site_code,
    "page_url": rules.check_page_url,
    "description": rules.check_description,
    "contact_name": rules.check_contact_name,
    "contact_phone": rules.check_contact_phone,
    "contact_email": rules.check_contact_email,
}


def apply_report_rules(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The form's rules over ``data``: ``(cleaned values, errors by field)`` in the request's language."""
    language = current_language()
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for name, check in REPORT_RULES.items():
        try:
            cleaned[name] = check(data.get(name))
        except rules.Invalid as exc:
            errors[name] = [exc.message(language)]
    if "contact_phone" not in errors and "contact_email" not in errors:
        try:
            rules.check_contact_reachable(cleaned["contact_phone"], cleaned["contact_email"])
        except rules.Invalid as exc:
            errors["contact_phone"] = [exc.message(language)]
    return cleaned, errors


class OrgRefSchema(Schema):
    code = fields.Str(required=True)
    name = fields.Str(required=True)


class SiteRefSchema(Schema):
    code = fields.Str(required=True)
    name = fields.Str(required=True)


class CaseCreatedSchema(Schema):
    tracking_number = fields.Str(required=True, metadata={"example": "ZC20240426-0001"})
    query_code = fields.Str(required=True, metadata={"description": "secret: shown once, needed to read the status"})
    state = fields.Str(required=True, validate=validate.OneOf([s.value for s in State]))
    due_at = BeijingDateTime(required=True, metadata={"description": "answer due before this instant (exclusive)"})
    site = fields.Nested(SiteRefSchema, allow_none=True, required=True)
    organiser = fields.Nested(OrgRefSchema, allow_none=True, required=True)


class StatusQuerySchema(QuerySchema):
    code = fields.Str(load_default=None, validate=validate.Length(max=64),
                      metadata={"description": "the query code (public status; not needed with a bearer token)"})


class TimelineEntrySchema(Schema):
    action = fields.Str(required=True)
    label = fields.Str(required=True)
    state = fields.Str(required=True, allow_none=True)
    at = BeijingDateTime(required=True)


class AnswerSchema(Schema):
    outcome = fields.Str(required=True, allow_none=True)
    outcome_label = fields.Str(required=True, allow_none=True)
    text = fields.Str(required=True, allow_none=True, metadata={"description": "personal data masked"})
    closed_at = BeijingDateTime(required=True, allow_none=True)


class PublicStatusSchema(Schema):
    tracking_number = fields.Str(required=True)
    state = fields.Str(required=True)
    state_label = fields.Str(required=True)
    received_at = BeijingDateTime(required=True)
    due_at = BeijingDateTime(required=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)
    answer = fields.Nested(AnswerSchema, required=True, allow_none=True,
                           metadata={"description": "once the case is closed"})


class CategorySchema(Schema):
    code = fields.Int(required=True)
    name_zh = fields.Str(required=True)
    name_en = fields.Str(required=True)
    name = fields.Str(required=True, metadata={"description": "in the request's language"})


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)


# ------------------------------------------------------------------ staff


class PageQuerySchema(QuerySchema):
    page = fields.Int(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Int(load_default=20, validate=validate.Range(1, MAX_PER_PAGE))


class CaseListQuerySchema(PageQuerySchema):
    state = fields.Str(validate=validate.OneOf([s.value for s in State] + ["open"]))
    site_code = fields.Str(validate=validate.Length(min=1, max=SITE_CODE_MAX))
    # a query string is text: "4" is read as 4 (a JSON body's integers stay strict)
    category = fields.Int(validate=validate.Range(0, MAX_INT))
    received_from = _date(metadata={"description": "first receipt date (Beijing), inclusive"})
    received_to = _date(metadata={"description": "last receipt date (Beijing), inclusive"})
    q = fields.Str(validate=validate.Length(min=1, max=100),
                   metadata={"description": "text in the tracking number, page address or description"})


class SiteListQuerySchema(PageQuerySchema):
    q = fields.Str(validate=validate.Length(min=1, max=100), metadata={"description": "code or name contains"})


class OrgSchema(Schema):
    id = fields.Int(required=True)
    code = fields.Str(required=True)
    name = fields.Str(required=True)


class EventSchema(Schema):
    id = fields.Int(required=True)
    action = fields.Str(required=True)
    label = fields.Str(required=True)
    actor = fields.Str(required=True)
    state_before = fields.Str(required=True, allow_none=True)
    state_after = fields.Str(required=True, allow_none=True)
    note = fields.Str(required=True, allow_none=True)
    is_public = fields.Bool(required=True)
    at = BeijingDateTime(required=True)


class ExtensionSchema(Schema):
    id = fields.Int(required=True)
    state = fields.Str(required=True)
    workdays = fields.Int(required=True)
    reason = fields.Str(required=True)
    created_at = BeijingDateTime(required=True)
    decided_at = BeijingDateTime(required=True, allow_none=True)


class PageCheckSchema(Schema):
    id = fields.Int(required=True)
    reason = fields.Str(required=True, metadata={"description": "intake, answer (an answer \"fixed\") or manual"})
    checked_at = BeijingDateTime(required=True)
    status = fields.Int(required=True, allow_none=True, metadata={"description": "the HTTP status; null on an error"})
    error = fields.Str(required=True, allow_none=True, metadata={
        "description": "null, or pending, refused, invalid_url, dns_error, connect_error, tls_error, timeout, "
                       "too_many_redirects, protocol_error"})
    final_url = fields.Str(required=True, allow_none=True)
    title = fields.Str(required=True, allow_none=True)
    elapsed_ms = fields.Int(required=True)
    content_type = fields.Str(required=True, allow_none=True)
    size = fields.Int(required=True, metadata={"description": "bytes read (at most TRACKER_PROBE_MAX_BYTES)"})
    truncated = fields.Bool(required=True)
    text_hash = fields.Str(required=True, allow_none=True, metadata={"description": "SHA-256 of the page text"})
    redirects = fields.Int(required=True)


class PauseRecordSchema(Schema):
    id = fields.Int(required=True)
    reason = fields.Str(required=True)
    started_at = BeijingDateTime(required=True)
    ends_at = BeijingDateTime(required=True, metadata={"description": "when it ends on its own"})
    ended_at = BeijingDateTime(required=True, allow_none=True)
    end_reason = fields.Str(required=True, allow_none=True, metadata={"description": "citizen, organiser or limit"})
    reply = fields.Str(required=True, allow_none=True, metadata={"description": "the citizen's reply"})
    approval = fields.Str(required=True, metadata={"description": "not_needed, pending, approved or denied"})
    workdays = fields.Int(required=True, allow_none=True, metadata={"description": "working days paused"})
    due_after = BeijingDateTime(required=True, allow_none=True)


class CaseSummarySchema(Schema):
    tracking_number = fields.Str(required=True)
    state = fields.Str(required=True)
    category = fields.Int(required=True)
    site_code = fields.Str(required=True, allow_none=True)
    page_url = fields.Str(required=True)
    description = fields.Str(required=True)
    received_at = BeijingDateTime(required=True)
    due_at = BeijingDateTime(required=True)
    due_is_provisional = fields.Bool(required=True)
    organiser = fields.Nested(OrgSchema, required=True, allow_none=True)


class LintFindingSchema(Schema):
    code = fields.Str(required=True, metadata={"description": "the answer-lint rule"})
    message = fields.Str(required=True)


class CaseDetailSchema(CaseSummarySchema):
    source = fields.Str(required=True)
    external_id = fields.Str(required=True, allow_none=True)
    outcome = fields.Str(required=True, allow_none=True)
    answer = fields.Str(required=True, allow_none=True)
    contact_name = fields.Str(required=True)
    contact_phone = fields.Str(required=True)
    contact_email = fields.Str(required=True)
    supervisor = fields.Nested(OrgSchema, required=True, allow_none=True)
    site = fields.Nested(OrgSchema, required=True, allow_none=True)
    assigned_at = BeijingDateTime(required=True, allow_none=True)
    accepted_at = BeijingDateTime(required=True, allow_none=True)
    answered_at = BeijingDateTime(required=True, allow_none=True)
    closed_at = BeijingDateTime(required=True, allow_none=True)
    feedback = fields.Str(required=True, allow_none=True)
    allowed_actions = fields.List(fields.Str(), required=True,
                                  metadata={"description": "operations the caller may perform now"})
    extensions = fields.List(fields.Nested(ExtensionSchema), required=True)
    pauses = fields.List(fields.Nested(PauseRecordSchema), required=True,
                         metadata={"description": "pauses of the clock (挂起), oldest first"})
    events = fields.List(fields.Nested(EventSchema), required=True)
    page_checks = fields.List(fields.Nested(PageCheckSchema), required=True,
                              metadata={"description": "checks of the reported page, oldest first"})
    answer_lint = fields.List(fields.Nested(LintFindingSchema), required=True, metadata={
        "description": "the answer-lint rules the latest answer triggered when it was submitted"})


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    page = fields.Int(required=True)
    per_page = fields.Int(required=True)
    total = fields.Int(required=True)


class SiteSchema(Schema):
    code = fields.Str(required=True)
    name = fields.Str(required=True)
    is_running = fields.Bool(required=True)
    organiser = fields.Nested(OrgSchema, required=True, allow_none=True)
    supervisor = fields.Nested(OrgSchema, required=True, allow_none=True)


class SiteListSchema(Schema):
    items = fields.List(fields.Nested(SiteSchema), required=True)
    page = fields.Int(required=True)
    per_page = fields.Int(required=True)
    total = fields.Int(required=True)


class ImportErrorSchema(Schema):
    line = fields.Int(required=True, metadata={"description": "line number, from 1"})
    message = fields.Str(required=True)


class ImportSummarySchema(Schema):
    imported = fields.Int(required=True, metadata={"description": "new cases"})
    already_present = fields.Int(required=True, metadata={"description": "records imported before (skipped)"})
    errors = fields.List(fields.Nested(ImportErrorSchema), required=True,
                         metadata={"description": "lines that were refused, and why"})


class OpenObjectSchema(Schema):
    """A JSON object whose keys are documented elsewhere (the import summary, the SLA report)."""

    class Meta:
        unknown = EXCLUDE


class SlaQuerySchema(QuerySchema):
    date_from = _date(required=True, metadata={"description": "first receipt date (Beijing), inclusive"})
    date_to = _date(required=True, metadata={"description": "last receipt date (Beijing), inclusive"})
    as_of = fields.AwareDateTime(load_default=None, validate=validate.Range(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, tzinfo=UTC)),
        metadata={"description": "figures as of this instant, with its offset (default: now)"})
    by = fields.Str(load_default="org", validate=validate.OneOf(["org", "site", "category"]))
    with_satisfaction = fields.Bool(load_default=False, metadata={
        "description": "the notice sentence also gives 参评率 and 满意率"})

    @validates_schema
    def _window(self, data, **kwargs):
        if data["date_to"] < data["date_from"]:
            raise ValidationError("date_to is before date_from.", "date_to")


# ------------------------------------------------------------------ actions

_outcomes_answer = [o.value for o in ANSWER_OUTCOMES]
_outcomes_not_taken_up = [o.value for o in NOT_TAKEN_UP_OUTCOMES]


class NoArgumentsSchema(StrictSchema):
    """No fields: send ``{}``."""


class OrganiserTargetSchema(StrictSchema):
    organiser_code = fields.Str(required=True, validate=validate.Length(min=1, max=64),
                                metadata={"description": "code of the organiser to hand the case to"})
    note = _text(REASON_MAX, required=False)


class RerouteSchema(OrganiserTargetSchema):
    site_code = fields.Str(validate=validate.Length(min=1, max=SITE_CODE_MAX),
                           metadata={"description": "correct the site as well (optional)"})


class AnswerActionSchema(StrictSchema):
    text = _text(TEXT_MAX, metadata={"description": "the public answer"})
    outcome = fields.Str(load_default=Outcome.fixed.value, validate=validate.OneOf(_outcomes_answer))
    confirmed = StrictBool(load_default=True, data_key="confirm", metadata={
        "description": "false: refuse the answer (422, the rules' codes under fields.lint) when the answer "
                       "lint finds anything; true (default): send it, the findings recorded as answer_lint"})


class NoteSchema(StrictSchema):
    note = _text(REASON_MAX, required=False)


class ReasonSchema(StrictSchema):
    reason = _text(REASON_MAX)


class ExtensionRequestSchema(StrictSchema):
    workdays = fields.Int(strict=True, required=True, validate=validate.Range(1, 30))
    reason = _text(REASON_MAX)


class ExtensionDecisionSchema(StrictSchema):
    request_id = _id(required=True, metadata={"description": "id from the case's extensions"})
    approve = StrictBool(required=True)
    note = _text(REASON_MAX, required=False,
                 metadata={"description": "the reason, required to deny: the organiser reads it"})


class ChaseSchema(StrictSchema):
    message = _text(REASON_MAX)


class NotTakenUpSchema(StrictSchema):
    outcome = fields.Str(required=True, validate=validate.OneOf(_outcomes_not_taken_up))
    reason = _text(REASON_MAX)


class TextSchema(StrictSchema):
    text = _text(TEXT_MAX)


class PauseSchema(StrictSchema):
    """Pause the clock while waiting for the citizen (挂起): the reason is shown to the citizen."""

    reason = _text(REASON_MAX)


class ResumeSchema(StrictSchema):
    """End the running pause: the clock runs again and the due time moves by the working days paused."""


class PauseDecisionSchema(StrictSchema):
    """Approve or deny a pause (where pauses need approval): an approved pause moves the due time."""

    pause_id = _id(required=True, metadata={"description": "id from the case's pauses"})
    approve = StrictBool(required=True)
    note = _text(REASON_MAX, required=False,
                 metadata={"description": "the reason, required to deny"})


#: operation -> the schema of its body (the operation's keyword arguments, by name)
ACTION_SCHEMAS: dict[str, type[Schema]] = {
    "accept": NoArgumentsSchema,
    "answer": AnswerActionSchema,
    "approve": NoteSchema,
    "reject": ReasonSchema,
    "return": ReasonSchema,
    "reroute": RerouteSchema,
    "assign": OrganiserTargetSchema,
    "request_extension": ExtensionRequestSchema,
    "decide_extension": ExtensionDecisionSchema,
    "chase": ChaseSchema,
    "close_not_taken_up": NotTakenUpSchema,
    "reopen": ReasonSchema,
    "add_note": TextSchema,
    "pause": PauseSchema,
    "resume": ResumeSchema,
    "decide_pause": PauseDecisionSchema,
}


# ------------------------------------------------------------------ messages

#: marshmallow's own messages (English) -> ours: the catalogue's English is marshmallow's wording
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("缺少必填字段。"),
    "Unknown field.": _l("不认识的字段。"),
    "Not a valid integer.": _l("不是有效的整数。"),
    "Not a valid string.": _l("不是有效的字符串。"),
    "Not a valid boolean.": _l("不是有效的布尔值（true 或 false）。"),
    "Not a valid date.": _l("不是有效的日期（YYYY-MM-DD）。"),
    "Not a valid datetime.": _l("不是有效的时间。"),
    "Field may not be null.": _l("不能为空值。"),
    "Invalid input type.": _l("输入类型不正确。"),
    "Invalid value.": _l("取值无效。"),
}
_OUT_OF_RANGE = ("Must be greater", "Must be less", "Length must be", "Shorter than", "Longer than")


def localise(messages, language: str):
    """marshmallow's error messages in ``language`` (the rules' own messages already are).

    marshmallow writes English: in English its messages are shown as they are."""
    if language == "en":
        return messages
    if isinstance(messages, dict):
        return {key: localise(value, language) for key, value in messages.items()}
    if isinstance(messages, list):
        return [localise(value, language) for value in messages]
    if isinstance(messages, str):
        if messages in MARSHMALLOW_MESSAGES:
            return in_language(MARSHMALLOW_MESSAGES[messages], language)
        if messages.startswith("Must be one of"):
            values = messages.split(":", 1)[-1].strip().rstrip(".")
            return in_language(_l("取值须为：%(values)s", values=values), language)
        if messages.startswith(_OUT_OF_RANGE):
            return in_language(_l("长度或取值超出范围（%(detail)s）", detail=messages), language)
    return messages
