"""one national root; the periods a case's clocks started with

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 20:30:00

- ``case_report.answer_workdays`` (the answer period in force at receipt) and ``reopen_workdays``
  (the period of the last reopen). Existing cases get 3, the period in force before this release
  could vary: an installation that ran with another ``TRACKER_ANSWER_WORKDAYS`` should update them.
- Organisations without a parent move under the national root (code 000000, path ``/``); their
  paths do not change, since the root's path is ``/``.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NATIONAL_ROOT_CODE = "000000"
NATIONAL_ROOT_NAME = "全国政府网站主管单位"


def upgrade():
    with op.batch_alter_table('case_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_workdays', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('reopen_workdays', sa.Integer(), nullable=True))
    op.execute("UPDATE case_report SET reopen_workdays = 3 WHERE reopened_at IS NOT NULL")

    bind = op.get_bind()
    organisation = sa.table(
        'organisation', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('name', sa.String),
        sa.column('kind', sa.String), sa.column('parent_id', sa.Integer), sa.column('path', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)))
    tops = bind.execute(sa.select(organisation.c.id).where(organisation.c.parent_id.is_(None),
                                                           organisation.c.path != '/')).all()
    if not tops:
        return
    root_id = bind.execute(sa.select(organisation.c.id).where(organisation.c.path == '/')).scalar()
    if root_id is None:
        now = datetime.now(timezone.utc)
        if bind.dialect.name == 'sqlite':
            now = now.replace(tzinfo=None)
        bind.execute(organisation.insert().values(code=NATIONAL_ROOT_CODE, name=NATIONAL_ROOT_NAME,
                                                  kind='supervisor', parent_id=None, path='/', created_at=now))
        root_id = bind.execute(sa.select(organisation.c.id).where(organisation.c.path == '/')).scalar_one()
    bind.execute(organisation.update().where(organisation.c.id.in_([row[0] for row in tops]))
                 .values(parent_id=root_id))


def downgrade():
    bind = op.get_bind()
    organisation = sa.table('organisation', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer),
                            sa.column('path', sa.String))
    root_id = bind.execute(sa.select(organisation.c.id).where(organisation.c.path == '/')).scalar()
    if root_id is not None:
        bind.execute(organisation.update().where(organisation.c.parent_id == root_id).values(parent_id=None))
    with op.batch_alter_table('case_report', schema=None) as batch_op:
        batch_op.drop_column('reopen_workdays')
        batch_op.drop_column('answer_workdays')
