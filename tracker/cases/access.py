"""Keeps :class:`~tracker.cases.models.CaseAccess` in step with the case rows.

A supervisor sees the cases whose organiser or responsible supervisor lies in its subtree
(:func:`tracker.cases.scope.can_see`). Asked of the case table, that is an OR of two prefix
matches that no index serves, so every queue would read the whole tree. Instead each case keeps one
access row per organisation that sees it this way (the ancestors, by path, of its organiser and of
its supervisor, themselves included, up to the national root, which the admins' lists use), carrying
the case's state, due time and organiser. A queue is then one ordered walk of ``(org_id, state,
due_at)``, and the load per organiser one walk of ``(org_id, state, organiser_id)``.

The rows follow the case row, whichever way it is written:

- every flush of an ORM session that adds a case or changes its organiser, supervisor, state or
  due time rewrites them (:func:`_follow_flush`);
- bulk writers that bypass the ORM call :func:`refresh` with the ids they wrote;
- :func:`rebuild` recomputes every row (the migration that added the table, bulk loads).

Ancestry is read from the materialised paths, the one scope rule of
:mod:`tracker.organisations.scope`: X is an ancestor of Y when Y's path starts with X's path.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import attributes
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from tracker.cases.models import Case, CaseAccess
from tracker.db import UTCDateTime
from tracker.organisations.models import Organisation

#: the case columns the access rows depend on
TRACKED = ("organiser_id", "supervisor_id", "state", "due_at")
#: ids per statement (SQLite binds at most a few thousand parameters per statement)
CHUNK = 500
_access = CaseAccess.__table__
_case = Case.__table__
_org = Organisation.__table__
#: what the rows of a case are made from, in the order :func:`access_rows` takes them
_CASE_COLUMNS = (_case.c.id, _case.c.organiser_id, _case.c.supervisor_id, _case.c.state, _case.c.due_at)


def path_prefixes(path: str) -> list[str]:
    """The paths of ``path``'s ancestors and itself: ``/44/4401/`` gives ``/``, ``/44/`` and
    ``/44/4401/``."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "".join(code + "/" for code in codes[:n]) for n in range(len(codes) + 1)]


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def ancestor_map(connection, org_ids: Iterable[int], known: dict[int, str] | None = None) -> dict[int, list[int]]:
    """org id -> the ids of the organisations that see its cases (its ancestors and itself).

    ``known`` gives the paths of some of them (organisations the caller has loaded already)."""
    wanted = sorted({i for i in org_ids if i is not None})
    paths: dict[int, str] = {i: known[i] for i in wanted if known and i in known}
    for chunk in _chunks([i for i in wanted if i not in paths]):
        paths.update(connection.execute(sa.select(_org.c.id, _org.c.path).where(_org.c.id.in_(chunk))).all())
    prefixes = sorted({p for path in paths.values() for p in path_prefixes(path)})
    by_path: dict[str, int] = {}
    for chunk in _chunks(prefixes):
        by_path.update(connection.execute(sa.select(_org.c.path, _org.c.id).where(_org.c.path.in_(chunk))).all())
    return {org_id: [by_path[p] for p in path_prefixes(path) if p in by_path] for org_id, path in paths.items()}


def access_rows(ancestors: dict[int, list[int]], case_id: int, organiser_id: int | None, supervisor_id: int | None,
                state: str, due_at) -> list[dict]:
    """The access rows of one case."""
    seeing = dict.fromkeys([*ancestors.get(organiser_id, ()), *ancestors.get(supervisor_id, ())])
    return [{"org_id": org_id, "case_id": case_id, "state": state, "due_at": due_at, "organiser_id": organiser_id}
            for org_id in seeing]


def _write(connection, cases: list[tuple], *, replace: bool, known: dict[int, str] | None = None) -> None:
    """Write the rows of ``cases`` (id, organiser_id, supervisor_id, state, due_at)."""
    if replace:
        for chunk in _chunks([c[0] for c in cases]):
            connection.execute(_access.delete().where(_access.c.case_id.in_(chunk)))
    org_ids = [c[1] for c in cases] + [c[2] for c in cases]
    if len(cases) == 1 and known is not None and all(i in known for i in org_ids if i is not None):
        _insert_one(connection, cases[0], [known[i] for i in org_ids if i is not None])
        return
    ancestors = ancestor_map(connection, org_ids, known)
    rows = [row for case in cases for row in access_rows(ancestors, *case)]
    if rows:
        connection.execute(_access.insert(), rows)


def _insert_one(connection, case: tuple, paths: list[str]) -> None:
    """The rows of one case whose organisations' paths are known: one INSERT ... SELECT of the
    organisations at those paths' prefixes (the rows :func:`access_rows` gives)."""
    case_id, organiser_id, _supervisor_id, state, due_at = case
    prefixes = sorted({p for path in paths for p in path_prefixes(path)})
    if not prefixes:
        return
    # typed parameters, not SQL casts: SQLite would read CAST(... AS DATETIME) as a number
    seeing = sa.select(_org.c.id, sa.literal(case_id, sa.Integer), sa.literal(state, _access.c.state.type),
                       sa.literal(due_at, UTCDateTime()), sa.literal(organiser_id, sa.Integer)
                       ).where(_org.c.path.in_(prefixes))
    connection.execute(_access.insert().from_select(["org_id", "case_id", "state", "due_at", "organiser_id"], seeing))


def refresh(connection, case_ids: Iterable[int]) -> None:
    """Rewrite the access rows of ``case_ids`` from their case rows (for writers that bypass the ORM)."""
    ids = sorted(set(case_ids))
    cases = []
    for chunk in _chunks(ids):
        cases.extend(tuple(row) for row in connection.execute(sa.select(*_CASE_COLUMNS).where(_case.c.id.in_(chunk))))
    if cases:
        _write(connection, cases, replace=True)


def rebuild(connection, batch: int = 20_000) -> int:
    """Recompute every access row; returns how many there are."""
    connection.execute(_access.delete())
    ancestors = ancestor_map(connection, connection.execute(sa.select(_org.c.id)).scalars().all())
    written, last = 0, 0
    while True:
        cases = connection.execute(sa.select(*_CASE_COLUMNS).where(_case.c.id > last).order_by(_case.c.id)
                                   .limit(batch)).all()
        if not cases:
            return written
        rows = [row for case in cases for row in access_rows(ancestors, *case)]
        _insert_many(connection, rows)
        written += len(rows)
        last = cases[-1][0]


def _insert_many(connection, rows: list[dict]) -> None:
    """Insert access rows; with COPY on PostgreSQL (a rebuild writes millions)."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(_access.insert(), rows)
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy("COPY case_access (org_id, case_id, state, due_at, organiser_id) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row["org_id"], row["case_id"], row["state"], row["due_at"], row["organiser_id"]))


def _changed(case: Case, names=TRACKED) -> bool:
    return any(attributes.get_history(case, name).has_changes() for name in names)


def _loaded_paths(session: Session, cases: list[Case]) -> dict[int, str]:
    """The paths of the cases' organisations that the session holds loaded (no statement)."""
    paths = {}
    for case in cases:
        for org_id in (case.organiser_id, case.supervisor_id):
            org = session.identity_map.get(identity_key(Organisation, org_id)) if org_id is not None else None
            if org is not None:
                path = sa.inspect(org).dict.get("path")
                if path is not None:
                    paths[org_id] = path
    return paths


@sa.event.listens_for(Session, "after_flush")
def _follow_flush(session: Session, _context) -> None:
    """Keep the access rows of the cases this flush wrote."""
    new = [c for c in session.new if isinstance(c, Case)]
    moved, touched = [], []
    for case in session.dirty:
        if isinstance(case, Case) and _changed(case):
            (moved if _changed(case, ("organiser_id", "supervisor_id")) else touched).append(case)
    if not (new or moved or touched):
        return
    connection = session.connection()
    for cases, replace in ((new, False), (moved, True)):
        if cases:
            _write(connection, [(c.id, c.organiser_id, c.supervisor_id, c.state, c.due_at) for c in cases],
                   replace=replace, known=_loaded_paths(session, cases))
    if touched:
        connection.execute(_access.update().where(_access.c.case_id == sa.bindparam("b_case_id"))
                           .values(state=sa.bindparam("b_state"), due_at=sa.bindparam("b_due_at", type_=UTCDateTime())),
                           [{"b_case_id": c.id, "b_state": c.state, "b_due_at": c.due_at} for c in touched])
