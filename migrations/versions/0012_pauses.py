"""pauses (挂起) and the satisfaction figures

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:00:00

- ``case_pause``: one row per pause of a case's clock while the organiser waits for the citizen,
  with the rules in force when it started (its limit in working days, whether it needs a
  supervisor's approval), how it ended, and the working days it moved the due time by.
- ``case_report.paused_at`` / ``pause_ends_at``: the running pause (NULL: the clock runs), read by
  the deadline sweep; ``first_paused_at``: when the case was first paused (the report's 挂起
  count); ``redone_at``: the last reopen that followed an unsatisfied rating (the report's 重办).
"""
from alembic import op
import sqlalchemy as sa

import tracker.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CASE_COLUMNS = ('paused_at', 'pause_ends_at', 'first_paused_at', 'redone_at')


def upgrade():
    with op.batch_alter_table('case_report') as batch:
        for name in CASE_COLUMNS:
            batch.add_column(sa.Column(name, tracker.db.UTCDateTime(), nullable=True))
    op.create_table(
        'case_pause',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=1000), nullable=False),
        sa.Column('started_at', tracker.db.UTCDateTime(), nullable=False),
        sa.Column('limit_workdays', sa.Integer(), nullable=False),
        sa.Column('ends_at', tracker.db.UTCDateTime(), nullable=False),
        sa.Column('approval', sa.String(length=16), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', tracker.db.UTCDateTime(), nullable=True),
        sa.Column('decision_note', sa.String(length=1000), nullable=True),
        sa.Column('ended_at', tracker.db.UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.Column('reply', sa.String(length=1000), nullable=True),
        sa.Column('workdays', sa.Integer(), nullable=True),
        sa.Column('counted_at', tracker.db.UTCDateTime(), nullable=True),
        sa.Column('due_before', tracker.db.UTCDateTime(), nullable=True),
        sa.Column('due_after', tracker.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("approval IN ('not_needed', 'pending', 'approved', 'denied')",
                           name='ck_pause_approval'),
        sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('citizen', 'organiser', 'limit')",
                           name='ck_pause_end_reason'),
        sa.ForeignKeyConstraint(['case_id'], ['case_report.id']),
        sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_pause_case_id', 'case_pause', ['case_id'])


def downgrade():
    op.drop_index('ix_case_pause_case_id', table_name='case_pause')
    op.drop_table('case_pause')
    with op.batch_alter_table('case_report') as batch:
        for name in reversed(CASE_COLUMNS):
            batch.drop_column(name)
