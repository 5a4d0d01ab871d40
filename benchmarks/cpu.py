"""Server CPU per request, in this process, as a multiple of the bare page's: the regression check.

    python -m benchmarks.cpu                       # seeds SQLite 10k cases the first time
    python -m benchmarks.cpu --profile "staff queue"   # where one page's time goes (cProfile)

Each page is requested through the Flask test client (no network, no server) and billed the
CPU time of this process (`time.process_time`) for that one request: SQL waits, other
processes and the scheduler do not count, so the figures hold on a busy machine. Pages are
interleaved round by round (bare, case page, My cases, queue, workspace, bare, …) and each
figure is the median over every request, so a burst of load elsewhere moves every page alike.
The bare page is `benchmarks/bare_app.py` (one indexed query, one line of HTML), served in
this same process against the same database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.pages import Page, bench_app, samples, send, signed_in

DEFAULT_URL = "sqlite:///" + str(Path(__file__).resolve().parents[1] / "instance" / "bench-10k.db")
# The pages issue #20 sets targets for (× bare page): case page ≤ 2, My cases ≤ 2,
# queue ≤ 10, workspace ≤ 5.
TARGETS = {"customer case page": 2, "My cases": 2, "staff queue, 50 rows": 10,
           "staff case workspace": 5}


def target_text(page: str) -> str:
    """The page's target as its table cell: "≤ 2", or nothing."""
    return f"≤ {TARGETS[page]}" if page in TARGETS else ""


def shown_url(url: str) -> str:
    """The database URL for a report, its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _seed_if_empty(url: str) -> None:
    """The SQLite 10k-case data set, generated once (about 10 s) when it is missing."""
    if make_url(url).get_backend_name() != "sqlite":
        return
    path = make_url(url).database
    if path and Path(path).exists():
        with create_engine(url).connect() as conn:
            has = conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'cases'")).first()
            if has and conn.execute(text("SELECT count(*) FROM cases")).scalar():
                return
    from benchmarks import generate

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    generate.main(["--database-url", url, "--scale", "0.01", "--reset"])


def _bare_client(url: str):
    os.environ["DATABASE_URL"] = url  # bare_app reads it when imported
    from benchmarks.bare_app import app

    return app.test_client()


def measured_pages(url: str) -> list[tuple[str, Callable[[], Any]]]:
    """Each measured page by name, as a call that sends one request (templates compiled and
    caches filled by a few requests first); the bare page first."""
    _seed_if_empty(url)
    app = bench_app(url)
    s = samples(app)
    clients = {False: signed_in(app, s.customer, False), True: signed_in(app, s.staff, True)}
    # Signed in: now render the CSRF tokens every real page carries.
    app.config["WTF_CSRF_ENABLED"] = True
    bare = _bare_client(url)
    bare_id = int(s.customer_case.rsplit("-", 1)[-1])

    def bare_get():
        return bare.get(f"/case/{bare_id}")

    def page(name, staff, path, headers=None):
        p = Page(name, staff, path, headers=headers)
        return name, lambda: send(clients[staff], p)

    found = [("bare page", bare_get),
             page("signed-in floor (case poll, 304)", False, f"/cases/{s.customer_case}/live",
                  {"If-None-Match": f'"{s.customer_case_tag}"'}),
             page("customer case page", False, f"/cases/{s.customer_case}"),
             page("My cases", False, "/cases"),
             page("staff queue, 50 rows", True, "/admin/cases"),
             page("staff case workspace", True, f"/admin/cases/{s.staff_case}")]
    for name, run in found:  # warm-up: templates compiled, caches filled
        for _ in range(3):
            answer = run()
        assert answer.status_code in (200, 304), (name, answer.status_code)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=4, help="requests per page per round")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile this page instead")
    args = parser.parse_args(argv)

    pages = measured_pages(args.database_url)
    sizes = {name: len(run().data) for name, run in pages}

    if args.profile:
        run = dict(pages)[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds * args.per_round):
            run()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(int(os.environ.get("PROFILE_LINES", "60")))
        stats.sort_stats("tottime").print_stats(30)
        return 0

    times: dict[str, list[float]] = {name: [] for name, _ in pages}
    for _ in range(args.rounds):
        for name, run in pages:
            for _ in range(args.per_round):
                start = time.process_time()
                run()
                times[name].append(time.process_time() - start)
    base = statistics.median(times["bare page"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{shown_url(args.database_url)} · "
          f"{args.rounds} rounds × {args.per_round} requests per page · load average {load:.1f}")
    print("| page | CPU ms / request (median) | × bare | target | HTML bytes |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in pages:
        ms = statistics.median(times[name]) * 1000
        print(f"| {name} | {ms:.2f} | {ms / (base * 1000):.1f} | {target_text(name)} | "
              f"{sizes[name]:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
