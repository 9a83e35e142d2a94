"""the citizen's side: sites found by pinyin initials, screenshots held across a refused form

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 02:00:00

- ``site.name_initials``: the pinyin initials of each site's name, for the public site lookup;
  filled here for the existing sites, and by ``tracker.organisations.operations.new_site`` after.
- ``held_upload``: the screenshots of a refused report form, kept as sent for a short time under
  keyed hashes of a form token and of the browser session (``tracker.public.held``).
"""
from alembic import op
import sqlalchemy as sa

from tracker.db import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_initials', sa.String(length=300), server_default=sa.text("''"), nullable=False))
    from tracker.organisations.initials import name_initials
    connection = op.get_bind()
    site = sa.table('site', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                    sa.column('name_initials', sa.String()))
    rows = connection.execute(sa.select(site.c.id, site.c.name)).all()
    for start in range(0, len(rows), 1000):
        batch = [{'site_id': id_, 'initials': name_initials(name)} for id_, name in rows[start:start + 1000]]
        connection.execute(site.update().where(site.c.id == sa.bindparam('site_id'))
                           .values(name_initials=sa.bindparam('initials')), batch)
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
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('name_initials')
