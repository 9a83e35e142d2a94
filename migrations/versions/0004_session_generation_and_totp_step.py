"""sessions end on logout; a TOTP code works once

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:00:00

- ``user_account.session_generation``: each session records the generation it began with; logging
  out, a new password and a TOTP reset raise it, which ends every open session of the account.
  Existing accounts start at 0; sessions opened before this release carry no generation and are
  refused, so everybody logs in once more.
- ``user_account.totp_last_step``: the 30-second step of the last accepted TOTP code; a code of that
  step or an earlier one is refused. Empty until the next code is used.
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
        batch_op.drop_column('totp_last_step')
