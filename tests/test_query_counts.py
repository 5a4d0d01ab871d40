"""Issue 6: each page runs a small, fixed number of SQL queries, however much data there is.

Every page is measured twice: on a small world, then after ten times more cases, events,
promises, attachments, reactions and staff. A query per row (an N+1) shows up as a count
that grows with the data: the number of statements must be the same at both sizes, and the
reads (SELECTs) at most MAX_QUERIES. A reply also writes a handful of rows (its event, the
case, the customer's email, a sign-in link); those writes are fixed too but not capped here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta

from portal.extensions import db
from portal.models import Category, Department, Role, User, utcnow
from portal.services import accounts, case_details, cases, feedback, promises
from portal.services.attachments import CheckedFile
from tests import factories
from tests.helpers import is_query, statements_sent

MAX_QUERIES = 15  # the workspace: its department's closed dates, the saved replies, the CC list,
# the known problems it is linked to (one query whatever the number)
SMALL, LARGE = 2, 20  # the second world has ten times the first one's data
# Transaction control is not a query, and SQLite sends it as SQL where PostgreSQL does not.
LATEST_SEEN = 2_000_000_000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class World:
    department: Department
    category: Category
    customer: User
    agent: User
    case_ref: str
    staff: list[User] = field(default_factory=list)
    size: int = 0


def _build() -> World:
    dep = factories.department("Northside Service Centre")
    cat = factories.category(dep, "Recalls")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    tom = factories.staff(Role.AGENT, [dep], "Tom Berger", "tom@example.com")
    case = factories.case(dana, "Recall RC-42 not booked", cat=cat)
    return World(dep, cat, dana, tom, case.reference, [tom])


def _grow(world: World, size: int) -> None:
    """Add data until the world has `size` of everything a page might loop over."""
    case = cases.get_case_for(world.customer, world.case_ref)
    for i in range(world.size, size):
        # Without passwords: nobody signs in as them, and hashing would be most of the time.
        author = accounts.create_user(f"agent{i}@example.com", f"Agent {i}", Role.AGENT,
                                      departments=[world.department])
        world.staff.append(author)
        files = [CheckedFile(f"photo-{i}.png", "image/png", PNG)]
        cases.add_customer_message(case, world.customer, f"Recall message {i}", files=files)
        cases.add_staff_reply(case, author, f"Recall answer {i}", files=files)
        cases.add_staff_reply(case, author, f"Recall note {i}", internal=True)
        promises.make(case, author, f"Call you back {i}", author,
                      utcnow() + timedelta(days=i + 1), public=i % 2 == 0)
        case_details.add_reference(case, author, "Recall", f"RC-{100 + i}")
        reply = case.events.filter_by(body=f"Recall answer {i}").one()
        feedback.react(reply.id, world.customer, helpful=i % 2 == 0)
        # More of Dana's own cases, and other customers' cases in the same queue.
        other = cases.open_case(world.customer, f"Recall question {i}", "Is my car affected?",
                                world.category, files=files)
        cases.add_staff_reply(other, author, "Yes, we will book it.")
        stranger = accounts.create_user(f"customer{i}@example.com", f"Customer {i}")
        theirs = factories.case(stranger, f"Recall for car {i}", cat=world.category)
        theirs.assignee = author if i % 2 else None
        db.session.commit()
    world.size = size


def reads(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def counting() -> AbstractContextManager[list[str]]:
    """Collect every SQL statement the app sends while the block runs."""
    return statements_sent(is_query)


def _queries(send: Callable[[], object], expected_status: int) -> list[str]:
    send()  # warm-up: first-visit writes (seen markers) and caches are not what we measure
    with counting() as seen:
        response = send()
    assert response.status_code == expected_status, response.text[:500]
    return seen


def _customer_page(client, world: World):
    return client.get(f"/cases/{world.case_ref}")


def _my_cases(client, world: World):
    return client.get("/cases")


def _staff_queue(client, world: World):
    return client.get("/admin/cases")


def _staff_queue_filtered(client, world: World):
    return client.get("/admin/cases", query_string={
        "view": "open", "status": ["new", "in_progress"], "department": world.department.id,
        "priority": "normal", "category": world.category.id, "q": "recall car",
        "sort": "opened", "dir": "asc"})


def _staff_queue_search_fragment(client, world: World):
    return client.get("/admin/cases", query_string={"q": "recall", "view": "unassigned"},
                      headers={"HX-Request": "true"})


def _staff_workspace(client, world: World):
    return client.get(f"/admin/cases/{world.case_ref}")


def _counter(prefix: str):
    numbers = iter(range(1_000_000))
    return lambda: f"{prefix} {next(numbers)}"


def _customer_reply(client, world: World):
    body = world.__dict__.setdefault("_customer_words", _counter("Any news"))()
    return client.post(f"/cases/{world.case_ref}/replies", data={"body": body})


def _staff_reply(client, world: World):
    body = world.__dict__.setdefault("_staff_words", _counter("We are on it"))()
    return client.post(f"/admin/cases/{world.case_ref}/replies",
                       # As from a page that showed every event so far: no collision.
                       data={"body": body, "kind": "public", "seen": LATEST_SEEN})


PAGES = {
    "customer case page": (_customer_page, False, 200),
    "my cases": (_my_cases, False, 200),
    "staff queue": (_staff_queue, True, 200),
    "staff queue, filters and search": (_staff_queue_filtered, True, 200),
    "staff queue, htmx search": (_staff_queue_search_fragment, True, 200),
    "staff case workspace": (_staff_workspace, True, 200),
    "customer posts a reply": (_customer_reply, False, 302),
    "staff posts a reply": (_staff_reply, True, 302),
}


def _measure(world: World, customer_client, staff_client) -> dict[str, list[str]]:
    found = {}
    for page, (send, as_staff, status) in PAGES.items():
        client = staff_client if as_staff else customer_client
        found[page] = _queries(lambda send=send, client=client: send(client, world), status)
    return found


def test_queries_per_page_are_few_and_do_not_grow_with_data(app, client, login):
    world = _build()
    _grow(world, SMALL)
    staff_client = app.test_client()
    login(client, world.customer)
    login(staff_client, world.agent)

    small = _measure(world, client, staff_client)
    _grow(world, LARGE)
    large = _measure(world, client, staff_client)

    problems = []
    for page, queries in large.items():
        listing = "\n".join(f"  {' '.join(q.split())[:160]}" for q in queries)
        if len(queries) != len(small[page]):
            problems.append(f"{page}: {len(small[page])} queries with {SMALL} of everything, "
                            f"{len(queries)} with {LARGE}: a query per row?\n{listing}")
        elif len(reads(queries)) > MAX_QUERIES:
            problems.append(f"{page}: {len(reads(queries))} queries (at most {MAX_QUERIES}):"
                            f"\n{listing}")
    print("\n".join(f"{page}: {len(reads(q))} queries, {len(q) - len(reads(q))} writes"
                     for page, q in large.items()))
    assert not problems, "\n\n".join(problems)
