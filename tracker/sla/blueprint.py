"""URL rules of the SLA report (/supervise/report)."""
from flask import Blueprint

from tracker.sla import controllers

bp = Blueprint("sla", __name__, url_prefix="/supervise/report")

bp.add_url_rule("", "report", controllers.report_page)
bp.add_url_rule("/export.<fmt>", "export", controllers.report_export)
bp.add_url_rule("/cases", "cases", controllers.report_cases)
bp.add_url_rule("/assessment", "assessment", controllers.assessment_page)
