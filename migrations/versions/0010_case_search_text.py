"""a search document per case: staff search reads one row per case, not every message

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:10:00

Written by hand. `cases.search_text` holds the title, the outside references and every
message of the case (services/case_search.py appends to it). It is filled here from what
is already stored; on PostgreSQL it gets the trigram index the messages had, built
CONCURRENTLY, and the messages' own trigram index (only search used it, and every new
message paid for it) is dropped.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FILL_POSTGRESQL = r"""
WITH messages AS (
    SELECT case_id, string_agg(body, E'\n' ORDER BY id) AS text
    FROM case_events WHERE body <> '' GROUP BY case_id),
refs AS (
    SELECT case_id, string_agg(system || ' ' || value, E'\n' ORDER BY id) AS text
    FROM case_references GROUP BY case_id)
UPDATE cases SET search_text = concat_ws(E'\n', c.title, refs.text, messages.text)
FROM cases c LEFT JOIN messages ON messages.case_id = c.id LEFT JOIN refs ON refs.case_id = c.id
WHERE c.id = cases.id
"""
FILL_SQLITE = """
UPDATE cases SET search_text = title
    || coalesce((SELECT char(10) || group_concat(system || ' ' || value, char(10))
                 FROM case_references WHERE case_id = cases.id), '')
    || coalesce((SELECT char(10) || group_concat(body, char(10))
                 FROM case_events WHERE case_id = cases.id AND body <> ''), '')
"""


def _postgresql():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    op.add_column('cases', sa.Column('search_text', sa.Text(), nullable=False,
                                     server_default=''))
    op.execute(FILL_POSTGRESQL if _postgresql() else FILL_SQLITE)
    if not _postgresql():
        return
    with op.get_context().autocommit_block():
        op.create_index('ix_cases_search_text_trgm', 'cases', ['search_text'],
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
                        postgresql_concurrently=True, if_not_exists=True)
        op.drop_index('ix_case_events_body_trgm', table_name='case_events',
                      postgresql_concurrently=True, if_exists=True)


def downgrade():
    if _postgresql():
        op.create_index('ix_case_events_body_trgm', 'case_events', ['body'],
                        postgresql_using='gin', postgresql_ops={'body': 'gin_trgm_ops'})
        op.drop_index('ix_cases_search_text_trgm', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('search_text')
