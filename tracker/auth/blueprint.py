"""URL rules of the users pages: log in, second factor, log out."""
from flask import Blueprint

from tracker.auth import controllers as c
from tracker.auth import password
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
_reset_per_address = limiter.limit(password.reset_limit, methods=["POST"])
_reset_per_email = limiter.limit(password.reset_limit, methods=["POST"], key_func=password.reset_email_key)
bp.add_url_rule("/password/forgot", view_func=_reset_per_address(_reset_per_email(password.forgot)),
                methods=["GET", "POST"], endpoint="forgot_password")
bp.add_url_rule("/password/reset/<token>", view_func=_per_address(password.reset), methods=["GET", "POST"],
                endpoint="reset_password")
bp.add_url_rule("/logout", view_func=c.logout, methods=["GET", "POST"], endpoint="logout")
