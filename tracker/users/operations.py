"""Writes of staff accounts and API tokens. They flush; the caller commits."""
from __future__ import annotations

import hashlib
import re
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation, OrgKind
from tracker.users.models import ApiToken, Role, RolePolicy, User

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password (argon2: slow on purpose, so better outside a write transaction)."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


def upgrade_password_hash(user: User, password: str) -> None:
    """After a successful check: hash ``password`` again when the stored hash's parameters are old."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def create_user(session: Session, *, email: str, password: str, role: str, organisation: Organisation | None,
                name: str = "") -> User:
    """Add a member of staff. Organisers belong to an organiser, supervisors to a supervisor."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput("邮箱格式不正确。", "Not an email address.", fields={"email": [email]})
    if role not in {r.value for r in Role}:
        raise InvalidInput("角色无效。", "Role must be organiser, supervisor or admin.", fields={"role": [role]})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少{MIN_PASSWORD_LENGTH}位。",
                           f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
                           fields={"password": ["too short"]})
    if role != Role.admin:
        expected = OrgKind.organiser if role == Role.organiser else OrgKind.supervisor
        if organisation is None or organisation.kind != expected:
            raise InvalidInput("角色与单位类型不符。", f"A {role} must belong to a {expected} organisation.",
                               fields={"organisation": ["kind"]})
    if session.exec(select(User.id).where(User.email == email)).first():
        raise InvalidInput("该邮箱已注册。", "That email is already registered.", fields={"email": [email]})
    user = User(email=email, name=name, password_hash=hash_password(password), role=role,
                organisation_id=organisation.id if organisation else None)
    session.add(user)
    session.flush()
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> str:
    """Issue a bearer token for ``user``; only its hash is kept, so show it once."""
    token = "trk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token)))
    session.flush()
    return token


# ---------------------------------------------------------------- second factor (TOTP)

TOTP_ISSUER = "Tracker"


def totp_required(session: Session, user: User) -> bool:
    """True when ``user`` must give a TOTP code: it has a secret, or its role's policy asks for one."""
    if user.totp_secret:
        return True
    policy = session.get(RolePolicy, user.role)
    return bool(policy and policy.totp_required)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str, code: str) -> bool:
    """A 6-digit code for ``secret``, allowing one 30-second step of clock drift."""
    code = "".join((code or "").split())
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enrol_totp(session: Session, user: User, secret: str, code: str) -> None:
    """Keep ``secret`` as the user's second factor once ``code`` proves the app holds it."""
    if not verify_totp(secret, code):
        raise InvalidInput("验证码不正确。", "The code is not correct.", fields={"code": ["?"]})
    user.totp_secret = secret
    session.flush()


def set_role_policy(session: Session, role: str, *, totp_required: bool):
    """Require (or stop requiring) a TOTP second factor for every user of ``role``."""
    if role not in {r.value for r in Role}:
        raise InvalidInput("角色无效。", "Role must be organiser, supervisor or admin.", fields={"role": [role]})
    policy = session.get(RolePolicy, role) or RolePolicy(role=role)
    policy.totp_required = totp_required
    session.add(policy)
    session.flush()
    return policy
