"""published reports: frozen snapshots of the SLA report

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:00:00

- ``published_report``: a report as published (通报): its window, scope and as-of moment, every
  figure (the report's own JSON), the sentence, the calendar version, the counting rules' version,
  who published it and when.
- ``published_case_list``: the ids of the cases behind each figure of each row.

Both are immutable: triggers refuse UPDATE and DELETE, on PostgreSQL (a function raising) and on
SQLite (RAISE(ABORT)).
"""
from alembic import op
import sqlalchemy as sa

import tracker.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('published_report', 'published_case_list')
MESSAGE = 'published reports are immutable'


def upgrade():
    op.create_table(
        'published_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('date_from', sa.Date(), nullable=False),
        sa.Column('date_to', sa.Date(), nullable=False),
        sa.Column('scope_id', sa.Integer(), nullable=False),
        sa.Column('scope_code', sa.String(length=40), nullable=False),
        sa.Column('scope_name', sa.String(length=200), nullable=False),
        sa.Column('by', sa.String(length=16), nullable=False),
        sa.Column('as_of', tracker.db.UTCDateTime(), nullable=False),
        sa.Column('as_of_rule', sa.String(length=8), nullable=False),
        sa.Column('figures', tracker.db.JSONType, nullable=False),
        sa.Column('sentence', sa.Text(), nullable=False),
        sa.Column('calendar_version', tracker.db.JSONType, nullable=False),
        sa.Column('rules_version', sa.String(length=40), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_by', sa.String(length=200), nullable=False),
        sa.Column('published_at', tracker.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("as_of_rule IN ('now', 'fixed')", name='ck_published_report_as_of_rule'),
        sa.ForeignKeyConstraint(['scope_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_report_scope_id', 'published_report', ['scope_id'])
    op.create_index('ix_published_report_published_at', 'published_report', ['published_at'])
    op.create_table(
        'published_case_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('row_key', sa.String(length=40), nullable=False),
        sa.Column('bucket', sa.String(length=40), nullable=False),
        sa.Column('case_ids', tracker.db.JSONType, nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['published_report.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('report_id', 'row_key', 'bucket', name='uq_published_case_list'),
    )
    op.create_index('ix_published_case_list_report_id', 'published_case_list', ['report_id'])

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION published_report_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION published_report_immutable()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION published_report_immutable()")
    elif op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            for verb in ('UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    # dropping the tables drops their triggers
    op.drop_index('ix_published_case_list_report_id', table_name='published_case_list')
    op.drop_table('published_case_list')
    op.drop_index('ix_published_report_published_at', table_name='published_report')
    op.drop_index('ix_published_report_scope_id', table_name='published_report')
    op.drop_table('published_report')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION published_report_immutable()")
