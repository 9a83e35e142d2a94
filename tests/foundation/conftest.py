"""Fixtures of the foundation tests: empty databases of each kind, not yet migrated."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import require_service, reset_postgres

DB_KINDS = ("sqlite", "postgresql")


def empty_postgres_url() -> str:
    """A database of its own beside the suite's (``<name>_foundation``), emptied.

    Kept apart so that dropping every table here never pulls the schema from under other tests.
    """
    base = make_url(require_service("TRACKER_TEST_DATABASE_URL"))
    name = f"{base.database}_foundation"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    reset_postgres(url)
    return url


@pytest.fixture(params=DB_KINDS)
def empty_url(request, tmp_path) -> str:
    """The URL of an empty database: SQLite in tmp_path, or PostgreSQL (required under CI=true)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
    return empty_postgres_url()
