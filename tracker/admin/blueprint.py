"""URL rules of the admin pages."""
from flask import Blueprint

from tracker.admin import controllers as c

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.add_url_rule("", view_func=c.index, endpoint="index")
bp.add_url_rule("/policies", view_func=c.policies, methods=["POST"], endpoint="policies")
bp.add_url_rule("/organisations", view_func=c.organisations, methods=["GET", "POST"], endpoint="organisations")
bp.add_url_rule("/sites", view_func=c.sites, methods=["GET", "POST"], endpoint="sites")
bp.add_url_rule("/users", view_func=c.users, methods=["GET", "POST"], endpoint="users")
bp.add_url_rule("/categories", view_func=c.categories, methods=["GET", "POST"], endpoint="categories")
bp.add_url_rule("/lint", view_func=c.lint_rules, methods=["GET", "POST"], endpoint="lint")
