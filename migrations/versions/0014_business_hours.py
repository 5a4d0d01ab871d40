"""departments have working hours, a time zone and dated closures

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00

Written by hand. Every existing department gets Monday to Friday 09:00-17:00 in the site's
zone (timezone NULL follows DEFAULT_TIMEZONE), the same default a new department gets; due
times of open cases are recomputed from it the next time they are read.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OFFICE_WEEK = "09:00-17:00,09:00-17:00,09:00-17:00,09:00-17:00,09:00-17:00,-,-"


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sa.String(length=120), nullable=False,
                                      server_default=OFFICE_WEEK))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    op.create_table(
        'department_closures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('department_id', 'day'),
    )
    op.create_index('ix_department_closures_department_id', 'department_closures',
                    ['department_id'])


def downgrade():
    op.drop_index('ix_department_closures_department_id', table_name='department_closures')
    op.drop_table('department_closures')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('timezone')
        batch_op.drop_column('opening_hours')
