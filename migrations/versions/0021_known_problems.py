"""known problems: public updates that reach every linked case, and followers

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 09:00:00

Written by hand. problem_deliveries' unique (update_id, case_id) is what makes a retried
fan-out write each case's timeline line once.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _at(name, nullable=False):
    return sa.Column(name, portal.models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        'known_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('public_text', sa.Text(), nullable=False),
        sa.Column('outside_reference', sa.String(length=120), nullable=True),
        sa.Column('status', sa.Enum('investigating', 'identified', 'fixing', 'resolved',
                                    name='problemstatus', native_enum=False, length=32),
                  nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        _at('created_at'), _at('updated_at'), _at('resolved_at', True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_known_problems_outside_reference', 'known_problems',
                    ['outside_reference'])
    op.create_table(
        'problem_categories',
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['problem_id'], ['known_problems.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('problem_id', 'category_id'),
    )
    op.create_table(
        'problem_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('how', sa.String(length=16), nullable=False),
        _at('created_at'),
        sa.ForeignKeyConstraint(['problem_id'], ['known_problems.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('problem_id', 'case_id'),
    )
    op.create_index('ix_problem_cases_case_id', 'problem_cases', ['case_id'])
    op.create_table(
        'problem_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        _at('created_at'),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('delivered', sa.Integer(), nullable=False),
        _at('followers_told_at', True), _at('finished_at', True),
        sa.ForeignKeyConstraint(['problem_id'], ['known_problems.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_problem_updates_problem_id', 'problem_updates', ['problem_id'])
    op.create_table(
        'problem_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('update_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        _at('created_at'),
        sa.ForeignKeyConstraint(['update_id'], ['problem_updates.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('update_id', 'case_id'),
    )
    op.create_table(
        'problem_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        _at('created_at'),
        sa.ForeignKeyConstraint(['problem_id'], ['known_problems.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('problem_id', 'user_id'),
    )
    op.create_index('ix_problem_followers_user_id', 'problem_followers', ['user_id'])


def downgrade():
    op.drop_index('ix_problem_followers_user_id', table_name='problem_followers')
    op.drop_table('problem_followers')
    op.drop_table('problem_deliveries')
    op.drop_index('ix_problem_updates_problem_id', table_name='problem_updates')
    op.drop_table('problem_updates')
    op.drop_index('ix_problem_cases_case_id', table_name='problem_cases')
    op.drop_table('problem_cases')
    op.drop_table('problem_categories')
    op.drop_index('ix_known_problems_outside_reference', table_name='known_problems')
    op.drop_table('known_problems')
