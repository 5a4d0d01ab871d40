"""notifications the customer controls: per-case follow/mute, email or portal only, and the
one-click List-Unsubscribe address of each outgoing customer email

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00

Written by hand. Everyone keeps getting email about their cases (following every case) until
they choose otherwise.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updates_by_email', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_unsubscribe', sa.String(length=1000), nullable=True))
    op.create_table(
        'case_notification_choices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('following', sa.Boolean(), nullable=False),
        sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_case_notification_choices_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_case_notification_choices_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notification_choices')),
        sa.UniqueConstraint('user_id', 'case_id', name='uq_case_notification_choices_user_case'),
    )
    with op.batch_alter_table('case_notification_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notification_choices_user_id'), ['user_id'])
        batch_op.create_index(batch_op.f('ix_case_notification_choices_case_id'), ['case_id'])


def downgrade():
    # The choices are dropped: everyone is emailed about every case again.
    with op.batch_alter_table('case_notification_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notification_choices_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_notification_choices_user_id'))
    op.drop_table('case_notification_choices')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('list_unsubscribe')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('updates_by_email')
