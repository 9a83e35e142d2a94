"""Alembic environment: the URL comes from the Tracker config (see tracker/migrate.py)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlalchemy.dialects import postgresql

from tracker.db import UTCDateTime
from tracker.models import metadata

config = context.config


def render_item(type_, obj, autogen_context):
    """Render project types as plain SQLAlchemy, so generated migrations run as generated."""
    if type_ != "type":
        return False
    try:
        from sqlmodel.sql.sqltypes import AutoString
    except ImportError:  # pragma: no cover
        AutoString = ()
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import tracker.db")
        return "tracker.db.UTCDateTime()"
    if isinstance(obj, postgresql.JSONB):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB()"
    if isinstance(obj, sa.JSON) and obj._variant_mapping:
        autogen_context.imports.add("import tracker.db")
        return "tracker.db.JSONType"
    return False


def _configure(**kwargs):
    context.configure(
        target_metadata=metadata,
        render_item=render_item,
        render_as_batch=True,
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
