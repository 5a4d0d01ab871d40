"""Fill a benchmark database with realistic Caseloop data, fast.

    python -m benchmarks.generate --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    python -m benchmarks.generate --database-url sqlite:///instance/bench.db --scale 0.01

Scale 1 is 100,000 customers, 1,000,000 cases and about 10,000,000 timeline events (with
promises, attachments and outside references). Statuses, departments and priorities follow
skewed distributions; a few customers have thousands of cases. The schema comes from the real
migrations; rows go in with COPY on PostgreSQL and executemany on SQLite, with the secondary
indexes dropped during the load and rebuilt after it.

Every account (staff and customers) has the password BENCH_PASSWORD. Never point this at the
test suite's database: the suites wipe it, and this refuses a database named "test".
"""

from __future__ import annotations

import argparse
import enum
import json
import math
import random
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection, make_url
from tqdm import tqdm
from werkzeug.security import generate_password_hash

BENCH_PASSWORD = "caseloop-bench-password"  # noqa: S105 - a benchmark database only
BENCH_AGENT = "bench.agent@bench.example.com"
DEPARTMENTS = ["Customer Care", "Finance", "Northside Service Centre", "Southside Service Centre",
               "Sales", "Home Delivery", "Warranty", "Parts", "Fleet", "Head Office"]
# Bigger departments get more of the cases.
DEPARTMENT_WEIGHTS = [30, 15, 12, 10, 8, 8, 6, 5, 4, 2]
STATUSES = {"new": 4, "acknowledged": 3, "in_progress": 12, "waiting_on_customer": 6,
            "waiting_on_third_party": 3, "resolved": 12, "closed": 60}
OPEN = {"new", "acknowledged", "in_progress", "waiting_on_customer", "waiting_on_third_party"}
PRIORITIES = {"low": 15, "normal": 65, "high": 15, "urgent": 5}
EVENT_KINDS = {"customer_message": 35, "staff_reply": 35, "internal_note": 15,
               "status_change": 15}
TOPICS = ["Recall {code} not booked", "Invoice {n} shows the wrong amount",
          "Order {n} has not arrived", "Refund for order {n}", "Brake noise after service",
          "Payment terms for account {n}", "Warranty claim {n}", "Parts for {code} on back order",
          "Change my delivery address", "Complaint about my last visit",
          "Loan car while {code} is fixed", "Direct debit taken twice"]
COMMON = "the my a to and is it for on with please thanks i we you".split()
VOCABULARY = """
car van order invoice delivery refund recall garage booking appointment payment
account warranty brake engine battery tyre service parts courier parcel address driver
credit card bank transfer statement balance overdue receipt copy letter email phone call
yesterday today tomorrow monday tuesday wednesday thursday friday morning afternoon week
please thanks sorry again still waiting arrived missing damaged broken wrong charged twice
late early slot confirm cancel change update check looked found fixed replaced ordered
noise light warning dashboard window door seat key remote app login password portal
manager team colleague depot workshop branch store online collection return label box
""".split()
FIRST = ["Dana", "Ravi", "Mei", "Sam", "Lena", "Omar", "Ines", "Jonas", "Aiko", "Peter",
         "Grace", "Tom", "Hana", "Leo", "Fatima", "Marco", "June", "Priya", "Noah", "Zoe"]
LAST = ["Whitfield", "Patel", "Chen", "Okoro", "Novak", "Haddad", "Garcia", "Berg", "Sato",
        "Johnson", "Lindqvist", "Berger", "Kim", "Rossi", "Ali", "Silva", "Park", "Nair"]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words with Zipf frequencies: a few very common, the topic words rarer, a long tail of
    made-up ones, so a search word matches a realistic share of messages (about 1-10%)."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    tail = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(4000)})
    topic = VOCABULARY[:]
    rng.shuffle(topic)
    words = COMMON + topic + tail
    total, cumulative = 0.0, []
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


@dataclass(frozen=True)
class Sizes:
    customers: int
    cases: int
    events_per_case: float
    agents_per_department: int = 20

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(customers=max(50, round(100_000 * scale)),
                   cases=max(100, round(1_000_000 * scale)), events_per_case=10.0)


class Rows:
    """Turns Python values into what each database's bulk path takes."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"

    def time(self, value: datetime | None):
        if value is None:
            return None
        # SQLAlchemy keeps UTC on SQLite as naive text in this exact form (UTCDateTime).
        return value.replace(tzinfo=None).isoformat(" ") if self.sqlite else value

    def flag(self, value: bool):
        return int(value) if self.sqlite else value

    def plain(self, value):
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, datetime):
            return self.time(value)
        if isinstance(value, bool):
            return self.flag(value)
        if isinstance(value, dict | list):
            return json.dumps(value)
        return value


class Loader:
    """Bulk writes: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.dialect = conn.dialect.name
        self.rows = Rows(self.dialect)
        self.raw = conn.connection.driver_connection

    def columns(self, table: Table, given: list[str]) -> tuple[list[str], tuple]:
        """The given columns plus any required column that only has a Python-side default
        (so columns added by later migrations are filled in too)."""
        extra, values = [], []
        for column in table.columns:
            if (column.name in given or column.nullable or column.primary_key
                    or column.server_default is not None or column.default is None):
                continue
            default = column.default.arg
            value = default(None) if callable(default) else default
            extra.append(column.name)
            values.append(self.rows.plain(value))
        return given + extra, tuple(values)

    def write(self, table: Table, given: list[str], rows: Iterable[tuple]) -> None:
        names, tail = self.columns(table, given)
        quoted = ", ".join(f'"{n}"' for n in names)
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(
                    f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            marks = ", ".join("?" * len(names))
            self.raw.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})',
                                 (row + tail for row in rows))


@contextmanager
def indexes_dropped(conn: Connection, tables: list[str]) -> Iterator[None]:
    """Drop the secondary indexes of these tables for the load; rebuild them after it."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(:t) "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)"), {"t": tables}).all()
    else:
        found = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (" + ", ".join(f"'{t}'" for t in tables) + ")")).all()
    for name, _ in found:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
    with tqdm(found, desc="rebuilding indexes", unit="index") as bar:
        for name, definition in bar:
            bar.set_postfix_str(name)
            conn.execute(text(definition))


# The staff joined this long before the data set was made: `pages.samples` works out from
# the bench agent's start when the data set was made (and so which events runs added).
STAFF_JOINED_BEFORE = timedelta(days=1000)


class World:
    """Reference data (departments, categories, staff) and the random choices over it."""

    def __init__(self, conn: Connection, rng: random.Random, sizes: Sizes, rows: Rows):
        self.rng, self.sizes, self.rows = rng, sizes, rows
        self.now = datetime.now(UTC)
        self.password_hash = generate_password_hash(BENCH_PASSWORD)
        self.departments = list(range(1, len(DEPARTMENTS) + 1))
        self.categories: dict[int, list[int]] = {}
        self.agents: dict[int, list[int]] = {}
        self.words, self.weights = _vocabulary(rng)
        self.bodies = [self._sentence() for _ in range(20_000)]
        self._reference_data(conn)

    def _sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.weights,
                                 k=self.rng.randint(6, 30))
        if self.rng.random() < 0.1:
            words.insert(self.rng.randrange(len(words)), f"RC-{self.rng.randint(1, 99_999)}")
        return " ".join(words).capitalize() + "."

    def _reference_data(self, conn: Connection) -> None:
        meta = _tables()
        load = Loader(conn)
        load.write(meta["departments"], ["id", "name"],
                   [(i, name) for i, name in enumerate(DEPARTMENTS, 1)])
        categories, category_id = [], 0
        for dep in self.departments:
            for label in ("Questions", "Complaints", "Payments", "Repairs"):
                category_id += 1
                categories.append((category_id, f"{DEPARTMENTS[dep - 1]}: {label}", dep,
                                   self.rows.flag(True)))
                self.categories.setdefault(dep, []).append(category_id)
        load.write(meta["categories"], ["id", "name", "department_id", "active"], categories)
        staff, links, user_id = [], [], 0
        for dep in self.departments:
            for k in range(self.sizes.agents_per_department):
                user_id += 1
                role = "manager" if k == 0 else "agent"
                staff.append(self._user(user_id, f"{role}{dep}-{k}@bench.example.com",
                                        f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
                                        role))
                links.append((user_id, dep))
                self.agents.setdefault(dep, []).append(user_id)
        user_id += 1  # the agent the load runs sign in as: two departments' queues
        staff.append(self._user(user_id, BENCH_AGENT, "Bench Agent", "agent"))
        links += [(user_id, 1), (user_id, 2)]
        user_id += 1
        staff.append(self._user(user_id, "admin@bench.example.com", "Bench Admin", "admin"))
        load.write(meta["users"], USER_COLUMNS, staff)
        load.write(meta["staff_departments"], ["user_id", "department_id"], links)
        self.first_customer = user_id + 1

    def _user(self, user_id: int, email: str, name: str, role: str) -> tuple:
        when = self.rows.time(self.now - STAFF_JOINED_BEFORE)
        return (user_id, email, name, role, self.password_hash, self.rows.flag(True), 1, when,
                when)


USER_COLUMNS = ["id", "email", "name", "role", "password_hash", "active", "session_version",
                "created_at", "email_verified_at"]
CASE_COLUMNS = ["id", "title", "status", "priority", "customer_id", "department_id",
                "category_id", "assignee_id", "created_at", "last_activity_at",
                "customer_seen_at", "waiting_since", "resolved_at", "closed_at",
                "first_response_at", "last_update_at", "customer_wait_seconds",
                "resolution_summary", "resolution_count", "version", "search_text"]
EVENT_COLUMNS = ["id", "case_id", "kind", "author_id", "channel", "visibility", "body", "data",
                 "created_at"]
ATTACHMENT_COLUMNS = ["id", "event_id", "filename", "content_type", "size", "sha256",
                      "storage_key", "created_at"]
PROMISE_COLUMNS = ["id", "case_id", "what", "owner_id", "due_at", "public", "state", "outcome",
                   "created_by_id", "created_at", "closed_at"]
REFERENCE_COLUMNS = ["id", "case_id", "system", "value", "created_at"]
BIG_TABLES = ["users", "cases", "case_events", "attachments", "promises", "case_references"]


def _tables() -> dict[str, Table]:
    from portal.extensions import db

    return dict(db.metadata.tables)


class CaseMaker:
    """Makes each case with its timeline, promises, files and references."""

    def __init__(self, world: World, heavy: list[int], customers: range):
        self.w, self.heavy, self.customers = world, heavy, customers
        self.event_id = self.attachment_id = self.promise_id = self.reference_id = 0
        self.statuses, self.status_weights = zip(*STATUSES.items(), strict=True)
        self.priorities, self.priority_weights = zip(*PRIORITIES.items(), strict=True)
        self.kinds, self.kind_weights = zip(*EVENT_KINDS.items(), strict=True)

    def customer(self) -> int:
        # One case in twenty belongs to one of a handful of very busy customers.
        rng = self.w.rng
        if rng.random() < 0.05:
            return rng.choice(self.heavy)
        return rng.choice(self.customers)

    def make(self, case_id: int, out: dict[str, list]) -> None:
        w, rng, rows = self.w, self.w.rng, self.w.rows
        status = rng.choices(self.statuses, self.status_weights)[0]
        dep = rng.choices(w.departments, DEPARTMENT_WEIGHTS)[0]
        customer = self.customer()
        is_open = status in OPEN
        age = rng.uniform(0, 60) if is_open else rng.uniform(5, 3 * 365)
        created = w.now - timedelta(days=age)
        span = timedelta(days=min(age, rng.uniform(0.1, 30)))
        assignee = None if status == "new" or rng.random() < 0.2 else rng.choice(w.agents[dep])
        staff = assignee or rng.choice(w.agents[dep])
        count = 1 + min(200, int(rng.expovariate(1 / max(0.01, w.sizes.events_per_case - 1))))
        times = sorted(created + span * rng.random() for _ in range(count - 1))
        events = [("opened", customer, "public", created)]
        for when in times:
            kind = rng.choices(self.kinds, self.kind_weights)[0]
            author = customer if kind == "customer_message" else staff
            events.append((kind, author, "internal" if kind == "internal_note" else "public",
                           when))
        public = [e for e in events if e[2] == "public"]
        last = public[-1]
        staff_public = [e for e in public if e[1] != customer]
        first_reply = next((e[3] for e in staff_public if e[0] == "staff_reply"), None)
        waiting = last[3] if is_open and last[1] == customer else None
        finished = None if is_open else events[-1][3]
        code = rng.randint(1, 99_999)
        title = rng.choice(TOPICS).format(n=rng.randint(10_000, 99_999), code=f"RC-{code}")
        case_row = (
            case_id, title, status, rng.choices(self.priorities, self.priority_weights)[0],
            customer, dep, rng.choice(w.categories[dep]), assignee, rows.time(created),
            rows.time(last[3]), rows.time(last[3] if rng.random() < 0.8 else created),
            rows.time(waiting), rows.time(finished if status == "resolved" else None),
            rows.time(finished if status == "closed" else None), rows.time(first_reply),
            rows.time(staff_public[-1][3] if staff_public else None), 0,
            None if is_open else "We sorted it out: the work is done.", int(not is_open),
            len(events))
        searched = [title]  # the case's search document, as services/case_search.py keeps it
        previous = "new"
        for position, (kind, author, visibility, when) in enumerate(events, 1):
            self.event_id += 1
            data, body = {}, ""
            if kind == "status_change":
                new = status if position == len(events) else rng.choice(
                    ["acknowledged", "in_progress", "waiting_on_customer"])
                data, previous = {"old": previous, "new": new}, new
            else:
                body = rng.choice(w.bodies)
                searched.append(body)
            out["case_events"].append((self.event_id, case_id, kind, author,
                                       "web" if rng.random() < 0.8 else "email", visibility,
                                       body, json.dumps(data), rows.time(when)))
            if kind in ("opened", "customer_message", "staff_reply") and rng.random() < 0.03:
                self.attachment_id += 1
                out["attachments"].append((
                    self.attachment_id, self.event_id, "photo.png", "image/png",
                    rng.randint(20_000, 3_000_000), f"{self.event_id:064x}",
                    f"{self.attachment_id:032x}", rows.time(when)))
        if rng.random() < 0.15:
            self.promise_id += 1
            due = created + timedelta(days=2)
            out["promises"].append((
                self.promise_id, case_id, "Call you back with an update", staff, rows.time(due),
                rows.flag(True), "open" if is_open else "kept",
                "" if is_open else "Called and explained.", staff, rows.time(created),
                None if is_open else rows.time(min(due, finished or due))))
        if rng.random() < 0.1:
            self.reference_id += 1
            out["case_references"].append((self.reference_id, case_id, "Recall", f"RC-{code}",
                                           rows.time(created)))
            searched.insert(1, f"Recall RC-{code}")
        out["cases"].append(case_row + ("\n".join(searched),))


def _customers(world: World, load: Loader, meta: dict[str, Table]) -> range:
    count = world.sizes.customers
    ids = range(world.first_customer, world.first_customer + count)
    rng, rows = world.rng, world.rows
    since = world.now - timedelta(days=4 * 365)
    batch = []
    for i, user_id in enumerate(tqdm(ids, desc="customers", unit="row", mininterval=1), 1):
        when = rows.time(since + timedelta(seconds=rng.randrange(3 * 365 * 86_400)))
        batch.append((user_id, f"customer{i}@example.com",
                      f"{rng.choice(FIRST)} {rng.choice(LAST)}", "customer",
                      world.password_hash, rows.flag(True), 1, when, when))
        if len(batch) == 20_000:
            load.write(meta["users"], USER_COLUMNS, batch)
            batch = []
    load.write(meta["users"], USER_COLUMNS, batch)
    return ids


def _cases(world: World, load: Loader, meta: dict[str, Table], customers: range) -> None:
    heavy = list(customers[:10])  # customer1…customer10@example.com: thousands of cases
    maker = CaseMaker(world, heavy, customers[10:] or customers)
    columns = {"cases": CASE_COLUMNS, "case_events": EVENT_COLUMNS,
               "attachments": ATTACHMENT_COLUMNS, "promises": PROMISE_COLUMNS,
               "case_references": REFERENCE_COLUMNS}
    chunk = 5_000
    with tqdm(total=world.sizes.cases, desc="cases", unit="case", mininterval=1) as bar:
        for start in range(1, world.sizes.cases + 1, chunk):
            out: dict[str, list] = {name: [] for name in columns}
            stop = min(start + chunk, world.sizes.cases + 1)
            for case_id in range(start, stop):
                maker.make(case_id, out)
            for name, rows in out.items():
                load.write(meta[name], columns[name], rows)
            bar.update(stop - start)
            bar.set_postfix(events=f"{maker.event_id:,}")


def _fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in ["users", "departments", "categories", *BIG_TABLES[1:]]:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"GREATEST((SELECT max(id) FROM \"{table}\"), 1))"))


def _prepare(url: str, reset: bool):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CASELOOP_SCHEDULER": False})
    with app.app_context():
        if reset:
            from sqlalchemy import MetaData

            meta = MetaData()
            meta.reflect(db.engine)
            meta.drop_all(db.engine)
        upgrade()
        db.session.remove()
    return app, db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="e.g. postgresql+psycopg://postgres@127.0.0.1/bench")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 100k customers, 1M cases, ~10M events (default)")
    parser.add_argument("--events-per-case", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true",
                        help="drop every table first (the database must be a benchmark one)")
    args = parser.parse_args(argv)

    url = make_url(args.database_url)
    if (url.database or "").rsplit("/", 1)[-1] in ("test", "test.db"):
        parser.error("refusing the test suites' database: they wipe it. Use e.g. 'bench'.")
    sizes = Sizes.at(args.scale)
    sizes = Sizes(sizes.customers, sizes.cases, args.events_per_case)
    app, db = _prepare(args.database_url, args.reset)
    with app.app_context(), db.engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM cases")).scalar():
            print("The database already has cases: add --reset to start again.",
                  file=sys.stderr)
            return 2
        print(f"{sizes.customers:,} customers, {sizes.cases:,} cases, about "
              f"{math.ceil(sizes.cases * sizes.events_per_case):,} events "
              f"into {url.render_as_string(hide_password=True)}")
        # Migration 0013 gives a fresh install one department and one category: the
        # generated reference data replaces them.
        conn.execute(text("DELETE FROM categories"))
        conn.execute(text("DELETE FROM departments"))
        rng = random.Random(args.seed)
        world = World(conn, rng, sizes, Rows(conn.dialect.name))
        load = Loader(conn)
        meta = _tables()
        with indexes_dropped(conn, BIG_TABLES):
            customers = _customers(world, load, meta)
            _cases(world, load, meta, customers)
        _fix_sequences(conn)
    # What autovacuum does soon after a bulk load: statistics, and the visibility map that
    # index-only scans need.
    with app.app_context(), db.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as conn:
        print("VACUUM ANALYZE …")
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                  for t in BIG_TABLES}
    print("Done: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    print(f"Sign in as {BENCH_AGENT} or customer1@example.com … with {BENCH_PASSWORD!r}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
