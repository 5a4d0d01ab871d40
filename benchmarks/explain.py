"""EXPLAIN ANALYZE every SQL statement the benchmarked pages run, slowest first.

    python -m benchmarks.explain --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Runs each page once in this process (warm-up), then again while recording its statements,
and replays each with EXPLAIN (ANALYZE, BUFFERS) inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.pages import bench_app, pages, samples, send, signed_in, statements
from portal.extensions import db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--plans", type=float, default=5.0,
                        help="print the plan of statements slower than this many ms")
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    chosen = samples(app)
    clients = {False: signed_in(app, chosen.customer, False),
               True: signed_in(app, chosen.staff, True)}
    for page in pages(chosen):
        if page.form is not None:
            continue  # writes are measured by the load run, not replayed here
        send(clients[page.as_staff], page)
        with statements(app) as seen:
            send(clients[page.as_staff], page)
        print(f"\n## {page.name}: {page.url} — {len(seen)} statements")
        with app.app_context(), db.engine.connect() as conn:
            timed = []
            for statement, params in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                rows = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
                total = float(rows[-1].split(":")[1].split()[0])
                timed.append((total, statement, rows))
            conn.rollback()
        for total, statement, plan in sorted(timed, reverse=True, key=lambda t: t[0]):
            print(f"- {total:8.2f} ms  {' '.join(statement.split())[:110]}")
            if total >= args.plans:
                print("\n".join("      " + line for line in plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
