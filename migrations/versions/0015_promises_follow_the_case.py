"""promises follow the case: a department can own a promise, and who settled it is kept

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 06:00:00

Written by hand. A promise passed to a department's queue on a handoff has no person
(`owner_id` NULL) and names the department (`owner_department_id`). `resolved_by_id` is who
marked it kept, broken or withdrawn (`closed_at` stays the time they did).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('owner_department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_promises_owner_department_id_departments'),
                                    'departments', ['owner_department_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_promises_resolved_by_id_users'), 'users',
                                    ['resolved_by_id'], ['id'])
        batch_op.create_index(op.f('ix_promises_owner_department_id'), ['owner_department_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_promises_owner_department_id'))
        batch_op.drop_constraint(op.f('fk_promises_resolved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_promises_owner_department_id_departments'),
                                 type_='foreignkey')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('owner_department_id')
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
