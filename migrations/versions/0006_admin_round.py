"""people come and go: organisations can be deactivated; one-time password links

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:00:00

- ``organisation.is_active``: an inactive organisation keeps its cases and history, but is offered
  for no new site or account. Every existing organisation is active.
- ``password_reset``: one-time links to set a new password (forgotten, or reset by an admin); only
  the SHA-256 of each token is kept, with its expiry and the moment it was used.
"""
from alembic import op
import sqlalchemy as sa

from tracker.db import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'password_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_password_reset_user_id', 'password_reset', ['user_id'], unique=False)
    op.create_index('ix_password_reset_token_hash', 'password_reset', ['token_hash'], unique=True)


def downgrade():
    op.drop_index('ix_password_reset_token_hash', table_name='password_reset')
    op.drop_index('ix_password_reset_user_id', table_name='password_reset')
    op.drop_table('password_reset')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('is_active')
