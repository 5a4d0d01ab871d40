"""organisations of customers and colleagues on a case (CC)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00

Written by hand. A customer belongs to at most one organisation; a case may be shared with
the requester's organisation and have colleagues on it.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organisations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('domains', sa.String(length=500), nullable=False),
        sa.Column('auto_join', sa.Boolean(), nullable=False),
        sa.Column('sharing', sa.Enum('private', 'all', 'shared', name='sharing',
                                     native_enum=False, length=16), nullable=False),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'organisation_members',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    with op.batch_alter_table('organisation_members', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_members_organisation_id', ['organisation_id'])
    op.create_table(
        'shared_cases',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('shared_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('case_id'),
    )
    op.create_table(
        'case_participants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'user_id'),
    )
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.create_index('ix_case_participants_case_id', ['case_id'])
        batch_op.create_index('ix_case_participants_user_id', ['user_id'])


def downgrade():
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_case_participants_user_id')
        batch_op.drop_index('ix_case_participants_case_id')
    op.drop_table('case_participants')
    op.drop_table('shared_cases')
    with op.batch_alter_table('organisation_members', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_members_organisation_id')
    op.drop_table('organisation_members')
    op.drop_table('organisations')
