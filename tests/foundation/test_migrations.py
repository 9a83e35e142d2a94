"""Migrations go both ways on both databases, have a single head, and agree with the models."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tracker.migrate import alembic_config
from tracker.models import metadata

CORE_TABLES = {"organisation", "site", "site_host", "category", "case_report", "case_event", "user_account",
               "calendar_day", "outbox"}


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads: {heads}"


def test_base_to_head_to_base(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "head")
    tables = table_names(empty_url)
    assert tables >= CORE_TABLES
    assert set(metadata.tables) <= tables

    command.downgrade(config, "base")
    assert table_names(empty_url) == {"alembic_version"}

    command.upgrade(config, "head")
    assert set(metadata.tables) <= table_names(empty_url)


def test_national_categories_are_seeded(empty_url):
    command.upgrade(alembic_config(empty_url), "head")
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(sa.text("SELECT code FROM category ORDER BY code"))]
    engine.dispose()
    assert codes == [0, 1, 2, 3, 4, 5, 6, 10]


def test_autogenerate_against_head_finds_no_difference(empty_url):
    command.upgrade(alembic_config(empty_url), "head")
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []
