"""Timestamps are aware UTC and survive a round trip on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlmodel import select

from tests.conftest import BASE_CONFIG
from tests.factories import Factory
from tracker import create_app
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.migrate import alembic_config

INSTANT = datetime(2024, 4, 25, 16, 30, tzinfo=UTC)  # 2024-04-26 00:30 in Beijing


def forget_session(app) -> None:
    """Close this thread's session, so the next read goes to the database."""
    app.extensions["tracker.db"].session.remove()


@pytest.fixture()
def migrated_app(empty_url, tmp_path):
    command.upgrade(alembic_config(empty_url), "head")
    app = create_app({**BASE_CONFIG, "DATABASE_URL": empty_url, "MAIL_URL": f"file://{tmp_path / 'mail'}"})
    with app.app_context():
        yield app
        forget_session(app)
    app.extensions["tracker.db"].engine.dispose()


def test_case_timestamp_round_trip_is_the_same_aware_instant(migrated_app):
    given = datetime.fromisoformat("2024-04-25T16:30:00Z")
    case = Factory(db.session).case(received_at=given)
    db.session.commit()
    case_id = case.id
    forget_session(migrated_app)  # read back through a new session and connection

    stored = db.session.exec(select(Case).where(Case.id == case_id)).one()
    assert stored.received_at == INSTANT
    assert stored.received_at.tzinfo is not None
    assert stored.received_at.utcoffset() == timedelta(0)
    assert stored.received_at.isoformat() == "2024-04-25T16:30:00+00:00"
    # received Friday 26 April in Beijing; Sunday 28 April was a make-up working day: due 30 April 24:00
    assert stored.due_at == datetime(2024, 4, 30, 16, 0, tzinfo=UTC)
    assert stored.tracking_number.startswith("ZC20240426-")


def test_offsets_are_normalised_and_naive_times_refused(migrated_app):
    beijing = timezone(timedelta(hours=8))
    case = Factory(db.session).case(received_at=datetime(2024, 4, 26, 0, 30, tzinfo=beijing))
    db.session.commit()
    case_id = case.id
    forget_session(migrated_app)
    assert db.session.get(Case, case_id).received_at == INSTANT

    with pytest.raises(ValueError, match="naive datetime|timezone-aware"):
        Factory(db.session).case(received_at=datetime(2024, 4, 25, 16, 30))
    db.session.rollback()


def test_postgresql_connections_run_without_jit(migrated_app):
    """The app's connections turn PostgreSQL's JIT off: bounded queries whose cost estimate is
    inflated by correlated counts (the SLA report) would otherwise spend longer compiling than
    running."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's; SQLite has none")
    assert db.session.execute(text("SHOW jit")).scalar_one() == "off"
