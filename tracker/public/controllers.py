"""Thin handlers of the citizen's side: report, confirmation, tracking, rating, published answers."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date

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
from tracker.cases.permissions import can_rate, citizen_case, rating_deadline, running_pause
from tracker.cases.scope import CITIZEN
from tracker.errors import InvalidInput
from tracker.extensions import db, limiter
from tracker.i18n import current_language
from tracker.notifications.messages import queue_receipt_copy
from tracker.organisations.models import Organisation, Site
from tracker.public import held, receipt, util
from tracker.public.captcha import new_captcha
from tracker.public.forms import FeedbackForm, PauseReplyForm, ReceiptMailForm, ReportForm
from tracker.web import page_number

RECEIPT_KEY = "report_receipt"
TRACK_KEY = "track_case"
#: how long a session that opened a case with its code may reopen it by its number
TRACK_REMEMBER_SECONDS = 2 * 3600


def home():
    """The home page: what Tracker holds, and where to go next."""
    session_ = db.session
    counts = {
        "cases": session_.exec(select(func.count()).select_from(Case)).one(),
        "sites": session_.exec(select(func.count()).select_from(Site)).one(),
        "organisations": session_.exec(select(func.count()).select_from(Organisation)).one(),
    }
    return render_template("public/home.html", counts=counts)


def _csrf_failed(form) -> bool:
    token = getattr(form, "csrf_token", None)  # absent when CSRF protection is off
    return bool(token is not None and token.errors)


def report():
    """The report form. A valid report is submitted, routed and confirmed on the next page. The
    screenshots of a refused one are held for the next attempt (:mod:`tracker.public.held`)."""
    form = ReportForm(util.active_categories(db.session))
    if request.method == "POST":
        form.files = form.uploaded_files() or held.claim(db.session, session, request.form.get("held_token"))
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
                held.release(session_, session)
                case = submission.case
        except InvalidInput as exc:  # a rule of the report itself (a stopped site): shown on its field
            if not _field_errors(form, exc):
                raise
        else:
            session[RECEIPT_KEY] = {"number": case.tracking_number, "code": submission.query_code}
            return redirect(url_for("public.received"), code=303)
    detected = None
    duplicates = []
    held_token, held_names = None, []
    if request.method == "POST" and form.page_url.data and not form.page_url.errors:
        detected = util.detect_site(db.session, form.site_code.data or None, form.page_url.data)
        duplicates = util.open_cases_for_page(db.session, form.page_url.data)
    if request.method == "POST" and form.files and not form.screenshots.errors and not _csrf_failed(form):
        with db.transaction() as session_:
            held_token = held.hold(session_, session, form.files)
        held_names = [name for name, _data in form.files] if held_token else []
    status = 422 if request.method == "POST" else 200
    return render_template("public/report.html", form=form, detected=detected, duplicates=duplicates,
                           captcha_on=current_app.config["CAPTCHA"], held_token=held_token,
                           held_names=held_names), status


def _receipt_page(case: Case, code: str, mail_form=None, mailed_to: str | None = None, status: int = 200):
    kept = receipt.kept(session)
    response = make_response(render_template(
        "public/received.html", case=case, code=code,
        site=db.session.get(Site, case.site_id) if case.site_id else None,
        duplicates=[d for d in util.open_cases_for_page(db.session, case.page_url)
                    if d["tracking_number"] != case.tracking_number],
        mail_form=mail_form or ReceiptMailForm(), mailed_to=mailed_to,
        can_mail=kept is not None and kept[2] < receipt.MAIL_MAX_SENDS), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _field_errors(form, exc: InvalidInput) -> bool:
    """Put ``exc``'s message on the form fields it names; False when it names none of them."""
    names = [name for name in exc.fields if name in form]
    for name in names:
        form[name].errors = [*form[name].errors, exc.message(current_language())]
    return bool(names)


def received():
    """The confirmation: tracking number, query code and due date of the report just sent.

    Shown once: the receipt leaves the session as the page renders, so a later visit (a reload,
    the next person at a shared computer) goes to the empty form, and the page is not cached.
    For a while the session may still mail the receipt (:mod:`tracker.public.receipt`)."""
    kept = session.pop(RECEIPT_KEY, None)
    case = None
    if isinstance(kept, dict) and kept.get("number"):
        case = db.session.exec(select(Case).where(Case.tracking_number == kept["number"])).first()
    if case is None:
        return redirect(url_for("public.report"))
    _remember(case)
    receipt.keep(session, case.tracking_number, kept["code"])
    return _receipt_page(case, kept["code"])


def receipt_mail():
    """Mail the number and query code of the report just confirmed to an address typed there.

    Only the case created in this session, within a short window, at most a few times, and
    rate-limited per address: the mail's text is fixed, so the form cannot relay anything else."""
    kept = receipt.kept(session)
    case = None
    if kept is not None:
        case = db.session.exec(select(Case).where(Case.tracking_number == kept[0])).first()
    if case is None:
        return render_template("public/receipt_gone.html"), 410
    number, code, sent = kept
    form = ReceiptMailForm()
    if sent >= receipt.MAIL_MAX_SENDS:
        form.email.errors = [_("发送次数已达上限。")]
        return _receipt_page(case, code, form, status=429)
    if not form.validate_on_submit():
        return _receipt_page(case, code, form, status=422)
    with db.transaction() as session_:
        queue_receipt_copy(session_, case, email=form.email.data, query_code=code, locale=current_language())
    receipt.count_sent(session)
    return _receipt_page(case, code, mailed_to=form.email.data)


def _citizen_case(number: str, code: str) -> Case | None:
    """The case when number and query code match; None otherwise (the same for either failure)."""
    return citizen_case(db.session, number, code)


def _track_page(case: Case | None, number: str, feedback_form=None, status: int = 200, searched: bool = True,
                reply_form=None):
    if case is None:
        return render_template("public/track.html", case=None, searched=searched, number=number), status
    form = feedback_form or FeedbackForm(number=case.tracking_number)
    organiser = db.session.get(Organisation, case.organiser_id) if case.organiser_id else None
    response = make_response(render_template(
        "public/track.html", case=case, texts=PublicTexts.of(case), searched=True, number=case.tracking_number,
        timeline=util.public_timeline(db.session, case), state=util.state_label(case.state),
        outcome=util.outcome_label(case.outcome), organiser=organiser, can_rate=can_rate(case),
        rate_until=rating_deadline(case),
        form=form, pause=running_pause(db.session, case),
        reply_form=reply_form or PauseReplyForm(number=case.tracking_number),
    ), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _proof(case: Case) -> str:
    """What the session keeps instead of the query code: a keyed hash of the code's hash, which
    opens this one case and is worth nothing elsewhere (the session cookie is signed, not secret)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"track:{case.tracking_number}:{case.query_code_hash}".encode(), hashlib.sha256).hexdigest()


def _remember(case: Case) -> None:
    """Let this browser session reopen ``case`` by its number for ``TRACK_REMEMBER_SECONDS``, so
    that the page's address carries no code (it would end up in histories, logs and Referer)."""
    session[TRACK_KEY] = {"number": case.tracking_number, "proof": _proof(case), "at": int(time.time())}


def _remembered_case(number: str) -> Case | None:
    kept = session.get(TRACK_KEY)
    if not isinstance(kept, dict) or kept.get("number") != number or not isinstance(kept.get("proof"), str):
        return None
    if not isinstance(kept.get("at"), int) or time.time() - kept["at"] > TRACK_REMEMBER_SECONDS:
        return None
    case = db.session.exec(select(Case).where(Case.tracking_number == number)).first()
    if case is None or not hmac.compare_digest(kept["proof"], _proof(case)):
        return None
    return case


def track():
    """Follow a report with its tracking number and query code. A wrong code shows nothing.

    The code comes from the form (POST) or a link in a mail (GET); a right one lets this session
    reopen the case and the browser goes on to ``/track?number=…``, an address without the code."""
    number = request.values.get("number", "").strip()[:32]
    code = request.values.get("code", "").strip()[:64]
    if not code:
        # the page of a case this session opened; otherwise the form, the number filled in
        case = _remembered_case(number) if number else None
        return _track_page(case, number, searched=False)
    case = _citizen_case(number, code)
    if case is None:
        return _track_page(None, number, status=404)
    _remember(case)
    return redirect(url_for("public.track", number=case.tracking_number), code=303)


def rate():
    """Rate the answer of a closed case, once: satisfied, or unsatisfied with a reason. The case is
    the one this session opened (or named with its code); a refusal shows it again with the
    form's one message per problem."""
    form = FeedbackForm()
    number = (form.number.data or "").strip()[:32]
    case = _citizen_case(number, form.code.data) if form.code.data else _remembered_case(number)
    if case is None:
        return _track_page(None, number, status=404)
    if not can_rate(case):
        # checked here as well as in the operation, so that nothing is tried or rolled back
        form.rating.errors = [_("您已评价过该留言。") if case.feedback else _("该留言现在不能评价。")]
        return _track_page(case, case.tracking_number, form, status=409)
    if form.validate_on_submit():
        with db.transaction() as session_:
            ops.record_feedback(session_, case, satisfied=form.rating.data == "satisfied", comment=form.comment.data)
        _remember(case)
        return redirect(url_for("public.track", number=case.tracking_number, rated=1, _anchor="rating"), code=303)
    return _track_page(case, case.tracking_number, form, status=422)


def reply():
    """The citizen's reply to a pause (挂起): it resumes the clock. The case is the one this session
    opened (or named with its code); a refusal shows the page again with the form's message."""
    form = PauseReplyForm()
    number = (form.number.data or "").strip()[:32]
    case = _citizen_case(number, form.code.data) if form.code.data else _remembered_case(number)
    if case is None:
        return _track_page(None, number, status=404)
    if case.paused_at is None:
        form.reply.errors = [_("该留言当前不需要补充信息。")]
        return _track_page(case, case.tracking_number, reply_form=form, status=409)
    if form.validate_on_submit():
        with db.transaction() as session_:
            ops.resume(session_, case, CITIZEN, reply=form.reply.data)
        _remember(case)
        return redirect(url_for("public.track", number=case.tracking_number, replied=1, _anchor="case-title"),
                        code=303)
    return _track_page(case, case.tracking_number, reply_form=form, status=422)


def _date_arg(name: str) -> tuple[date | None, bool]:
    """``?name=YYYY-MM-DD``: (the date, True); (None, True) when absent; (None, False) when not a date."""
    raw = request.args.get(name, "").strip()[:20]
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return None, False


def answers():
    """Closed cases with their answers, personal data masked; searchable by keyword, closing
    dates, site and category; numbered pages."""
    closed_from, from_ok = _date_arg("from")
    closed_to, to_ok = _date_arg("to")
    search = util.AnswerSearch(site=request.args.get("site", "").strip()[:100],
                               category=request.args.get("category", "").strip()[:5],
                               keyword=request.args.get("q", "").strip()[:100],
                               closed_from=closed_from, closed_to=closed_to)
    problem = None
    if not (from_ok and to_ok):
        problem = _("日期格式应为“年-月-日”，例如 2024-04-30。")
    elif closed_from and closed_to and closed_from > closed_to:
        problem = _("开始日期不能晚于结束日期。")
    page = page_number(request.args)
    found = (util.AnswersPage([], 0, False, 1, 1) if problem else
             util.published_answers(db.session, search, page=page))
    query = {key: value for key, value in (("q", search.keyword), ("site", search.site),
                                            ("category", search.category),
                                            ("from", request.args.get("from", "").strip()[:20]),
                                            ("to", request.args.get("to", "").strip()[:20])) if value}
    return render_template("public/answers.html", items=found.items, total=found.total, capped=found.capped,
                           page=found.page, pages=found.pages, search=search, query=query, problem=problem,
                           keyword_window=util.KEYWORD_WINDOW,
                           categories=util.active_categories(db.session)), 422 if problem else 200


def answer(number: str):
    """One published answer: its number, site, organiser, dates and whether it came in time."""
    record = util.published_answer(db.session, number)
    if record is None:
        return render_template("public/answer_missing.html"), 404
    return render_template("public/answer.html", record=record, item=record.answer)


def sites_suggest():
    """JSON: up to 10 running sites matching ``q`` (:func:`util.suggest_sites`); the header
    ``X-More-Sites: 1`` says that more match."""
    found = util.suggest_sites(db.session, request.args.get("q", "")[:100])
    response = jsonify(found.sites)
    if found.more:
        response.headers["X-More-Sites"] = "1"
    return response


def sites_detect():
    """JSON: the site a page URL (and optional code) routes to, and open cases for that page."""
    url = request.args.get("url", "").strip()[:2000]
    code = util.site_code_from_choice(request.args.get("site_code", "")[:400])[:32] or None
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
