"""indexes for scale: keyset sorts of the queue, timelines by time, trigram search on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 15:00:00

Written by hand. Checked with EXPLAIN on PostgreSQL with 1M cases and 10M events
(benchmarks/README.md). On PostgreSQL every index is built CONCURRENTLY, outside a
transaction, so upgrading a big live database does not block writes while they build.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# (name, table, columns): the queue's keyset pages walk (sort column, id) in order.
BTREE = [
    ('ix_cases_activity_id', 'cases', ['last_activity_at', 'id']),
    ('ix_cases_created_id', 'cases', ['created_at', 'id']),
    ('ix_cases_waiting_id', 'cases', ['waiting_since', 'id']),
    # Covers the queue's tab counts (open cases per department): read from the index alone.
    ('ix_cases_department_status', 'cases',
     ['department_id', 'status', 'assignee_id', 'waiting_since']),
    # The newest contacts of a customer across their cases (before-you-contact, history).
    ('ix_case_events_case_created', 'case_events', ['case_id', 'created_at', 'id']),
]
# (name, table, column): `icontains` search is ILIKE '%word%' on PostgreSQL.
TRIGRAM = [
    ('ix_cases_title_trgm', 'cases', 'title'),
    ('ix_case_events_body_trgm', 'case_events', 'body'),
    ('ix_users_name_trgm', 'users', 'name'),
    ('ix_users_email_trgm', 'users', 'email'),
    ('ix_case_references_value_trgm', 'case_references', 'value'),
]


def _postgresql():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    if not _postgresql():
        for name, table, columns in BTREE:
            op.create_index(name, table, columns)
        op.drop_index('ix_cases_waiting_since', table_name='cases')
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.get_context().autocommit_block():
        for name, table, columns in BTREE:
            op.create_index(name, table, columns, postgresql_concurrently=True,
                            if_not_exists=True)
        for name, table, column in TRIGRAM:
            op.create_index(name, table, [column], postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'},
                            postgresql_concurrently=True, if_not_exists=True)
        # (waiting_since, id) does everything the single-column index did.
        op.drop_index('ix_cases_waiting_since', table_name='cases',
                      postgresql_concurrently=True, if_exists=True)


def downgrade():
    op.create_index('ix_cases_waiting_since', 'cases', ['waiting_since'])
    if _postgresql():
        for name, table, _ in TRIGRAM:
            op.drop_index(name, table_name=table)
    for name, table, _ in BTREE:
        op.drop_index(name, table_name=table)
