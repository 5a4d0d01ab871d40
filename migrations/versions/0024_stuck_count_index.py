"""an index covering the staff queue's Stuck count

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:40:00

Written by hand. The Stuck tab's count (portal/services/stuck.py `condition_for`) tests
`moves_since_resolution`, `last_update_at` and `created_at` of every open case it may see:
with those columns after (department_id, status) it reads the index alone, as the other
tab counts do (ix_cases_department_status). Checked with EXPLAIN on SQLite 10k and
PostgreSQL 1M (benchmarks/README.md). On PostgreSQL it is built CONCURRENTLY, outside a
transaction, so upgrading a big live database does not block writes while it builds.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

NAME = 'ix_cases_department_status_stuck'
COLUMNS = ['department_id', 'status', 'moves_since_resolution', 'last_update_at',
           'created_at']


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.create_index(NAME, 'cases', COLUMNS)
        return
    with op.get_context().autocommit_block():
        op.create_index(NAME, 'cases', COLUMNS, postgresql_concurrently=True,
                        if_not_exists=True)


def downgrade():
    op.drop_index(NAME, table_name='cases')
