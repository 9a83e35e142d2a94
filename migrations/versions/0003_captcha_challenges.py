"""captcha challenges kept on the server

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 20:05:00
"""
from alembic import op
import sqlalchemy as sa
import tracker.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'captcha_challenge',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('answer_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', tracker.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('captcha_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_challenge_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('captcha_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_challenge_expires_at'))
    op.drop_table('captcha_challenge')
