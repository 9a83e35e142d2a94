"""URL rules of the users pages: log in, second factor, log out."""
from flask import Blueprint

from tracker.auth import controllers as c
from tracker.extensions import limiter

bp = Blueprint("users", __name__)

_per_address = limiter.limit(c.login_limit, methods=["POST"])
_per_email = limiter.limit(c.login_limit, methods=["POST"], key_func=c.login_email_key)
_per_pending = limiter.limit(c.login_limit, methods=["POST"], key_func=c.login_code_key)

bp.add_url_rule("/login", view_func=_per_address(_per_email(c.login)), methods=["GET", "POST"],
                endpoint="login")
bp.add_url_rule("/login/code", view_func=_per_address(_per_pending(c.login_code)), methods=["GET", "POST"],
                endpoint="login_code")
bp.add_url_rule("/account/totp", view_func=c.enrol_totp, methods=["GET", "POST"], endpoint="enrol_totp")
bp.add_url_rule("/logout", view_func=c.logout, methods=["GET", "POST"], endpoint="logout")
