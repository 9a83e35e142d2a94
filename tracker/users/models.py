"""Staff accounts, API tokens and per-role security policy."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_pgettext
from sqlmodel import Field, SQLModel

from tracker.db import UTCDateTime, utcnow


class Role(StrEnum):
    organiser = "organiser"
    supervisor = "supervisor"
    admin = "admin"


#: what each role is called on screen
ROLE_NAMES = {
    Role.organiser: lazy_pgettext("role", "主办单位工作人员"),
    Role.supervisor: lazy_pgettext("role", "主管单位工作人员"),
    Role.admin: lazy_pgettext("role", "系统管理员"),
}


class User(SQLModel, table=True):
    """A member of staff. Organisers and supervisors belong to one organisation; admins may not."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint("role IN ('organiser', 'supervisor', 'admin')", name="ck_user_role"),
        sa.CheckConstraint("role = 'admin' OR organisation_id IS NOT NULL", name="ck_user_org"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    is_active: bool = Field(default=True)
    totp_secret: str | None = Field(default=None, max_length=64)
    #: the 30-second step of the last TOTP code accepted: a code of this step or an earlier one is refused
    totp_last_step: int | None = Field(default=None)
    #: sessions carry the generation they began with; raising it ends every session of the account
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locale: str = Field(default="zh", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


class ApiToken(SQLModel, table=True):
    """A bearer token for the staff API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RolePolicy(SQLModel, table=True):
    """Security policy per role, set by admins (for example: TOTP required)."""

    __tablename__ = "role_policy"
    __table_args__ = (
        sa.CheckConstraint("role IN ('organiser', 'supervisor', 'admin')", name="ck_role_policy_role"),
    )

    role: str = Field(primary_key=True, max_length=16)
    totp_required: bool = Field(default=False)


class PasswordReset(SQLModel, table=True):
    """A one-time link to set a new password (forgotten, or reset by an admin). Only the SHA-256
    of its token is stored; it works once, until ``expires_at``."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
