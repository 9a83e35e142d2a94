"""Thin handlers of the citizen's side: report, confirmation, tracking, rating, published answers."""
from __future__ import annotations

import time

from flask import (
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import select

from tracker.cases import operations as ops
from tracker.cases.attachments import attach_screenshots
from tracker.cases.masking import PublicTexts
from tracker.cases.models import Case
from tracker.cases.permissions import can_rate, citizen_case, rating_deadline
from tracker.errors import InvalidInput
from tracker.extensions import db, limiter
from tracker.i18n import current_language
from tracker.organisations.models import Organisation, Site
from tracker.public import util
from tracker.public.captcha import new_captcha
from tracker.public.forms import FeedbackForm, ReportForm
from tracker.web import page_number

RECEIPT_KEY = "report_receipt"


def home():
    """The home page: what Tracker holds, and where to go next."""
    session_ = db.session
    counts = {
        "cases": session_.exec(select(func.count()).select_from(Case)).one(),
        "sites": session_.exec(select(func.count()).select_from(Site)).one(),
        "organisations": session_.exec(select(func.count()).select_from(Organisation)).one(),
    }
    return render_template("public/home.html", counts=counts)


def report():
    """The report form. A valid report is submitted, routed and confirmed on the next page."""
    form = ReportForm(util.active_categories(db.session))
    if form.validate_on_submit():
        try:
            with db.transaction() as session_:
                submission = ops.submit(
                    session_, page_url=form.page_url.data, category=int(form.category.data),
                    description=form.description.data, site_code=form.site_code.data or None,
                    contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
                    contact_email=form.contact_email.data,
                )
                attach_screenshots(session_, submission.case, form.images)
                case = submission.case
        except InvalidInput as exc:  # a rule of the report itself (a stopped site): shown on its field
            if not _field_errors(form, exc):
                raise
        else:
            session[RECEIPT_KEY] = {"number": case.tracking_number, "code": submission.query_code}
            return redirect(url_for("public.received"), code=303)
    detected = None
    duplicates = []
    if request.method == "POST" and form.page_url.data and not form.page_url.errors:
        detected = util.detect_site(db.session, form.site_code.data or None, form.page_url.data)
        duplicates = util.open_cases_for_page(db.session, form.page_url.data)
    status = 422 if request.method == "POST" else 200
    return render_template("public/report.html", form=form, detected=detected, duplicates=duplicates,
                           captcha_on=current_app.config["CAPTCHA"]), status


def _field_errors(form, exc: InvalidInput) -> bool:
    """Put ``exc``'s message on the form fields it names; False when it names none of them."""
    names = [name for name in exc.fields if name in form]
    for name in names:
        form[name].errors = [*form[name].errors, exc.message(current_language())]
    return bool(names)


def received():
    """The confirmation: tracking number, query code and due date of the report just sent.

    Shown once: the receipt leaves the session as the page renders, so a later visit (a reload,
    the next person at a shared computer) goes to the empty form, and the page is not cached."""
    receipt = session.pop(RECEIPT_KEY, None)
    case = None
    if isinstance(receipt, dict) and receipt.get("number"):
        case = db.session.exec(select(Case).where(Case.tracking_number == receipt["number"])).first()
    if case is None:
        return redirect(url_for("public.report"))
    response = make_response(render_template(
        "public/received.html", case=case, code=receipt["code"],
        site=db.session.get(Site, case.site_id) if case.site_id else None,
        duplicates=[d for d in util.open_cases_for_page(db.session, case.page_url)
                    if d["tracking_number"] != case.tracking_number]))
    response.headers["Cache-Control"] = "no-store"
    return response


def _citizen_case(number: str, code: str) -> Case | None:
    """The case when number and query code match; None otherwise (the same for either failure)."""
    return citizen_case(db.session, number, code)


def _track_page(case: Case | None, number: str, code: str, feedback_form=None, status: int = 200):
    if case is None:
        return render_template("public/track.html", case=None, searched=bool(number or code),
                               number=number, code=""), status
    form = feedback_form or FeedbackForm(number=case.tracking_number, code=code)
    organiser = db.session.get(Organisation, case.organiser_id) if case.organiser_id else None
    return render_template(
        "public/track.html", case=case, texts=PublicTexts.of(case), searched=True, number=case.tracking_number,
        code=code,
        timeline=util.public_timeline(db.session, case), state=util.state_label(case.state),
        outcome=util.outcome_label(case.outcome), organiser=organiser, can_rate=can_rate(case),
        rate_until=rating_deadline(case),
        form=form,
    ), status


def track():
    """Follow a report with its tracking number and query code. A wrong code shows nothing."""
    number = request.args.get("number", "").strip()
    code = request.args.get("code", "").strip()
    if not number and not code:
        return _track_page(None, "", "")
    case = _citizen_case(number, code)
    return _track_page(case, number, code, status=200 if case else 404)


def rate():
    """Rate the answer of a closed case, once: satisfied, or unsatisfied with a reason."""
    form = FeedbackForm()
    case = _citizen_case(form.number.data, form.code.data)
    if case is None:
        return _track_page(None, form.number.data or "", "", status=404)
    if not can_rate(case):
        # checked here as well as in the operation, so that nothing is tried or rolled back
        form.rating.errors = [_("您已评价过该留言。") if case.feedback else _("该留言现在不能评价。")]
        return _track_page(case, case.tracking_number, form.code.data, form, status=409)
    if form.validate_on_submit():
        with db.transaction() as session_:
            ops.record_feedback(session_, case, satisfied=form.rating.data == "satisfied", comment=form.comment.data)
        return redirect(url_for("public.track", number=case.tracking_number, code=form.code.data, rated=1), code=303)
    return _track_page(case, case.tracking_number, form.code.data, form, status=422)


def answers():
    """Closed cases with their answers, personal data masked; searchable by site and category."""
    site = request.args.get("site", "").strip()[:100]
    category = request.args.get("category", "").strip()[:5]
    found = util.published_answers(db.session, site=site, category=category, page=page_number(request.args))
    return render_template("public/answers.html", items=found.items, total=found.total, capped=found.capped,
                           page=found.page, pages=found.pages, site=site, category=category,
                           categories=util.active_categories(db.session))


def sites_suggest():
    """JSON: up to 10 running sites matching ``q`` by name or code."""
    return jsonify(util.suggest_sites(db.session, request.args.get("q", "")[:100]))


def sites_detect():
    """JSON: the site a page URL (and optional code) routes to, and open cases for that page."""
    url = request.args.get("url", "").strip()[:2000]
    code = request.args.get("site_code", "").strip()[:32] or None
    if not url and not code:
        return jsonify({"site": None, "reason": "no_match", "candidates": [], "duplicates": []})
    detected = util.detect_site(db.session, code, url)
    duplicates = [{"tracking_number": d["tracking_number"], "state": d["state"]}
                  for d in util.open_cases_for_page(db.session, url)]
    return jsonify({**detected, "duplicates": duplicates})


def captcha_image():
    """A new captcha image; its answer replaces the previous one in the session."""
    response = make_response(new_captcha(db.session, session))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


def too_many_requests(exc):
    """Over a rate limit: a page that says what happened and when to try again."""
    retry_after = None
    current = limiter.current_limit
    if current is not None:
        retry_after = max(1, int(current.reset_at - time.time()))
    response = make_response(render_template("public/too_many.html", retry_after=retry_after), 429)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
