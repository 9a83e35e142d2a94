"""The case page's 页面检查 panel: asking for the reported page to be checked again."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from tracker.auth.access import current_actor, role_required
from tracker.auth.forms import CsrfForm
from tracker.cases import operations as ops
from tracker.errors import DomainError
from tracker.evidence import operations as evidence
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.inbox.controllers import _case_page as case_page


@role_required("organiser", "supervisor", "admin")
def recheck(tracking_number: str):
    """Check the reported page again (重新检查), at most once a minute per case; the result shows in
    the panel when the background job has fetched it."""
    actor = current_actor()
    case = ops.get_case(db.session, actor, tracking_number)  # 404 outside the scope
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with db.transaction() as session:
            evidence.request_check(session, case, actor)
    except DomainError as exc:  # the page again, with the reason (429 when asked too soon)
        flash(exc.message(current_language()), "error")
        return case_page(ops.get_case(db.session, actor, tracking_number), status=exc.status)
    flash(_("已安排重新检查页面，结果稍后显示在“页面检查”中。"), "success")
    return redirect(url_for("inbox.case", tracking_number=tracking_number) + "#page-checks", code=303)
