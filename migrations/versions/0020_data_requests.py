"""data requests: a customer's download of their data, and the erasure of their account

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:00:00

Written by hand. One row per request; the background job claims rows with a lease, as the
mail worker does. The archive itself is a file under EXPORT_DIR, not in the database.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('done_count', sa.Integer(), nullable=False),
        sa.Column('total_count', sa.Integer(), nullable=False),
        sa.Column('file_key', sa.String(length=64), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('claimed_by', sa.String(length=64), nullable=True),
        sa.Column('lease_until', portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.create_index('ix_data_requests_customer_id', ['customer_id'])
        batch_op.create_index('ix_data_requests_due', ['status', 'due_at'])


def downgrade():
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_data_requests_due')
        batch_op.drop_index('ix_data_requests_customer_id')
    op.drop_table('data_requests')
