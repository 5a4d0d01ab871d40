"""On SQLite the queue reads a page by walking the sort column's index and stopping after it,
instead of fetching every open case of the departments and sorting them all (issue #20)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests import factories


def test_the_queue_walks_the_last_update_index_on_sqlite(client, login, agent, category):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans this by itself (benchmarks/README.md)")
    for n in range(3):
        factories.case(cat=category, title=f"Brake noise {n}")
    db.session.commit()
    login(client, agent)
    sorted_reads: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if "ORDER BY cases.last_activity_at DESC" in statement:
            sorted_reads.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/admin/cases")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and "Brake noise 2" in page.text
    assert sorted_reads  # the page itself, and the ids of every matching case
    with db.engine.connect() as conn:
        for statement, parameters in sorted_reads:
            plan = " / ".join(row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            assert "ix_cases_activity_id" in plan and "TEMP B-TREE" not in plan, plan


def test_the_tab_counts_read_indexes_alone_on_sqlite(client, login, agent, category):
    """Every tab count, Stuck included, is answered from a covering index: no open case's
    row is read to count it (migration 0024)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans this by itself (benchmarks/README.md)")
    for n in range(3):
        factories.case(cat=category, title=f"Brake noise {n}")
    db.session.commit()
    login(client, agent)
    counts: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if statement.count("count(*)") == 5:
            counts.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/admin/cases")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and len(counts) == 1
    with db.engine.connect() as conn:
        reads = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + counts[0][0],
                                                        counts[0][1])
                 if " cases " in f"{row[3]} "]
    assert reads and all("COVERING INDEX" in read for read in reads), reads
