"""URL rules of the supervisor pages (the SLA report pages live in tracker.sla at /supervise/report)."""
from flask import Blueprint

from tracker.supervise import controllers as c

bp = Blueprint("supervise", __name__)
bp.add_url_rule("/supervise", view_func=c.index, endpoint="index")
bp.add_url_rule("/supervise/cases", view_func=c.cases, endpoint="cases")
bp.add_url_rule("/supervise/chase", view_func=c.chase_many, endpoint="chase", methods=["POST"])
