"""Forms of the citizen's side. Field names are those of the JSON API; the rules live in
:mod:`tracker.cases.validation` and :mod:`tracker.cases.images`."""
from __future__ import annotations

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from tracker.cases import validation
from tracker.cases.images import process_screenshots
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.public.captcha import check_captcha
from tracker.public.util import site_by_name_or_code, site_code_from_choice


def _rule(clean):
    """A WTForms validator from a ``clean_*`` function; the cleaned value replaces the input."""
    def validator(form, field):
        try:
            field.data = clean(field.data)
        except validation.Invalid as exc:
            raise ValidationError(exc.message(current_language())) from None
    return validator


class ReportForm(FlaskForm):
    site_code = StringField(_l("网站（名称或标识码）"))
    page_url = StringField(_l("出错页面网址"), validators=[_rule(validation.check_page_url)])
    category = SelectField(lazy_pgettext("citizen", "问题类型"), coerce=str, validate_choice=False)
    description = TextAreaField(_l("问题描述"), validators=[_rule(validation.check_description)])
    screenshots = MultipleFileField(_l("截图（可选）"))
    contact_name = StringField(_l("姓名（可选）"), validators=[_rule(validation.check_contact_name)])
    contact_phone = StringField(_l("手机号码"), validators=[_rule(validation.check_contact_phone)])
    contact_email = StringField(_l("电子邮箱"), validators=[_rule(validation.check_contact_email)])
    consent = BooleanField(_l("我已阅读并同意上述个人信息处理说明"))
    captcha = StringField(_l("验证码"))

    def __init__(self, categories, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("请选择"))] + [SelectChoice(str(c.code), c.label)
                                                                   for c in categories]
        self.category_codes = {str(c.code) for c in categories}
        self.images = []
        self.site_choice = None
        #: (filename, data) of the screenshots: those sent now, or those held from a refused attempt
        self.files: list[tuple[str, bytes]] = []

    def uploaded_files(self) -> list[tuple[str, bytes]]:
        """The files chosen in this submission, as (filename, data)."""
        return [(f.filename, f.read()) for f in (self.screenshots.data or []) if getattr(f, "filename", None)]

    def validate_site_code(self, field):
        """A site chosen from the suggestions (``名称（标识码）``) or by its exact name counts as its
        code; otherwise the code rule applies."""
        value = site_code_from_choice(validation.clean_text(field.data))
        site = site_by_name_or_code(db.session, value) if value else None
        field.data = site.code if site is not None else value
        #: what the field shows again when the form is refused: the site's name with its code
        self.site_choice = f"{site.name}（{site.code}）" if site is not None else None
        _rule(validation.check_site_code)(self, field)

    def validate_category(self, field):
        if field.data not in self.category_codes:
            raise ValidationError(_l("请选择问题类型。"))

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("提交前请同意个人信息处理说明。"))

    def validate_captcha(self, field):
        if not current_app.config["CAPTCHA"]:
            return
        right = check_captcha(db.session, session, field.data)  # used up either way
        if not (field.data or "").strip():
            raise ValidationError(_l("请输入验证码。"))
        if not right:
            raise ValidationError(_l("验证码不正确，请看新图片重新输入。"))

    def validate(self, extra_validators=None) -> bool:
        """Every field, the CSRF token and the captcha first; the screenshots are decoded only for
        a report that passed all of them, so a forged or failed submission costs no image work."""
        valid = super().validate(extra_validators)
        phone_ok = not self.contact_phone.errors and not self.contact_email.errors
        if phone_ok:
            try:
                validation.check_contact_reachable(self.contact_phone.data, self.contact_email.data)
            except validation.Invalid as exc:
                self.contact_phone.errors = [*self.contact_phone.errors, exc.message(current_language())]
                valid = False
        return valid and self._process_screenshots()

    def _process_screenshots(self) -> bool:
        field = self.screenshots
        self.images, errors = process_screenshots(self.files)
        if errors:
            language = current_language()
            field.errors = [*field.errors, " ".join(e.message(language) for e in errors)]
            return False
        return True


class FeedbackForm(FlaskForm):
    number = HiddenField()
    code = HiddenField()
    rating = RadioField(_l("您对答复是否满意？"), choices=[SelectChoice("satisfied", _l("满意")),
                                                             SelectChoice("unsatisfied", _l("不满意"))],
                        validate_choice=False)  # validate_rating says it, once
    comment = TextAreaField(_l("不满意的原因"))

    def validate_rating(self, field):
        if field.data not in ("satisfied", "unsatisfied"):
            raise ValidationError(_l("请选择满意或不满意。"))

    def validate_comment(self, field):
        _rule(validation.check_feedback_comment)(self, field)
        if self.rating.data == "unsatisfied" and not field.data:
            raise ValidationError(_l("不满意时请说明原因。"))


class PauseReplyForm(FlaskForm):
    """The citizen's reply to a pause (挂起): the information the organiser asked for."""

    number = HiddenField()
    code = HiddenField()
    reply = TextAreaField(_l("补充说明"))

    def validate_reply(self, field):
        _rule(validation.check_feedback_comment)(self, field)
        if not (field.data or "").strip():
            raise ValidationError(_l("请填写补充说明。"))


class ReceiptMailForm(FlaskForm):
    """The confirmation page's "send to my email": one address."""

    email = StringField(_l("电子邮箱"), validators=[_rule(validation.check_contact_email)])

    def validate_email(self, field):
        if not field.data:
            raise ValidationError(_l("请填写电子邮箱。"))
