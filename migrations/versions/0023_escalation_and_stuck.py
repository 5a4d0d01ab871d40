"""customer escalations, and what makes a case stuck

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 09:00:00

Written by hand. `customer_escalations`: one row per "This is taking too long", unique per
case and business day. `departments.stuck_after_days`: quiet business days before a case is
stuck (3). `cases.moves_since_resolution`: handoffs and status changes since the last
resolution; open cases start from their status changes so far (handoffs before this
revision are not counted).
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'customer_escalations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('promise_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=1000), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['manager_id'], ['users.id']),
        sa.ForeignKeyConstraint(['promise_id'], ['promises.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'business_day'),
    )
    with op.batch_alter_table('customer_escalations', schema=None) as batch_op:
        batch_op.create_index('ix_customer_escalations_case_id', ['case_id'])
        batch_op.create_index('ix_customer_escalations_manager_id', ['manager_id'])
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stuck_after_days', sa.Integer(), nullable=False,
                                      server_default='3'))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moves_since_resolution', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(
        "UPDATE cases SET moves_since_resolution = (SELECT count(*) FROM case_events e "
        "WHERE e.case_id = cases.id AND e.kind = 'status_change') "
        "WHERE status NOT IN ('resolved', 'closed')")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('moves_since_resolution')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('stuck_after_days')
    with op.batch_alter_table('customer_escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_escalations_manager_id')
        batch_op.drop_index('ix_customer_escalations_case_id')
    op.drop_table('customer_escalations')
