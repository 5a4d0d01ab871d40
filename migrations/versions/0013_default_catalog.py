"""a fresh install can take cases: one department and one category when there are none

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:20:00

Written by hand. A database with no department at all (a new install) gets "Customer
Support" and its category "General question", so the first customer can open a case before
anyone has visited Settings. Staff rename or replace them there. A database that already has
departments (an upgrade, or demo data) is left as it is.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

DEPARTMENT = "Customer Support"
CATEGORY = "General question"

departments = sa.table("departments", sa.column("id", sa.Integer), sa.column("name", sa.String))
categories = sa.table("categories", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("department_id", sa.Integer), sa.column("active", sa.Boolean))


def upgrade():
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(departments)).scalar():
        return
    bind.execute(departments.insert().values(name=DEPARTMENT))
    department_id = bind.execute(
        sa.select(departments.c.id).where(departments.c.name == DEPARTMENT)).scalar_one()
    bind.execute(categories.insert().values(name=CATEGORY, department_id=department_id,
                                            active=True))


def downgrade():
    # The pair may hold cases by now, and older revisions work with it: it stays.
    pass
