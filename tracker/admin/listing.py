"""Search and pages for the admin lists: ``?q=`` matches any of a few columns (a substring, with
``%`` and ``_`` taken literally), ``?page=N`` walks 50 rows at a time in a stable order."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from tracker.extensions import db
from tracker.web import page_number

PAGE_SIZE = 50
MAX_QUERY = 100


@dataclass
class Listing:
    rows: list
    number: int
    has_prev: bool
    has_next: bool
    q: str

    @property
    def args(self) -> dict:
        """The query arguments that keep the search while paging."""
        return {"q": self.q} if self.q else {}


def listing(statement, columns, order_by) -> Listing:
    """One page of ``statement``'s rows, filtered by the request's ``q`` over ``columns``."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    if q:
        statement = statement.where(sa.or_(*(column.contains(q, autoescape=True) for column in columns)))
    number = page_number(request.args)
    rows = list(db.session.exec(statement.order_by(*order_by).offset((number - 1) * PAGE_SIZE)
                                .limit(PAGE_SIZE + 1)).all())
    return Listing(rows=rows[:PAGE_SIZE], number=number, has_prev=number > 1, has_next=len(rows) > PAGE_SIZE, q=q)
