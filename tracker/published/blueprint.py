"""URL rules of published reports: /supervise/published (staff) and /published (the public)."""
from flask import Blueprint

from tracker.published import controllers

bp = Blueprint("published", __name__)

bp.add_url_rule("/supervise/published", "staff_list", controllers.staff_list)
bp.add_url_rule("/supervise/published", "publish", controllers.publish, methods=["POST"])
bp.add_url_rule("/supervise/published/new", "confirm", controllers.confirm_page)
bp.add_url_rule("/supervise/published/<int:report_id>", "staff_report", controllers.staff_report)
bp.add_url_rule("/supervise/published/<int:report_id>/cases", "staff_cases", controllers.staff_cases)
bp.add_url_rule("/supervise/published/<int:report_id>/diff", "diff", controllers.staff_diff)
bp.add_url_rule("/supervise/published/<int:report_id>/export.<fmt>", "staff_export", controllers.staff_export)
bp.add_url_rule("/published", "public_list", controllers.public_list)
bp.add_url_rule("/published/<int:report_id>", "public_report", controllers.public_report)
bp.add_url_rule("/published/<int:report_id>/export.<fmt>", "public_export", controllers.public_export)
