"""The OpenAPI 3 document of /api/v1, built by apispec from the marshmallow schemas in
:mod:`tracker.api.schemas` (the single source of the API's shapes)."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from tracker.api import schemas as s
from tracker.cases.history import action_name
from tracker.i18n import in_language

PREFIX = "/api/v1"
BEARER = [{"bearer": []}]

#: status -> description of every error answer (each one has the Error shape)
ERRORS = {
    400: "Malformed request (for example JSON that does not parse)",
    401: "No bearer token, a token that is unknown or revoked, or one whose user must enrol a second factor first",
    403: "Your role or scope does not allow this",
    404: "No such case (or not in your scope; or a wrong query code)",
    409: "The case's state does not allow this operation",
    413: "The body is too large",
    415: "The body is not of the declared content type",
    422: "The data breaks a rule; `fields` names each problem",
    429: "Too many requests; wait for Retry-After seconds",
}


def _responses(ok_status: int, ok_description: str, ok_schema, errors, links: dict | None = None) -> dict:
    ok: dict = {"description": ok_description, "content": {"application/json": {"schema": ok_schema}}}
    if links:
        ok["links"] = links
    answers = {str(ok_status): ok}
    for status in errors:
        answers[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return answers


def _json_body(schema, description: str = "") -> dict:
    return {"required": True, "description": description or "a JSON object",
            "content": {"application/json": {"schema": schema}}}


def _case_links(pointer: str = "/tracking_number") -> dict:
    number = {"tracking_number": f"$response.body#{pointer}"}
    links = {"ShowCase": {"operationId": "showCase", "parameters": number}}
    for operation in s.ACTION_SCHEMAS:
        links[f"Action_{operation}"] = {"operationId": f"action_{operation}", "parameters": number}
    return links


TRACKING_NUMBER = {"name": "tracking_number", "in": "path", "required": True,
                   "schema": {"type": "string", "maxLength": 32}, "example": "ZC20240426-0001"}


def build_spec() -> APISpec:
    spec = APISpec(
        title="Tracker API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Citizens' error reports about government websites (我为政府网站找错): "
                             "take reports in, read their status, and work cases with a bearer token. "
                             "Messages follow Accept-Language (zh or en) or ?lang=."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "a token from `tracker create-token --email E`"})
    spec.components.schema("Error", schema=s.ErrorSchema)
    for status, description in ERRORS.items():
        spec.components.response(f"E{status}", {
            "description": description,
            "content": {"application/json": {"schema": "Error"}},
        })
    for name, schema in [("CaseCreate", s.CaseCreateSchema), ("CaseCreated", s.CaseCreatedSchema),
                         ("PublicStatus", s.PublicStatusSchema), ("CaseDetail", s.CaseDetailSchema),
                         ("CaseList", s.CaseListSchema), ("SiteList", s.SiteListSchema),
                         ("CategoryList", s.CategoryListSchema), ("ImportSummary", s.ImportSummarySchema),
                         ("SlaReport", s.OpenObjectSchema)]:
        spec.components.schema(name, schema=schema)

    spec.path(path=f"{PREFIX}/cases", operations={
        "post": {
            "operationId": "createCase", "tags": ["public"], "summary": "Report an error (public)",
            "description": "Same fields and rules as the web form, and the same rate limit (shared with it).",
            "security": [],
            "requestBody": _json_body("CaseCreate"),
            "responses": _responses(201, "The case is received: keep the query code", "CaseCreated",
                                    (400, 413, 415, 422, 429), links=_case_links()),
        },
        "get": {
            "operationId": "listCases", "tags": ["staff"], "summary": "Cases in your scope",
            "security": BEARER,
            "parameters": [{"in": "query", "schema": s.CaseListQuerySchema}],
            "responses": _responses(200, "One page of cases, newest first", "CaseList", (401, 422),
                                    links=_case_links("/items/0/tracking_number")),
        },
    })
    spec.path(path=f"{PREFIX}/cases/{{tracking_number}}", operations={"get": {
        "operationId": "showCase", "tags": ["public", "staff"], "summary": "A case's status",
        "description": "Without a token: the public status, given the right `code` (a wrong code is a 404, "
                       "as for an unknown number). With a bearer token: the staff view, if in scope.",
        "security": [{}, {"bearer": []}],
        "parameters": [TRACKING_NUMBER, {"in": "query", "schema": s.StatusQuerySchema}],
        "responses": _responses(200, "The public status (with a code) or the staff view (with a token)",
                                {"anyOf": [{"$ref": "#/components/schemas/PublicStatus"},
                                           {"$ref": "#/components/schemas/CaseDetail"}]},
                                (401, 404, 422), links={"Action_add_note": {
                                    "operationId": "action_add_note",
                                    "parameters": {"tracking_number": "$response.body#/tracking_number"}}}),
    }})
    for operation, schema in s.ACTION_SCHEMAS.items():
        name = action_name(operation)
        summary = f"{in_language(name, 'en')} ({in_language(name, 'zh')})"  # both languages, English first
        spec.path(path=f"{PREFIX}/cases/{{tracking_number}}/actions/{operation}", operations={"post": {
            "operationId": f"action_{operation}", "tags": ["staff"], "summary": summary,
            "description": (schema.__doc__ or "").strip() or f"Perform “{operation}” on the case.",
            "security": BEARER,
            "parameters": [TRACKING_NUMBER],
            "requestBody": _json_body(schema),
            "responses": _responses(200, "The case after the operation", "CaseDetail",
                                    (400, 401, 403, 404, 409, 413, 415, 422)),
        }})
    spec.path(path=f"{PREFIX}/imports/records", operations={"post": {
        "operationId": "importRecords", "tags": ["staff"], "summary": "Import public records (admins)",
        "description": "JSON lines of the national platform's public-records format. Importing the same "
                       "lines again changes nothing (records are keyed by the platform's id). A body in which no "
                       "line is a record is refused with 422.",
        "security": BEARER,
        "requestBody": {"required": True, "description": "one JSON object per line",
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
        "responses": _responses(200, "What was imported, skipped or refused", "ImportSummary",
                                (400, 401, 403, 413, 415, 422)),
    }})
    spec.path(path=f"{PREFIX}/reports/sla", operations={"get": {
        "operationId": "slaReport", "tags": ["staff"], "summary": "SLA figures (supervisors, admins)",
        "description": "The same figures as `tracker report --format json`, for your organisation's subtree.",
        "security": BEARER,
        "parameters": [{"in": "query", "schema": s.SlaQuerySchema}],
        "responses": _responses(200, "The report (totals, rows, breakdowns, sentence)", "SlaReport",
                                (401, 403, 404, 422)),
    }})
    spec.path(path=f"{PREFIX}/sites", operations={"get": {
        "operationId": "listSites", "tags": ["staff"], "summary": "Registered government sites",
        "security": BEARER,
        "parameters": [{"in": "query", "schema": s.SiteListQuerySchema}],
        "responses": _responses(200, "One page of sites, by code", "SiteList", (401, 422)),
    }})
    spec.path(path=f"{PREFIX}/categories", operations={"get": {
        "operationId": "listCategories", "tags": ["public"], "summary": "Error types (public)",
        "security": [],
        "responses": _responses(200, "The active categories", "CategoryList", ()),
    }})
    return spec


@lru_cache(maxsize=1)
def document() -> dict:
    """The OpenAPI document as a dict (built once per process)."""
    return build_spec().to_dict()
