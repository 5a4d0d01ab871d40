"""inbound mail remembers how its sender was verified: reply link, DMARC/DKIM, or From only

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:30:00

Written by hand. Mail received before this revision gets "" (not recorded): nobody checked
its sender then, and staff pages say so rather than guess.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_by', sa.String(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('verified_detail', sa.String(length=255), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_column('verified_detail')
        batch_op.drop_column('verified_by')
