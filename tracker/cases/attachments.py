"""Storing screenshots that :mod:`tracker.cases.images` has already cleaned."""
from __future__ import annotations

from sqlmodel import Session

from tracker.cases.images import CleanImage
from tracker.cases.models import Attachment, Case


def attach_screenshots(session: Session, case: Case, images: list[CleanImage]) -> list[Attachment]:
    """Add one Attachment row per image to ``case`` (flushed; the caller commits)."""
    rows = [Attachment(case_id=case.id, filename=image.filename, content_type=image.content_type,
                       width=image.width, height=image.height, data=image.data) for image in images]
    session.add_all(rows)
    session.flush()
    return rows
