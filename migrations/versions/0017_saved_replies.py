"""saved replies: a department's or one person's ready-made words for the composer

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-07 06:00:00

Written by hand. Each row belongs to exactly one department (shared) or one staff member
(personal); deleting either deletes its replies.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(department_id IS NULL) <> (owner_id IS NULL)',
                           name='ck_saved_replies_one_owner'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.create_index('ix_saved_replies_department_id', ['department_id'])
        batch_op.create_index('ix_saved_replies_owner_id', ['owner_id'])


def downgrade():
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_replies_owner_id')
        batch_op.drop_index('ix_saved_replies_department_id')
    op.drop_table('saved_replies')
