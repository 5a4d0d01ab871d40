"""customers without an email address: a caller who gave only a phone number

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 06:00:00

Written by hand. Staff open cases for people who phone, visit or write a letter; some give no
email address. The unique index stays: several NULLs do not clash (SQLite and PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)


def downgrade():
    # A customer without an address gets one nobody can receive mail at (RFC 2606 .invalid).
    op.execute("UPDATE users SET email = 'no-email-' || id || '@caseloop.invalid' "
               "WHERE email IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
