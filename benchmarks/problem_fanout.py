"""How long one known-problem update takes to reach 1,000 linked cases (and their emails).

    .venv/bin/python -m benchmarks.problem_fanout [--cases 1000] [--database-url URL]

Builds a fresh schema in a scratch database (a temporary SQLite file by default; refuses a
database named `test`), opens the cases through the real `cases.open_case`, links them to a
known problem, then times `problems.post_update` with every batch run inline: one timeline
line, one email (or digest item) and one delivery row per case, a commit per 200 cases.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Category, Department, OutboxMessage, ProblemDelivery, Role
from portal.services import accounts, cases, problem_fanout, problems


def _world(count: int):
    dep = Department(name="Northside Service Centre")
    cat = Category(name="Vehicle recall", department=dep)
    db.session.add_all([dep, cat])
    db.session.commit()
    omar = accounts.create_user("omar@bench.example.com", "Omar Haddad", Role.MANAGER,
                                "caseloop-bench-password", [dep])
    problem = problems.create(omar, "Brake recall RC-42", "Hoses are on their way.", [cat.id])
    ids = []
    for number in range(count):
        customer = accounts.create_user(f"owner{number}@bench.example.com", f"Owner {number}",
                                        Role.CUSTOMER, None)
        ids.append(cases.open_case(customer, "Recall RC-42", "Letter came.", cat).id)
    problems.link_cases(omar, problem, ids, "hand")
    return omar, problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    if args.database_url.rstrip("/").endswith("/test"):
        parser.error("refusing the database named test: the suites wipe it")
    folder = Path(tempfile.mkdtemp(prefix="caseloop-fanout-"))
    url = args.database_url or f"sqlite:///{folder / 'fanout.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "test", "TESTING": True,
                      "ATTACHMENT_DIR": str(folder / "files")})
    with app.app_context(), app.test_request_context():
        upgrade()
        started = time.perf_counter()
        omar, problem = _world(args.cases)
        print(f"set up {args.cases} cases in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        update = problems.post_update(omar, problem, "The hoses arrive on Friday.",
                                      batches=args.cases // problem_fanout.BATCH + 2)
        took = time.perf_counter() - started
        delivered = db.session.scalar(select(func.count()).select_from(ProblemDelivery))
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.body_text.contains("The hoses arrive on Friday.")))
        print(f"| cases | batches | seconds | ms per case | timeline lines | emails |\n"
              f"|---|---|---|---|---|---|\n"
              f"| {update.total} | {-(-update.total // problem_fanout.BATCH)} | {took:.1f} | "
              f"{took * 1000 / max(update.total, 1):.1f} | {delivered} | {mails} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
