"""the organiser's own lists: the cases it returned, the answers sent back to it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:30:00

- ``ix_case_event_actor``: an organisation's "cases I returned" list walks the return events of
  its own users, newest first, instead of the whole history.
- ``ix_case_sent_back``: the organiser's 被驳回 queue (in progress, sent back in review), counted
  on its tab, as a partial index of the few cases it holds.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SENT_BACK = sa.text("state = 'in_progress' AND sent_back_at IS NOT NULL")


def upgrade():
    op.create_index('ix_case_event_actor', 'case_event', ['actor_user_id', 'action', 'id'], unique=False)
    op.create_index('ix_case_sent_back', 'case_report', ['organiser_id', 'due_at'], unique=False,
                    postgresql_where=SENT_BACK, sqlite_where=SENT_BACK)


def downgrade():
    op.drop_index('ix_case_sent_back', table_name='case_report')
    op.drop_index('ix_case_event_actor', table_name='case_event')
