"""Instructions per request, counted by callgrind: the same figure on a busy or a quiet machine.

    python -m benchmarks.instructions                          # every page, SQLite 10k
    python -m benchmarks.instructions --pages "My cases" --requests 20
    python -m benchmarks.instructions --database-url postgresql+psycopg://postgres@127.0.0.1/bench

`benchmarks.cpu` bills CPU time, and on a shared virtual machine the same tree's figures
moved by up to 50 % between runs minutes apart: more than most changes save. callgrind
counts the instructions this process executes (Python, the app, SQLite; not PostgreSQL,
which runs in its own process) while the requests run and nothing else: the requests are
sent from inside `functools.reduce`, the one C function callgrind is told to count in
(`--toggle-collect`). Run it on the old tree and the new one and compare: the counts repeat
to within 1 %. Needs Debian's `valgrind`; under it Python runs some
50× slower, so a page takes 2-4 minutes, and pages run as many at a time as there are cores.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.cpu import DEFAULT_URL, measured_pages, shown_url, target_text

PAGES = ("bare page", "signed-in floor (case poll, 304)", "customer case page", "My cases",
         "staff queue, 50 rows", "staff case workspace")
COLLECTED = re.compile(r"Collected : (\d+)")


def _count(page: str, url: str, requests: int) -> int:
    """Instructions executed by `requests` requests of the page, in a child under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--toggle-collect=functools_reduce",
             f"--callgrind-out-file={Path(folder) / 'out'}", sys.executable, "-m",
             "benchmarks.instructions", "--child", page, "--database-url", url,
             "--requests", str(requests)],
            capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"})  # the same dict and set orders
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{page}: the run under valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _child(page: str, url: str, requests: int) -> None:
    """Warm the page up, then send `requests` requests from inside functools.reduce."""
    run = dict(measured_pages(url))[page]
    functools.reduce(lambda sent, _: (run(), sent + 1)[1], range(requests), 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=10, help="requests per page")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    parser.add_argument("--child", choices=PAGES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.database_url, args.requests)
        return 0
    pages = list(dict.fromkeys(["bare page", *args.pages]))  # the bare page: the yardstick
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(zip(pages, pool.map(
            lambda page: _count(page, args.database_url, args.requests), pages), strict=True))
    bare = counts["bare page"] / args.requests
    print(f"{shown_url(args.database_url)} · {args.requests} requests per page, counted by "
          "callgrind")
    print("| page | instructions / request (millions) | × bare | target |")
    print("|---|---:|---:|---:|")
    for page in pages:
        each = counts[page] / args.requests
        print(f"| {page} | {each / 1e6:.2f} | {each / bare:.1f} | {target_text(page)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
