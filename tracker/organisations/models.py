"""Organisations (a supervisor/organiser tree) and the government sites they run."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_pgettext
from sqlmodel import Field, SQLModel

from tracker.db import UTCDateTime, utcnow


class OrgKind(StrEnum):
    supervisor = "supervisor"
    organiser = "organiser"


#: what each kind of organisation is called on screen
ORG_KIND_NAMES = {
    OrgKind.supervisor: lazy_pgettext("organisation kind", "主管单位"),
    OrgKind.organiser: lazy_pgettext("organisation kind", "主办单位"),
}


class Organisation(SQLModel, table=True):
    """A node of the one tree: the national root (全国), then provinces, 部委 (``bm``) and 兵团
    (``BT``), then city offices, then organisers.

    ``path`` is the materialised path of codes (``/440000/440100/``) so that a subtree is one
    indexed prefix match (:mod:`tracker.organisations.scope`). The national root's path is ``/``.
    """

    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('supervisor', 'organiser')", name="ck_organisation_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    path: str = Field(max_length=1000, index=True)
    #: an inactive organisation keeps its cases and history but is offered for no new site or user
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_supervisor(self) -> bool:
        return self.kind == OrgKind.supervisor

    @property
    def is_national_root(self) -> bool:
        return self.parent_id is None and self.path == "/"


class Site(SQLModel, table=True):
    """A government website (政府网站), known by its 网站标识码."""

    __tablename__ = "site"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=300)
    #: the pinyin initials of the name (:mod:`tracker.organisations.initials`), for the site lookup
    name_initials: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": sa.text("''")})
    organiser_id: int = Field(foreign_key="organisation.id", index=True)
    supervisor_id: int = Field(foreign_key="organisation.id", index=True)
    is_running: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SiteHost(SQLModel, table=True):
    """A host (and optional path prefix) at which a site is served; routing looks these up."""

    __tablename__ = "site_host"
    __table_args__ = (sa.UniqueConstraint("site_id", "host", "path_prefix", name="uq_site_host"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    host: str = Field(max_length=255, index=True)
    path_prefix: str = Field(default="", max_length=500)
