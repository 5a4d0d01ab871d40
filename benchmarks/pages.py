"""The pages the benchmarks measure, the sample accounts and cases they use, and an app
in this process to count (and EXPLAIN) the SQL each page runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import ColumnElement, func, select

from benchmarks.generate import BENCH_AGENT, BENCH_PASSWORD, STAFF_JOINED_BEFORE
from portal import create_app
from portal.extensions import db
from portal.models import Case, CaseEvent, Role, Status, User, format_reference
from tests.test_query_counts import counting, reads

QUEUE_FILTERS = {"status": ["in_progress", "waiting_on_customer", "new"], "priority": "normal",
                 "sort": "opened", "dir": "desc"}
# Two words a few percent of messages contain (and "Brake noise after service" titles).
QUEUE_SEARCH = "brake noise"


@dataclass(frozen=True)
class Samples:
    customer: str  # an ordinary customer, with a handful of cases
    customer_case: str  # one of that customer's cases, with a typical timeline (8-14 events)
    customer_case_tag: str  # its ETag now: the live poll answers 304 to it
    busy_customer: str  # one of the few customers with thousands of cases
    staff: str
    staff_case: str  # an open case in the bench agent's departments
    department_id: int


@dataclass(frozen=True)
class Page:
    name: str
    as_staff: bool
    path: str
    query: dict | None = None
    form: dict | None = None  # a POST with these fields
    headers: dict | None = None

    @property
    def url(self) -> str:
        from urllib.parse import urlencode

        return self.path + ("?" + urlencode(self.query, doseq=True) if self.query else "")


def pages(s: Samples) -> list[Page]:
    return [
        # What every signed-in page pays before it renders anything: the session, the
        # user, the case and its access check, a 304. The rest of each page is its own.
        Page("signed-in floor (case poll, 304)", False, f"/cases/{s.customer_case}/live",
             headers={"If-None-Match": f'"{s.customer_case_tag}"'}),
        Page("customer case page", False, f"/cases/{s.customer_case}"),
        Page("My cases", False, "/cases"),
        Page("staff queue", True, "/admin/cases"),
        Page("staff queue, filters", True, "/admin/cases",
             {**QUEUE_FILTERS, "department": s.department_id}),
        Page("staff queue, filters + search", True, "/admin/cases",
             {**QUEUE_FILTERS, "department": s.department_id, "q": QUEUE_SEARCH}),
        Page("staff case workspace", True, f"/admin/cases/{s.staff_case}"),
        Page("staff posts a reply", True, f"/admin/cases/{s.staff_case}/replies",
             form={"kind": "public", "body": "Checked with the workshop: parts due Monday.",
                   "seen": "2000000000"}),
    ]


def bench_app(url: str, **config) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "CASELOOP_SCHEDULER": False,
                       "SESSION_COOKIE_SECURE": False, **config})


def samples(app: Flask) -> Samples:
    """Pick the accounts and cases every run uses, the same ones each time."""
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == BENCH_AGENT))
        if agent is None:
            raise SystemExit("No benchmark data here: run `python -m benchmarks.generate` first.")
        deps = sorted(agent.department_ids)
        typical = _typical_timeline(agent.created_at + STAFF_JOINED_BEFORE)
        per_customer = (select(Case.customer_id, func.count().label("n"))
                        .group_by(Case.customer_id).subquery())
        busy = db.session.scalar(select(User.email).join(per_customer,
                                 per_customer.c.customer_id == User.id)
                                 .order_by(per_customer.c.n.desc(), User.id).limit(1))
        # A customer with a handful of cases, one of them in the bench agent's queue (the
        # live runs have that agent change it).
        own, customer = db.session.execute(
            select(Case.id, User.email).join(User, User.id == Case.customer_id)
            .join(per_customer, per_customer.c.customer_id == User.id)
            .where(per_customer.c.n.between(5, 15), Case.department_id == deps[0],
                   User.role == Role.CUSTOMER, typical)
            .order_by(Case.id).limit(1)).one()
        staff_case = db.session.scalar(select(Case.id).where(
            Case.department_id == deps[0], Case.status == Status.IN_PROGRESS,
            typical).order_by(Case.id).limit(1))
        db.session.remove()
    # The live poll's ETag as the customer's browser would hold it.
    tag = signed_in(app, customer, False).get(f"/cases/{format_reference(own)}/live").headers[
        "ETag"].strip('"')
    return Samples(customer, format_reference(own), tag, busy, BENCH_AGENT,
                   format_reference(staff_case), deps[0])


def _typical_timeline(generated_at: datetime) -> ColumnElement[bool]:
    """A case with 8-14 changes when the data set was made: the runs' own replies and
    status changes came later and do not count, so every run reads the same cases (counting
    them moved the workspace's sample to a customer with 5,014 cases)."""
    added = (select(func.count()).where(CaseEvent.case_id == Case.id,
                                        CaseEvent.created_at > generated_at)
             .scalar_subquery())
    return (Case.version - added).between(8, 14)


def signed_in(app: Flask, email: str, staff: bool):
    client = app.test_client()
    answer = client.post("/admin/login" if staff else "/login",
                         data={"email": email, "password": BENCH_PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"Could not sign in as {email}: {answer.status_code}")
    return client


def send(client, page: Page):
    if page.form is not None:
        return client.post(page.url, data=page.form)
    return client.get(page.url, headers=page.headers)


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """Every SQL statement (with its parameters) the app sends inside the block."""
    seen: list[tuple[str, object]] = []
    from sqlalchemy import event

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def query_counts(app: Flask, s: Samples, skip: str = "") -> dict[str, str]:
    """SQL queries per page (after one warm-up request), counted as the test suite does:
    reads, and the writes (if any) after a plus. Pages whose name holds `skip` are not
    sent (`--skip reply`: a read-only run posts no reply)."""
    clients = {False: signed_in(app, s.customer, False), True: signed_in(app, s.staff, True)}
    found = {}
    for page in pages(s):
        if skip and skip in page.name:
            continue
        send(clients[page.as_staff], page)
        with app.app_context(), counting() as seen:
            answer = send(clients[page.as_staff], page)
        assert answer.status_code in (200, 302, 304), (page.name, answer.status_code)
        writes = len(seen) - len(reads(seen))
        found[page.name] = str(len(reads(seen))) + (f" + {writes}w" if writes else "")
    return found
