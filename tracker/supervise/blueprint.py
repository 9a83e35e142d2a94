"""URL rules of the supervise pages."""
from flask import Blueprint

bp = Blueprint("supervise", __name__)
