"""answer lint: the rules' switches and parameters

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:00:00

- ``lint_rule``: one row per rule of :mod:`tracker.cases.lint`, which admins switch on and off
  (``/admin/lint``); ``params`` holds a rule's settings, such as the shortest acceptable answer.
  Seeded with every rule on.
"""
from alembic import op
import sqlalchemy as sa

import tracker.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RULES = [
    ('too_short', {'min_length': 15}),
    ('courtesy_only', {}),
    ('fixed_without_action', {}),
    ('explained_without_reason', {}),
    ('personal_data', {}),
    ('contradicts_probe', {}),
]


def upgrade():
    table = op.create_table(
        'lint_rule',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('params', tracker.db.JSONType, nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.bulk_insert(table, [{'code': code, 'enabled': True, 'params': params} for code, params in RULES])


def downgrade():
    op.drop_table('lint_rule')
