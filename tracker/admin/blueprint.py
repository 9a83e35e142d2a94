"""URL rules of the admin pages."""
from flask import Blueprint

from tracker.admin import accounts, calendar, directory
from tracker.admin import controllers as c
from tracker.calendar.status import missing_year_warning
from tracker.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.add_url_rule("", view_func=c.index, endpoint="index")
bp.add_url_rule("/policies", view_func=c.policies, methods=["POST"], endpoint="policies")
bp.add_url_rule("/organisations", view_func=c.organisations, methods=["GET", "POST"], endpoint="organisations")
bp.add_url_rule("/sites", view_func=c.sites, methods=["GET", "POST"], endpoint="sites")
bp.add_url_rule("/users", view_func=c.users, methods=["GET", "POST"], endpoint="users")
bp.add_url_rule("/categories", view_func=c.categories, methods=["GET", "POST"], endpoint="categories")
bp.add_url_rule("/lint", view_func=c.lint_rules, methods=["GET", "POST"], endpoint="lint")
bp.add_url_rule("/users/<int:user_id>", view_func=accounts.user, methods=["GET", "POST"], endpoint="user")
bp.add_url_rule("/organisations/<int:org_id>", view_func=directory.organisation, methods=["GET", "POST"],
                endpoint="organisation")
bp.add_url_rule("/sites/<int:site_id>", view_func=directory.site, methods=["GET", "POST"], endpoint="site")
bp.add_url_rule("/calendar", view_func=calendar.calendar, methods=["GET", "POST"], endpoint="calendar")


@bp.context_processor
def _calendar_warning():
    """Every admin page says when a schedule that deadlines need has not been loaded yet."""
    return {"calendar_warning": missing_year_warning(db.session)}
