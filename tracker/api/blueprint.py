"""URL rules of the JSON API (/api/v1)."""
from flask import Blueprint, request
from flask_babel import refresh

from tracker.api import controllers as c
from tracker.extensions import csrf, report_limit, track_limit

#: a JSON body larger than this is refused with 413 (imports may be larger)
MAX_JSON_BYTES = 256 * 1024

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# the API authenticates with bearer tokens and never reads cookies: CSRF cannot apply
csrf.exempt(bp)


@bp.before_request
def _per_request():
    # the language is chosen per request (Accept-Language, ?lang), even where an app context is reused
    refresh()
    if request.endpoint != "api.import_records":
        request.max_content_length = MAX_JSON_BYTES


@bp.after_request
def _api_headers(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Accept-Language")
    response.vary.add("Authorization")
    return response


bp.add_url_rule("/cases", view_func=report_limit(c.create_case), methods=["POST"], endpoint="create_case")
bp.add_url_rule("/cases", view_func=c.list_cases, methods=["GET"])
# a citizen's status look-up shares the tracking page's budget of failed look-ups
bp.add_url_rule("/cases/<tracking_number>", view_func=track_limit(c.show_case), methods=["GET"])
bp.add_url_rule("/cases/<tracking_number>/actions/<operation>", view_func=c.perform_action, methods=["POST"])
bp.add_url_rule("/imports/records", view_func=c.import_records, methods=["POST"])
bp.add_url_rule("/reports/sla", view_func=c.sla_report, methods=["GET"])
bp.add_url_rule("/sites", view_func=c.list_sites, methods=["GET"])
bp.add_url_rule("/categories", view_func=c.list_categories, methods=["GET"])
bp.add_url_rule("/openapi.json", view_func=c.openapi_document, methods=["GET"])
bp.add_url_rule("/docs", view_func=c.docs_page, methods=["GET"])
