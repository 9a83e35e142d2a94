"""URL rules of the admin pages."""
from flask import Blueprint

bp = Blueprint("admin", __name__)
