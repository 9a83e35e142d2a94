"""The one scope rule: an organisation's subtree is every organisation whose materialised path
starts with its path. Every surface (lists, case pages, the API, the report) asks here.

Paths are ``/440000/440100/``; the national root's path is ``/``. The prefix match is escaped
(``autoescape``), so a code can never act as a LIKE pattern; codes are also refused at creation
when they contain ``%``, ``_``, ``\\`` or ``/`` (:data:`FORBIDDEN_CODE_CHARACTERS`).
"""
from __future__ import annotations

from sqlmodel import select

from tracker.organisations.models import Organisation

FORBIDDEN_CODE_CHARACTERS = frozenset("%_\\/")


def in_subtree(path_column, org: Organisation):
    """SQL: ``path_column`` (an organisation path) lies in ``org``'s subtree, ``org`` included."""
    return path_column.startswith(org.path, autoescape=True)


def subtree_ids(org: Organisation):
    """A subquery of the ids of ``org`` and everything below it."""
    return select(Organisation.id).where(in_subtree(Organisation.path, org))


def is_within(org: Organisation, ancestor: Organisation) -> bool:
    """True when ``org`` is ``ancestor`` or lies in its subtree."""
    return org.path.startswith(ancestor.path)
