"""Fixtures of the foundation tests: empty databases of each kind, not yet migrated."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import require_service, reset_postgres, sibling_postgres_url

DB_KINDS = ("sqlite", "postgresql")


def empty_postgres_url() -> str:
    """A database of its own beside the suite's (``<name>_foundation``), emptied.

    Kept apart so that dropping every table here never pulls the schema from under other tests.
    """
    url = sibling_postgres_url(require_service("TRACKER_TEST_DATABASE_URL"), "_foundation")
    reset_postgres(url)
    return url


@pytest.fixture(params=DB_KINDS)
def empty_url(request, tmp_path) -> str:
    """The URL of an empty database: SQLite in tmp_path, or PostgreSQL (required under CI=true)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
    return empty_postgres_url()
