"""the citizen's side: screenshots held across a refused report form

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:00:00

- ``held_upload``: the screenshots of a refused report form, kept as sent for a short time under
  keyed hashes of a form token and of the browser session (``tracker.public.held``).
"""
from alembic import op
import sqlalchemy as sa

from tracker.db import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'held_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('owner_hash', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('held_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_upload_token_hash'), ['token_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_upload_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('held_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_upload_expires_at'))
        batch_op.drop_index(batch_op.f('ix_held_upload_token_hash'))
    op.drop_table('held_upload')
