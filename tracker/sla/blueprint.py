"""URL rules of the SLA report (/supervise/report)."""
from flask import Blueprint

bp = Blueprint("sla", __name__, url_prefix="/supervise/report")
