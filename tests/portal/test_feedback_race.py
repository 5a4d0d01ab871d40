"""Two tabs of one customer send “Did we solve it?” at the same moment: one answer, no 500.

Each tab is its own signed-in session on its own thread, like two browser tabs hitting a
server with two workers. On SQLite, views that write queue (a process lock, then
`BEGIN IMMEDIATE`), so the second request finds the first answer. On PostgreSQL both
can read "no answer yet" before either writes; a barrier after that read forces this
interleaving, and the unique (case, resolution round) turns the later insert into the
"already recorded" page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from flask import has_request_context, request
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, Feedback, Solved, Status
from portal.services import cases, feedback
from tests import factories

ROUNDS = 10
ALREADY = "Your answer was already recorded"
TABS = ({"solved": "partly", "rating": "4", "comment": "From the first tab"},
        {"solved": "partly", "rating": "9", "comment": "From the second tab"})


@dataclass
class Tab:
    client: object
    data: dict[str, str]
    status: int = 0
    location: str = ""


def _resolved_cases(customer, count: int = ROUNDS) -> list[Case]:
    dep = factories.department("Customer Care")
    agent = factories.staff(departments=[dep], name="Leo Marsh")
    cat = factories.category(dep)
    made = []
    for n in range(count):
        case = factories.case(customer, f"Question {n}", cat=cat)
        cases.add_staff_reply(case, agent, "We sorted it.")
        cases.change_status(case, agent, Status.RESOLVED, "Done.")
        made.append(case)
    return made


def _tabs(app, login, customer) -> list[Tab]:
    """Two sessions of the same customer, each signed in on its own client."""
    tabs = []
    for data in TABS:
        client = app.test_client()
        login(client, customer)
        tabs.append(Tab(client, {**data, "first": "1"}))
    return tabs


def _post_together(tabs: list[Tab], url: str) -> None:
    start = threading.Barrier(len(tabs))

    def post(tab: Tab) -> None:
        start.wait(timeout=30)
        response = tab.client.post(url, data=tab.data)
        tab.status, tab.location = response.status_code, response.headers.get("Location", "")

    threads = [threading.Thread(target=post, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"


@pytest.fixture
def both_read_before_either_writes(monkeypatch):
    """Hold each request after it found no answer until the other has found none too."""
    gate = threading.Barrier(2)
    waited = threading.local()
    original = feedback.can_ask

    def can_ask(case):
        if has_request_context() and request.method == "POST" \
                and not getattr(waited, "done", False):
            waited.done = True
            gate.wait(timeout=30)
        return original(case)

    monkeypatch.setattr(feedback, "can_ask", can_ask)
    return gate


def _answers(case: Case) -> list[Feedback]:
    db.session.rollback()  # a fresh snapshot: the server threads committed meanwhile
    return list(db.session.scalars(select(Feedback).where(Feedback.case_id == case.id)))


def _assert_one_answer_and_one_notice(case: Case, tabs: list[Tab]) -> None:
    assert [tab.status for tab in tabs] == [302, 302], [tab.status for tab in tabs]
    [stored] = _answers(case)
    pages = [tab.client.get(tab.location).text for tab in tabs]
    told = [ALREADY in page for page in pages]
    assert told.count(True) == 1, told  # the later tab is told, the earlier one is not
    winner = tabs[told.index(False)]
    assert (stored.rating, stored.comment) == (int(winner.data["rating"]),
                                               winner.data["comment"])
    assert all(winner.data["comment"] in page for page in pages)  # both show what stands


def test_two_tabs_answering_at_once_store_one_answer(app, login, client):
    app.test_client_class = type(client)  # each request in its own app context
    customer = factories.customer("Mei Chen")
    resolved = [(c, c.reference) for c in _resolved_cases(customer)]
    db.session.commit()
    tabs = _tabs(app, login, customer)
    for case, reference in resolved:
        _post_together(tabs, f"/cases/{reference}/feedback")
        _assert_one_answer_and_one_notice(case, tabs)


def test_both_tabs_reading_no_answer_before_either_writes_store_one(
        app, login, client, both_read_before_either_writes):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite writers queue one at a time: both cannot be inside at once")
    app.test_client_class = type(client)
    customer = factories.customer("Mei Chen")
    resolved = [(c, c.reference) for c in _resolved_cases(customer)]
    db.session.commit()
    tabs = _tabs(app, login, customer)
    for case, reference in resolved:
        both_read_before_either_writes.reset()
        _post_together(tabs, f"/cases/{reference}/feedback")
        _assert_one_answer_and_one_notice(case, tabs)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == ROUNDS


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_stale_tab_sending_a_first_answer_is_told_and_changes_nothing(client, login, htmx):
    customer = factories.customer("Mei Chen")
    [case] = _resolved_cases(customer, 1)
    feedback.answer(case, customer, Solved.YES, 10, "Sorted, thanks")
    login(client, customer)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/cases/{case.reference}/feedback", headers=headers,
                           data={"solved": "no", "rating": "1", "first": "1"})
    page = response.text if htmx else client.get(response.headers["Location"]).text
    assert response.status_code == (200 if htmx else 302)
    assert ALREADY in page and "Sorted, thanks" in page
    [stored] = _answers(case)
    assert (stored.solved, stored.rating) == (Solved.YES, 10)
