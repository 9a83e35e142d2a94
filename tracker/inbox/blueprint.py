"""URL rules of the inbox and the case page."""
from flask import Blueprint

from tracker.inbox import controllers as c
from tracker.inbox import page_checks

bp = Blueprint("inbox", __name__)
bp.add_url_rule("/inbox", view_func=c.index, endpoint="index")
bp.add_url_rule("/cases/<tracking_number>", view_func=c.case, endpoint="case")
bp.add_url_rule("/cases/<tracking_number>/act/<operation>", view_func=c.act, methods=["POST"], endpoint="act")
bp.add_url_rule("/cases/<tracking_number>/attachments/<int:attachment_id>", view_func=c.attachment,
                endpoint="attachment")
bp.add_url_rule("/cases/<tracking_number>/page-checks", view_func=page_checks.recheck, methods=["POST"],
                endpoint="recheck")
bp.add_url_rule("/inbox/returned", view_func=c.returned, endpoint="returned")
bp.add_url_rule("/inbox/canned", view_func=c.canned, methods=["GET", "POST"], endpoint="canned")
bp.add_url_rule("/inbox/canned/<int:answer_id>/delete", view_func=c.delete_canned, methods=["POST"],
                endpoint="delete_canned")
