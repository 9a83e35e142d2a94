"""Forms of the login pages (Flask-WTF: every POST carries a CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField("code", validators=[DataRequired(), Regexp(r"^\s*\d{6}\s*$")])


class CsrfForm(FlaskForm):
    """No fields: just the CSRF token, for buttons such as log out."""


class ForgotForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("confirm", validators=[DataRequired(), Length(max=200)])
