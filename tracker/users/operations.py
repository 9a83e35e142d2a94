"""Writes of staff accounts and API tokens. They flush; the caller commits."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from functools import cache

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from tracker.db import utcnow
from tracker.errors import InvalidInput
from tracker.organisations.models import Organisation, OrgKind
from tracker.users.models import ApiToken, PasswordReset, Role, RolePolicy, User

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _stand_in_hash() -> str:
    """The hash of a random password, made once per process with the current parameters."""
    return _hasher.hash(secrets.token_urlsafe(24))


def verify_password(user: User, password: str) -> bool:
    """Check a password (argon2: slow on purpose, so better outside a write transaction)."""
    return _matches(user.password_hash, password)


def upgrade_password_hash(user: User, password: str) -> None:
    """After a successful check: hash ``password`` again when the stored hash's parameters are old."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    Exactly one argon2 verification either way: an unknown or disabled account is checked against
    a stand-in hash, so that the time taken does not tell which emails belong to staff."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        _matches(_stand_in_hash(), password)
        return None
    return user if verify_password(user, password) else None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("密码至少%(n)s位。", n=MIN_PASSWORD_LENGTH), fields={"password": ["too short"]})


def end_sessions(session: Session, user: User) -> None:
    """Refuse every session the user has open (logout, new password, TOTP reset)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.add(user)
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    """Give ``user`` a new password; sessions opened with the old one end."""
    _check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(session, user)


def _check_role(role: str, organisation: Organisation | None, *, current_id: int | None = None) -> None:
    """Organisers belong to an organiser, supervisors to a supervisor; admins to any or none. An
    inactive organisation takes no one new (``current_id``: the one the account is in already).
    The refusal says which one is wrong."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("角色无效。"), fields={"role": [role]})
    if role == Role.admin:
        return
    if organisation is None:
        raise InvalidInput(_l("请填写单位代码：主办单位和主管单位的工作人员须属于一个单位。"),
                           fields={"organisation": ["required"]})
    if not organisation.is_active and organisation.id != current_id:
        raise InvalidInput(_l("单位“%(name)s”已停用，不能再添加工作人员。", name=organisation.name),
                           fields={"organisation": ["inactive"]})
    if role == Role.organiser and organisation.kind != OrgKind.organiser:
        raise InvalidInput(_l("“%(name)s”是主管单位：主办单位工作人员须属于一个主办单位。", name=organisation.name),
                           fields={"organisation": ["kind"]})
    if role == Role.supervisor and organisation.kind != OrgKind.supervisor:
        raise InvalidInput(_l("“%(name)s”是主办单位：主管单位工作人员须属于一个主管单位。", name=organisation.name),
                           fields={"organisation": ["kind"]})


def create_user(session: Session, *, email: str, password: str, role: str, organisation: Organisation | None,
                name: str = "") -> User:
    """Add a member of staff. Organisers belong to an organiser, supervisors to a supervisor."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput(lazy_pgettext("account", "邮箱格式不正确。"), fields={"email": [email]})
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("角色无效。"), fields={"role": [role]})
    _check_password(password)
    _check_role(role, organisation)
    if session.exec(select(User.id).where(User.email == email)).first():
        raise InvalidInput(_l("该邮箱已注册。"), fields={"email": [email]})
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


TOTP_STEP_SECONDS = 30


def totp_required(session: Session, user: User) -> bool:
    """True when ``user`` must give a TOTP code: it has a secret, or its role's policy asks for one."""
    if user.totp_secret:
        return True
    policy = session.get(RolePolicy, user.role)
    return bool(policy and policy.totp_required)


def totp_missing(session: Session, user: User) -> bool:
    """True when the role's policy asks for a second factor that ``user`` has not enrolled yet."""
    return not user.totp_secret and totp_required(session, user)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str) -> int | None:
    """The 30-second step whose 6-digit code for ``secret`` is ``code`` (one step of clock drift
    allowed either way), or None."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    now = int(utcnow().timestamp()) // TOTP_STEP_SECONDS
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record ``step`` as the user's last TOTP step unless that step or a later one was used already.

    One conditional UPDATE, so that two requests racing with the same code cannot both win."""
    result = session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def use_totp(session: Session, user: User, code: str) -> bool:
    """Accept ``code`` as the user's second factor, once: a code of an already used (or earlier)
    step is refused."""
    step = totp_step(user.totp_secret, code) if user.totp_secret else None
    return step is not None and _claim_step(session, user, step)


def enrol_totp(session: Session, user: User, secret: str, code: str) -> None:
    """Keep ``secret`` as the user's second factor once ``code`` proves the app holds it."""
    step = totp_step(secret, code)
    if step is None:
        raise InvalidInput(_l("验证码不正确。"), fields={"code": ["?"]})
    user.totp_secret = secret
    user.totp_last_step = step  # the enrolment code does not open a later login
    session.add(user)
    session.flush()


def reset_totp(session: Session, user: User) -> None:
    """Forget the user's second factor (lost phone); their sessions end."""
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(session, user)


def set_role_policy(session: Session, role: str, *, totp_required: bool):
    """Require (or stop requiring) a TOTP second factor for every user of ``role``."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("角色无效。"), fields={"role": [role]})
    policy = session.get(RolePolicy, role) or RolePolicy(role=role)
    policy.totp_required = totp_required
    session.add(policy)
    session.flush()
    return policy


# ---------------------------------------------------------------- people come and go


def update_user(session: Session, user: User, *, name: str, role: str, organisation: Organisation | None) -> User:
    """Change a member of staff's name, role and organisation (the same rules as a new account).
    A change of role or organisation ends their sessions: what they may see has changed."""
    _check_role(role, organisation, current_id=user.organisation_id)
    organisation_id = organisation.id if organisation is not None else None
    moved = (role, organisation_id) != (user.role, user.organisation_id)
    user.name = name.strip()[:100]
    user.role = role
    user.organisation_id = organisation_id
    session.add(user)
    if moved:
        end_sessions(session, user)
    session.flush()
    return user


def disable_user(session: Session, user: User) -> None:
    """Stop an account: it cannot log in, its sessions end and its API tokens are revoked (they
    stay revoked if it is enabled again). Its cases belong to its organisation and stay there."""
    user.is_active = False
    now = utcnow()
    session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
    _retire_reset_links(session, user, now)
    end_sessions(session, user)


def enable_user(session: Session, user: User) -> None:
    """Let a stopped account log in again (with its password; its old tokens stay revoked)."""
    user.is_active = True
    session.add(user)
    session.flush()


def _retire_reset_links(session: Session, user: User, now) -> None:
    session.execute(sa.update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))


def issue_password_reset(session: Session, user: User, *, valid_for: timedelta) -> str:
    """A one-time link token for ``user`` to set a new password, valid for ``valid_for``; any
    earlier link of the account stops working. Only the token's hash is stored."""
    now = utcnow()
    _retire_reset_links(session, user, now)
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=hash_token(token), created_at=now,
                              expires_at=now + valid_for))
    session.flush()
    return token


def password_reset_user(session: Session, token: str) -> User | None:
    """The active account whose unused, unexpired link this is; None otherwise."""
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token or ""))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def use_password_reset(session: Session, token: str, password: str) -> User:
    """Set a new password through a one-time link: the link is spent (one conditional UPDATE, so
    that two requests with it cannot both succeed) and every session of the account ends."""
    user = password_reset_user(session, token)
    if user is None:
        raise InvalidInput(_l("链接无效或已过期，请重新申请重设密码。"), fields={"token": ["invalid"]})
    _check_password(password)
    now = utcnow()
    claimed = session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.token_hash == hash_token(token), PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvalidInput(_l("链接无效或已过期，请重新申请重设密码。"), fields={"token": ["used"]})
    set_password(session, user, password)
    return user
