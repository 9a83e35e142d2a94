"""URL rules of the citizen's side."""
from flask import Blueprint

from tracker.public import controllers

bp = Blueprint("public", __name__)
bp.add_url_rule("/", view_func=controllers.home)
