"""help articles: Markdown answers per category, their revisions, views, votes and suggestions

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 09:00:00

Written by hand. On PostgreSQL a GIN index over the weighted title and body serves the
full-text search (portal/models/articles.py: SEARCH_VECTOR); SQLite searches in Python.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

SEARCH_VECTOR = ("setweight(to_tsvector('english', title), 'A') || "
                 "setweight(to_tsvector('english', body), 'B')")


def _moment(name, nullable=False):
    return sa.Column(name, portal.models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        'articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=140), nullable=False),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        _moment('published_at', nullable=True),
        _moment('created_at'),
        _moment('updated_at'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_category_id', ['category_id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin (({SEARCH_VECTOR}))")
    op.create_table(
        'article_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('editor_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        _moment('created_at'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['editor_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'article_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        _moment('created_at'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'article_votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        _moment('created_at'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('article_id', 'customer_id'),
    )
    op.create_table(
        'article_suggestions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        _moment('created_at'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    for table, columns in (('article_revisions', ['article_id']),
                           ('article_views', ['article_id']),
                           ('article_votes', ['article_id']),
                           ('article_votes', ['customer_id']),
                           ('article_suggestions', ['article_id']),
                           ('article_suggestions', ['customer_id'])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_{columns[0]}', columns)


def downgrade():
    for table in ('article_suggestions', 'article_votes', 'article_views', 'article_revisions'):
        op.drop_table(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_category_id')
    op.drop_table('articles')
