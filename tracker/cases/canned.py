"""Canned answers (常用答复): shared ones (no organisation) kept by admins, and an organisation's
own, kept by its staff. Writes flush; the caller commits."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from tracker.cases.models import CannedAnswer, Category
from tracker.errors import InvalidInput, NotFound


def create_canned_answer(session: Session, *, title: str, body: str, category_code: int | None,
                         organisation_id: int | None = None) -> CannedAnswer:
    """A canned answer for one category (``None``: every category), shared or one organisation's."""
    if not title.strip() or not body.strip():
        raise InvalidInput(_l("请填写标题和内容。"), fields={"body": ["required"]})
    if category_code is not None and session.get(Category, category_code) is None:
        raise InvalidInput(_l("问题类型不存在。"), fields={"category": ["?"]})
    answer = CannedAnswer(title=title.strip()[:100], body=body.strip(), category_code=category_code,
                          organisation_id=organisation_id)
    session.add(answer)
    session.flush()
    return answer


def delete_own_canned_answer(session: Session, *, answer_id: int, organisation_id: int) -> None:
    """Remove one of ``organisation_id``'s own canned answers; any other (shared, or another
    organisation's) is not found."""
    answer = session.get(CannedAnswer, answer_id)
    if answer is None or answer.organisation_id is None or answer.organisation_id != organisation_id:
        raise NotFound(_l("常用答复不存在。"))
    session.delete(answer)
    session.flush()
