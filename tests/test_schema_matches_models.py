"""The typed models and the schema the migrations build describe the same database.

Runs on whichever database the suite runs on (SQLite by default, PostgreSQL with
DATABASE_URL), so both backends are checked; the `app` fixture has run every migration.
"""

from __future__ import annotations

import re
import warnings
from pprint import pformat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, text

from portal.extensions import db


def _built_on_this_dialect(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the models' indexes that `ddl_if` keeps off this backend.

    Noise: the trigram indexes (portal/models/base.py:trigram_index) exist on PostgreSQL
    only, and both the models (`ddl_if(dialect="postgresql")`) and migration 0009 say so;
    Alembic's compare ignores `ddl_if` and would ask for them on SQLite as well.
    """
    condition = getattr(obj, "_ddl_if", None) if type_ == "index" and not reflected else None
    return condition is None or condition.dialect in (None, db.engine.dialect.name)


def _empty_string_on_sqlite(context, inspected_column, metadata_column, inspected_default,
                            metadata_default, rendered_metadata_default) -> bool | None:
    """Compare an empty-string server default on SQLite; defer to Alembic for the rest.

    Noise: SQLite reports `server_default=""` as "('')", and Alembic's SQLite comparison
    strips quotes only around a non-empty string, so it sees "''" against "" and calls
    every empty-string default different although the database holds exactly ''.
    """
    if context.dialect.name != "sqlite" or getattr(metadata_default, "arg", None) != "":
        return None
    return re.sub(r"^\((.*)\)$", r"\1", inspected_default or "") != "''"


def schema_differences(metadata: MetaData = db.metadata) -> list:
    """What Alembic's autogenerate would change to make the database match `metadata`."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; the one there is (the articles' full-text
        # index) is PostgreSQL-only (`ddl_if`) and compared on PostgreSQL runs.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified "
                                "expression-based index", UserWarning)
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "compare_server_default": _empty_string_on_sqlite,
            "include_object": _built_on_this_dialect,
        })
        return compare_metadata(context, metadata)


def test_models_match_the_migrated_schema(app):
    differences = schema_differences()
    assert differences == [], ("the models and the migrated schema disagree; add a "
                               "migration or correct the model:\n" + pformat(differences))


def test_the_comparison_sees_tables_and_types_that_differ(app):
    """A table only in the database and a column of another length are both reported."""
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_probe (id INTEGER PRIMARY KEY, "
                          "label VARCHAR(20))"))
    probe = MetaData()
    Table("schema_probe", probe, Column("id", Integer, primary_key=True),
          Column("label", String(40)))
    try:
        against_models, against_probe = schema_differences(), schema_differences(probe)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE schema_probe"))
    assert [(d[0], d[1].name) for d in against_models] == [("remove_table", "schema_probe")]
    retyped = [d for group in against_probe if isinstance(group, list) for d in group
               if d[0] == "modify_type"]
    assert [(d[2], d[3], d[-1].length) for d in retyped] == [("schema_probe", "label", 40)]
