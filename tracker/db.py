"""The database: engine and session per app, and the column types both databases agree on."""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from pydantic_core import PydanticUndefined
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlmodel import Session, SQLModel

_clock: ContextVar[datetime | None] = ContextVar("tracker_clock", default=None)


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (or the instant set by :func:`frozen_clock`)."""
    frozen = _clock.get()
    return frozen if frozen is not None else datetime.now(UTC)


@contextmanager
def frozen_clock(instant: datetime):
    """Inside the block, :func:`utcnow` reads ``instant``: for tests, and for replaying history
    (imported records, demo data) through the same operations as live cases."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    token = _clock.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware datetime stored as UTC.

    SQLite drops the offset of ``DateTime(timezone=True)``; this type converts to UTC on the way
    in and attaches UTC on the way out, so both databases give back the same aware instant.
    Naive values are refused: a time without an offset is a bug, not a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry an offset")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def plain(model: type[SQLModel], **values) -> SimpleNamespace:
    """A plain stand-in for a new row of ``model``: its fields' defaults, then ``values``.

    For rules that build rows by the thousand (the import): a model instance takes hundreds of
    microseconds to build, a namespace one. ``model(**vars(row))`` makes the instance when one is
    wanted."""
    defaults, factories = _defaults(model)
    fields = {**defaults, **{name: factory() for name, factory in factories.items() if name not in values}}
    fields.update(values)
    return SimpleNamespace(**fields)


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[dict, dict]:
    defaults, factories = {}, {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif info.default is not PydanticUndefined:
            defaults[name] = info.default
    return defaults, factories


_WRITES_KEY = "tracker.flushed_writes"


@sa.event.listens_for(Session, "after_flush")
def _note_writes(session, _context) -> None:
    session.info[_WRITES_KEY] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_writes(session) -> None:
    session.info.pop(_WRITES_KEY, None)


@dataclass
class _DbState:
    engine: sa.Engine
    session: scoped_session


def _sqlite_pragmas(dbapi_connection, _record):
    # let SQLAlchemy, not the driver, open transactions, so SAVEPOINT and BEGIN IMMEDIATE work
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # readers never block the writer (web requests beside the embedded worker and the sweep)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``, with SQLite set up to enforce foreign keys."""
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        # No JIT: every query here is a bounded walk of an index, but PostgreSQL compiles a query
        # once its cost *estimate* passes jit_above_cost, and correlated counts inflate that
        # estimate: the SLA report spent 0.5 s compiling for 80 ms of work at 1M cases.
        kwargs["connect_args"] = {"options": "-c jit=off"}
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection):
    """``BEGIN``, or ``BEGIN IMMEDIATE`` (take the write lock now) for connections that ask with
    ``execution_options(sqlite_immediate=True)``: SQLite's stand-in for ``FOR UPDATE``."""
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_writing(session: Session) -> None:
    """On SQLite, start ``session``'s next transaction with ``BEGIN IMMEDIATE``.

    A deferred transaction that has read cannot wait for the write lock: if another connection (the
    embedded worker delivering mail) writes in between, its first write fails at once with "database
    is locked", whatever the busy timeout. Taking the lock first waits up to the busy timeout instead.
    A transaction that has only read so far is ended first, and what it loaded is read again under
    the lock; one that has written already is left as it is.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted or session.info.get(_WRITES_KEY):
            return
        session.commit()
        session.expire_all()
    session.connection(execution_options={"sqlite_immediate": True})


class Database:
    """Holds each app's engine and a thread-scoped session; ``db.session`` is the current one."""

    def init_app(self, app, engine: sa.Engine | None = None) -> None:
        engine = engine or make_engine(app.config["DATABASE_URL"])
        factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
        state = _DbState(engine=engine, session=scoped_session(factory))
        app.extensions["tracker.db"] = state

        @app.teardown_appcontext
        def _remove_session(_exc):
            state.session.remove()

    @staticmethod
    def _state() -> _DbState:
        return current_app.extensions["tracker.db"]

    @property
    def session(self) -> Session:
        return self._state().session()

    @property
    def engine(self) -> sa.Engine:
        return self._state().engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def job_session(self) -> Session:
        """The session of a job that commits its own steps (the sweep, the relay, a delivery).

        A job never commits work that its caller left open: pending or flushed changes are refused
        with an error. A read-only transaction left open is ended.
        """
        session = self.session
        if session.new or session.dirty or session.deleted or session.info.get(_WRITES_KEY):
            raise RuntimeError("uncommitted changes: commit or roll back before running a job")
        if session.in_transaction():
            session.rollback()
        return session

    @contextmanager
    def transaction(self):
        """Commit on success, roll back on error: ``with db.transaction() as session: ...``.

        The one way a request or a command ends its work: operations flush, the caller commits.
        On SQLite the transaction takes the write lock first (:func:`begin_writing`)."""
        session = self.session
        if self.dialect == "sqlite":
            begin_writing(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


db = Database()
