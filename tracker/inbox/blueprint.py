"""URL rules of the inbox pages."""
from flask import Blueprint

bp = Blueprint("inbox", __name__)
