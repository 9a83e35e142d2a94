"""page checks: what fetching a case's reported page gave, one row per attempt

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:00:00
"""
from alembic import op
import sqlalchemy as sa

from tracker.db import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('checked_at', UTCDateTime(), nullable=False),
        sa.Column('final_url', sa.String(length=2000), nullable=True),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('status_text', sa.String(length=100), nullable=True),
        sa.Column('error', sa.String(length=32), nullable=True),
        sa.Column('error_detail', sa.String(length=300), nullable=True),
        sa.Column('elapsed_ms', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=True),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('truncated', sa.Boolean(), nullable=False),
        sa.Column('text_hash', sa.String(length=64), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('redirects', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_report.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_page_check_case', 'page_check', ['case_id', 'id'], unique=False)
    op.create_index('ix_page_check_host', 'page_check', ['host', 'checked_at'], unique=False)


def downgrade():
    op.drop_index('ix_page_check_host', table_name='page_check')
    op.drop_index('ix_page_check_case', table_name='page_check')
    op.drop_table('page_check')
