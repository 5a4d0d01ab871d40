"""a language per user: emails go out in the language the customer's browser chose

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:00:00

Written by hand. `users.language` is the locale the customer's browser negotiated when they
last signed up or signed in ("de", "pt_BR"); NULL (staff, and customers who only ever wrote
in by email) means the site's default language.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
