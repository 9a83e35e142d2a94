"""reads that follow their own work: supervisors' access rows, the published order, reopens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-14 10:00:00

- ``case_access``: one row per organisation that sees a case as a supervisor (the ancestors of its
  organiser and of its responsible supervisor, up to the national root), with the case's state,
  due time and organiser, so that a supervisor's queue is one ordered index walk. Filled here from the
  existing cases; kept in step by the application from then on (``tracker.cases.access``).
- ``ix_case_unsatisfied``: the closed cases rated unsatisfied, newest rating first.
- ``ix_case_reopened``: the report finds the few cases reopened after its as-of moment.
- ``ix_case_published*``: the public answers, newest first, overall, by category and by site, as
  partial indexes of the closed cases.
"""
from alembic import op
import sqlalchemy as sa

from tracker.db import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CLOSED = sa.text("state = 'closed'")
UNSATISFIED = sa.text("state = 'closed' AND feedback = 'unsatisfied'")


def upgrade():
    op.create_table(
        'case_access',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_report.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('org_id', 'case_id'),
    )
    op.create_index('ix_case_access_case_id', 'case_access', ['case_id'], unique=False)
    op.create_index('ix_case_access_queue', 'case_access', ['org_id', 'state', 'due_at', 'case_id'], unique=False)
    op.create_index('ix_case_access_load', 'case_access', ['org_id', 'state', 'organiser_id', 'due_at'], unique=False)
    op.create_index('ix_case_unsatisfied', 'case_report', ['feedback_at'], unique=False,
                    postgresql_where=UNSATISFIED, sqlite_where=UNSATISFIED)
    op.create_index('ix_case_reopened', 'case_report', ['reopened_at'], unique=False)
    op.create_index('ix_case_published', 'case_report', ['closed_at', 'id'], unique=False,
                    postgresql_where=CLOSED, sqlite_where=CLOSED)
    op.create_index('ix_case_published_category', 'case_report', ['category_code', 'closed_at', 'id'],
                    unique=False, postgresql_where=CLOSED, sqlite_where=CLOSED)
    op.create_index('ix_case_published_site', 'case_report', ['site_id', 'closed_at', 'id'], unique=False,
                    postgresql_where=CLOSED, sqlite_where=CLOSED)

    from tracker.cases.access import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_index('ix_case_published_site', table_name='case_report')
    op.drop_index('ix_case_published_category', table_name='case_report')
    op.drop_index('ix_case_published', table_name='case_report')
    op.drop_index('ix_case_reopened', table_name='case_report')
    op.drop_index('ix_case_unsatisfied', table_name='case_report')
    op.drop_index('ix_case_access_load', table_name='case_access')
    op.drop_index('ix_case_access_queue', table_name='case_access')
    op.drop_index('ix_case_access_case_id', table_name='case_access')
    op.drop_table('case_access')
