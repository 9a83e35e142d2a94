"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 14:48:46.942751
"""
from alembic import op
import sqlalchemy as sa
import tracker.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# the national platform's error types (problem_id); 5 is seen in its data but not offered
NATIONAL_CATEGORIES = [
    (0, "内容无法访问", "Content cannot be accessed"),
    (1, "信息不更新", "Information not updated"),
    (2, "内容不准确", "Inaccurate content"),
    (3, "咨询留言不回复", "Enquiries not answered"),
    (4, "错别字", "Typographical error"),
    (10, "办事服务不好用", "Online service does not work"),
    (6, "其他", "Other"),
    (5, "其他（平台码5）", "Other (platform code 5)"),
]


def upgrade() -> None:
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('loaded_at', tracker.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('category',
    sa.Column('code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('supervisor', 'organiser')", name='ck_organisation_kind'),
    sa.ForeignKeyConstraint(['parent_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_organisation_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_path'), ['path'], unique=False)

    op.create_table('role_policy',
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('totp_required', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('organiser', 'supervisor', 'admin')", name='ck_role_policy_role'),
    sa.PrimaryKeyConstraint('role')
    )
    op.create_table('tracking_sequence',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name='ck_calendar_day_kind'),
    sa.ForeignKeyConstraint(['year'], ['calendar_year.year'], ),
    sa.PrimaryKeyConstraint('day')
    )
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_day_year'), ['year'], unique=False)

    op.create_table('canned_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('canned_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_answer_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_canned_answer_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('is_running', sa.Boolean(), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_site_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', tracker.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("role = 'admin' OR organisation_id IS NOT NULL", name='ck_user_org'),
    sa.CheckConstraint("role IN ('organiser', 'supervisor', 'admin')", name='ck_user_role'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', tracker.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('case_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=32), nullable=False),
    sa.Column('query_code_hash', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('site_code_given', sa.String(length=32), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.Integer(), nullable=False),
    sa.Column('page_url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('not_taken_up_reason', sa.String(length=1000), nullable=True),
    sa.Column('received_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('due_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('due_is_provisional', sa.Boolean(), nullable=False),
    sa.Column('triage_due_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('assigned_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('answered_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('closed_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('reopened_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('sent_back_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('sweep_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('overdue_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('feedback', sa.String(length=16), nullable=True),
    sa.Column('feedback_comment', sa.String(length=1000), nullable=True),
    sa.Column('feedback_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('updated_at', tracker.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("feedback IS NULL OR feedback IN ('satisfied', 'unsatisfied')", name='ck_case_feedback'),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('fixed', 'explained', 'duplicate', 'out_of_scope', 'not_gov_site', 'insufficient_info')", name='ck_case_outcome'),
    sa.CheckConstraint("state <> 'closed' OR closed_at IS NOT NULL", name='ck_case_closed_at'),
    sa.CheckConstraint("state <> 'closed' OR outcome IS NOT NULL", name='ck_case_closed_outcome'),
    sa.CheckConstraint("state IN ('received', 'triage', 'assigned', 'in_progress', 'in_review', 'closed')", name='ck_case_state'),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], ),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('case_report', schema=None) as batch_op:
        batch_op.create_index('ix_case_organiser_due', ['organiser_id', 'due_at'], unique=False)
        batch_op.create_index('ix_case_organiser_state_due', ['organiser_id', 'state', 'due_at'], unique=False)
        batch_op.create_index('ix_case_page_url_state', ['page_url', 'state'], unique=False)
        batch_op.create_index('ix_case_received', ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_report_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_report_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_report_sweep_at'), ['sweep_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_report_tracking_number'), ['tracking_number'], unique=True)
        batch_op.create_index('ix_case_supervisor_state', ['supervisor_id', 'state'], unique=False)

    op.create_table('site_host',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('path_prefix', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'host', 'path_prefix', name='uq_site_host')
    )
    with op.batch_alter_table('site_host', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_host_host'), ['host'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_host_site_id'), ['site_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_report.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=100), nullable=False),
    sa.Column('state_before', sa.String(length=16), nullable=True),
    sa.Column('state_after', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('data', tracker.db.JSONType, nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['case_report.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_case', ['case_id', 'id'], unique=False)

    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('workdays', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=1000), nullable=True),
    sa.Column('due_before', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('due_after', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', tracker.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'approved', 'denied')", name='ck_extension_state'),
    sa.CheckConstraint('workdays BETWEEN 1 AND 30', name='ck_extension_workdays'),
    sa.ForeignKeyConstraint(['case_id'], ['case_report.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_request_state'), ['state'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('payload', tracker.db.JSONType, nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('sent_at', tracker.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_report.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_pending', ['sent_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_topic'), ['topic'], unique=False)

    op.create_table('sent_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('sent_at', tracker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id', 'recipient', name='uq_sent_message')
    )
    with op.batch_alter_table('sent_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_message_outbox_id'), ['outbox_id'], unique=False)
    category = sa.table(
        "category",
        sa.column("code", sa.Integer), sa.column("name_zh", sa.String), sa.column("name_en", sa.String),
        sa.column("is_active", sa.Boolean), sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(category, [
        {"code": code, "name_zh": zh, "name_en": en, "is_active": code != 5, "sort_order": order}
        for order, (code, zh, en) in enumerate(NATIONAL_CATEGORIES)
    ])


def downgrade() -> None:
    with op.batch_alter_table('sent_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_message_outbox_id'))

    op.drop_table('sent_message')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_topic'))
        batch_op.drop_index('ix_outbox_pending')
        batch_op.drop_index(batch_op.f('ix_outbox_case_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_request_state'))
        batch_op.drop_index(batch_op.f('ix_extension_request_case_id'))

    op.drop_table('extension_request')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_case')

    op.drop_table('case_event')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_case_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('site_host', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_host_site_id'))
        batch_op.drop_index(batch_op.f('ix_site_host_host'))

    op.drop_table('site_host')
    with op.batch_alter_table('case_report', schema=None) as batch_op:
        batch_op.drop_index('ix_case_supervisor_state')
        batch_op.drop_index(batch_op.f('ix_case_report_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_case_report_sweep_at'))
        batch_op.drop_index(batch_op.f('ix_case_report_site_id'))
        batch_op.drop_index(batch_op.f('ix_case_report_category_code'))
        batch_op.drop_index('ix_case_received')
        batch_op.drop_index('ix_case_page_url_state')
        batch_op.drop_index('ix_case_organiser_state_due')
        batch_op.drop_index('ix_case_organiser_due')

    op.drop_table('case_report')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_token_hash'))

    op.drop_table('api_token')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_email'))

    op.drop_table('user_account')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_site_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_site_code'))

    op.drop_table('site')
    with op.batch_alter_table('canned_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_answer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_canned_answer_category_code'))

    op.drop_table('canned_answer')
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_day_year'))

    op.drop_table('calendar_day')
    op.drop_table('tracking_sequence')
    op.drop_table('role_policy')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_path'))
        batch_op.drop_index(batch_op.f('ix_organisation_parent_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_code'))

    op.drop_table('organisation')
    op.drop_table('category')
    op.drop_table('calendar_year')
