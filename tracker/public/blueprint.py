"""URL rules of the citizen's side, with their rate limits."""
from flask import Blueprint, current_app

from tracker.extensions import limiter, report_limit, track_limit
from tracker.public import controllers

bp = Blueprint("public", __name__)


def _captcha_limit() -> str:
    return current_app.config["CAPTCHA_RATE_LIMIT"]


def _receipt_mail_limit() -> str:
    return current_app.config["RECEIPT_MAIL_RATE_LIMIT"]


bp.add_url_rule("/", view_func=controllers.home)
# REPORT_RATE_LIMIT: one budget per address for reports, shared with POST /api/v1/cases
bp.add_url_rule("/report", view_func=report_limit(controllers.report), methods=["GET", "POST"], endpoint="report")
bp.add_url_rule("/report/received", view_func=controllers.received)
bp.add_url_rule("/report/received/mail", view_func=limiter.limit(_receipt_mail_limit, methods=["POST"])(
    controllers.receipt_mail), methods=["POST"], endpoint="receipt_mail")
bp.add_url_rule("/track", view_func=track_limit(controllers.track), methods=["GET", "POST"])
bp.add_url_rule("/track/rate", view_func=track_limit(controllers.rate), methods=["POST"], endpoint="rate")
bp.add_url_rule("/track/reply", view_func=track_limit(controllers.reply), methods=["POST"], endpoint="reply")
bp.add_url_rule("/answers", view_func=controllers.answers)
bp.add_url_rule("/answers/<number>", view_func=controllers.answer)
bp.add_url_rule("/sites/suggest", view_func=controllers.sites_suggest)
bp.add_url_rule("/sites/detect", view_func=controllers.sites_detect)
bp.add_url_rule("/captcha.png", view_func=limiter.limit(_captcha_limit)(controllers.captcha_image),
                endpoint="captcha")
bp.register_error_handler(429, controllers.too_many_requests)
