"""The working-day calendar on the admin pages: which years are known, and loading a year's
节假日安排 from the same CSV file as ``tracker calendar load`` (the same parsing, the same operation)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.auth.access import role_required
from tracker.auth.forms import CsrfForm
from tracker.calendar.operations import read_year_csv
from tracker.calendar.status import year_statuses
from tracker.cases.deadlines import load_year
from tracker.errors import DomainError, InvalidInput
from tracker.extensions import db
from tracker.i18n import current_language

#: a year's schedule is a few dozen lines; anything much larger is not one
MAX_FILE_BYTES = 256 * 1024
SOURCE_NAMES = {"loaded": _l("已导入"), "package": _l("内置（chinese-calendar）"), "fallback": _l("暂按周一至周五")}


def _page(error: str | None = None, status: int = 200):
    return render_template("admin/calendar.html", form=CsrfForm(), error=error, values=request.form,
                           years=year_statuses(db.session), source_names=SOURCE_NAMES), status


def _uploaded_rows() -> list[dict[str, str]]:
    """The rows of the uploaded file; InvalidInput saying what is wrong with it."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(_l("请选择节假日安排文件（CSV）。"), fields={"file": ["required"]})
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(_l("文件过大，不像一年的节假日安排。"), fields={"file": ["too large"]})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_l("文件不是 UTF-8 编码的文本。"), fields={"file": ["not UTF-8"]}) from None
    try:
        return read_year_csv(text)
    except ValueError as exc:
        raise InvalidInput(_l("节假日文件有误：%(error)s", error=str(exc)), fields={"file": [str(exc)]}) from None


@role_required("admin")
def calendar():
    """The years the calendar knows and where each comes from; load (or replace) one year."""
    if request.method == "GET":
        return _page()
    if not CsrfForm().validate_on_submit():
        return _page(_("请求有误。"), 400)
    try:
        rows = _uploaded_rows()
        with db.transaction() as session:
            result = load_year(session, rows, request.form.get("source", ""))
    except DomainError as exc:
        return _page(exc.message(current_language()), exc.status)
    flash(_("%(year)s年节假日安排已导入：%(holidays)s个节假日，%(workdays)s个调休上班日；"
            "重算了%(recomputed)s件在办留言的暂定期限，其中%(moved)s件的期限有变化。",
            year=result.year, holidays=result.holidays, workdays=result.workdays,
            recomputed=result.recomputed, moved=result.moved), "success")
    return redirect(url_for("admin.calendar"))
