"""On SQLite the queue reads a page by walking the sort column's index and stopping after it,
instead of fetching every open case of the departments and sorting them all (issue #20)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests import factories


@pytest.fixture
def queue_statements(client, login, agent, category):
    """Load the queue as the agent with three cases; the statements `wanted` picks, run."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans this by itself (benchmarks/README.md)")
    for n in range(3):
        factories.case(cat=category, title=f"Brake noise {n}")
    db.session.commit()
    login(client, agent)

    def load(wanted: Callable[[str], bool], url: str = "/admin/cases",
             ) -> list[tuple[str, object]]:
        seen: list[tuple[str, object]] = []

        def record(_conn, _cursor, statement, parameters, *_args):
            if wanted(statement):
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            page = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert page.status_code == 200 and "Brake noise 2" in page.text
        return seen

    return load


def _plan(statement: str, parameters) -> list[str]:
    with db.engine.connect() as conn:
        return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                       parameters)]


def test_the_queue_walks_the_last_update_index_on_sqlite(queue_statements):
    sorted_reads = queue_statements(lambda sql: "ORDER BY cases.last_activity_at DESC" in sql)
    assert sorted_reads  # the page itself, and the ids of every matching case
    for statement, parameters in sorted_reads:
        plan = " / ".join(_plan(statement, parameters))
        assert "ix_cases_activity_id" in plan and "TEMP B-TREE" not in plan, plan


def test_the_tab_counts_read_indexes_alone_on_sqlite(queue_statements):
    """Every tab count, Stuck included, is answered from a covering index: no open case's
    row is read to count it (migration 0024)."""
    counts = queue_statements(lambda sql: sql.count("count(*)") == 5)
    assert len(counts) == 1
    reads = [step for step in _plan(*counts[0]) if " cases " in f"{step} "]
    assert reads and all("COVERING INDEX" in read for read in reads), reads


def test_a_chosen_department_still_walks_the_sort_index_on_sqlite(queue_statements, category):
    """A department holds a large share of the cases: its page is read by walking the sort
    index, not by reading every case of the department and sorting them; its matching count
    (any 201 cases tell "200+") by an index of what it filters on, unsorted."""
    url = f"/admin/cases?department={category.department_id}&priority=normal&sort=opened"
    reads = queue_statements(lambda sql: "FROM cases" in sql and "count(*)" not in sql
                             and "ORDER BY cases.created_at DESC" in sql, url)
    assert len(reads) == 1
    plan = " / ".join(_plan(*reads[0]))
    assert "ix_cases_created_id" in plan and "TEMP B-TREE" not in plan, plan
    counted = queue_statements(lambda sql: sql.count("count(*)") == 1, url)
    assert len(counted) == 1 and "ORDER BY" not in counted[0][0]
    plan = " / ".join(_plan(*counted[0]))
    assert "ix_cases_department" in plan and "TEMP B-TREE" not in plan, plan
