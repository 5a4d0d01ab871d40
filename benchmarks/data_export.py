"""How long a customer's data download takes to build: 1,000 cases (docs/your-data.md).

    .venv/bin/python -m benchmarks.data_export [--cases 1000] [--events 8] [--database-url URL]

Without --database-url it builds a throwaway SQLite database in a temporary folder (the
real migrations), adds one customer with that many cases, each with a typical public
timeline (plus an internal note, which must stay out) and a small attached file on every
tenth case, then times the background job's work: `data_export.run_pending()`. It prints
the time, the archive's size and its file count. Never run by pytest.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    Department,
    EventKind,
    Role,
    User,
    Visibility,
    utcnow,
)
from portal.services import accounts, attachments, data_export

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20_000


def _fill(case_count: int, events: int) -> int:
    dep = Department(name="Bench Department")
    cat = Category(name="Bench Category", department=dep)
    db.session.add_all([dep, cat])
    customer = accounts.create_user(f"bench-{secrets.token_hex(4)}@example.com",
                                    "Bench Customer", Role.CUSTOMER, "caseloop-bench-password")
    agent = accounts.create_user(f"agent-{secrets.token_hex(4)}@example.com", "Bench Agent",
                                 Role.AGENT, "caseloop-bench-password", [dep])
    start = utcnow() - timedelta(days=800)
    for n in range(case_count):
        opened = start + timedelta(hours=n * 12)
        case = Case(title=f"Question number {n} about my order", customer_id=customer.id,
                    department_id=dep.id, category_id=cat.id, created_at=opened,
                    last_activity_at=opened)
        db.session.add(case)
        db.session.flush()
        for k in range(events):
            by_customer = k % 2 == 0
            event = CaseEvent(case_id=case.id, kind=EventKind.CUSTOMER_MESSAGE if by_customer
                              else EventKind.STAFF_REPLY,
                              author_id=customer.id if by_customer else agent.id,
                              body=f"Message {k} on case {n}: " + "words " * 40,
                              created_at=opened + timedelta(minutes=k * 30))
            db.session.add(event)
            if k == 0 and n % 10 == 0:
                key = secrets.token_hex(16)
                path = attachments.storage_path(key)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(PNG)
                db.session.flush()
                db.session.add(Attachment(event_id=event.id, filename=f"photo-{n}.png",
                                          content_type="image/png", size=len(PNG),
                                          sha256=hashlib.sha256(PNG).hexdigest(),
                                          storage_key=key))
        db.session.add(CaseEvent(case_id=case.id, kind=EventKind.INTERNAL_NOTE,
                                 author_id=agent.id, body="Internal only.",
                                 visibility=Visibility.INTERNAL, created_at=opened))
    db.session.commit()
    return customer.id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--events", type=int, default=8, help="public events per case")
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        config = {"ATTACHMENT_DIR": str(Path(tmp) / "attachments"),
                  "EXPORT_DIR": str(Path(tmp) / "exports"), "DATA_EXPORT_AT_ONCE": False,
                  "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{tmp}/bench.db"}
        app = create_app(config)
        with app.app_context():
            upgrade()
            filling = time.perf_counter()
            customer_id = _fill(args.cases, args.events)
            print(f"filled {args.cases} cases × {args.events} events in "
                  f"{time.perf_counter() - filling:.1f} s")
            customer = db.session.get(User, customer_id)
            made = data_export.request_export(customer, customer)
            started = time.perf_counter()
            data_export.run_pending()
            took = time.perf_counter() - started
            db.session.refresh(made)
            assert made.status == "ready", made.last_error
            path, _name = data_export.download(made.id, customer)
            files = len(zipfile.ZipFile(path).namelist())
            print(f"data download of {made.total_count} cases built in {took:.2f} s: "
                  f"{made.size / 1e6:.1f} MB, {files} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
