"""URL rules of the users pages."""
from flask import Blueprint

bp = Blueprint("users", __name__)
