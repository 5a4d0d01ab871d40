"""The staff queue at /admin/cases: filters, search, saved views, keyset pages, htmx."""

from __future__ import annotations

import html
import itertools
import re
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.models import Priority, Role, Status, utcnow
from portal.services import accounts, case_details, cases
from portal.services import queue as queue_service
from tests import factories
from tests.helpers import statements_sent

HX = {"HX-Request": "true"}
_seq = itertools.count(1)


def refs(page: str) -> list[str]:
    """The case references listed in the results table, in order."""
    return re.findall(r'class="ref">(CL-\d+)<', page)


def next_link(page: str) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def person(role: Role = Role.CUSTOMER, name: str | None = None, departments=()):
    """A user without a password: quick to make, cannot sign in."""
    n = next(_seq)
    return accounts.create_user(f"person{n}@example.com", name or f"Person {n}", role,
                                departments=list(departments))


def make(cat, title: str = "Brake noise", minutes_ago: int = 0, owner=None, **attrs):
    """A case in this category whose last activity was some minutes ago."""
    made = factories.case(owner or person(), title, "First message.", cat)
    made.last_activity_at = utcnow() - timedelta(minutes=minutes_ago)
    for name, value in attrs.items():
        setattr(made, name, value)
    db.session.commit()
    return made


@pytest.fixture
def desk():
    """One department with a category, an agent of it (signed in by tests) and a colleague."""
    dep = factories.department("Service")
    agent = factories.staff(Role.AGENT, [dep], name="Tom Berger")
    colleague = person(Role.AGENT, "Hana Okafor", [dep])
    return dep, factories.category(dep, "Servicing"), agent, colleague


def test_default_view_is_open_cases_newest_activity_first(client, login, desk):
    _, cat, agent, _ = desk
    old = make(cat, "Old one", minutes_ago=50)
    new = make(cat, "New one", minutes_ago=5)
    mid = make(cat, "Middle one", minutes_ago=20, status=Status.WAITING_ON_CUSTOMER)
    make(cat, "Solved already", status=Status.RESOLVED)
    make(cat, "Closed long ago", status=Status.CLOSED)
    login(client, agent)
    page = client.get("/admin/cases").text
    assert refs(page) == [new.reference, mid.reference, old.reference]
    assert "Waiting on you" in page and "Solved already" not in page
    assert f'href="/admin/cases/{new.reference}"' in page


def test_status_filter_takes_several_statuses(client, login, desk):
    _, cat, agent, _ = desk
    make(cat, "Still open")
    resolved = make(cat, "Resolved one", status=Status.RESOLVED)
    closed = make(cat, "Closed one", status=Status.CLOSED)
    login(client, agent)
    page = client.get("/admin/cases?status=resolved&status=closed").text
    assert sorted(refs(page)) == sorted([resolved.reference, closed.reference])
    assert re.search(r'value="closed" checked', page)


def test_department_category_priority_and_assignee_filters(client, login, desk):
    dep, cat, agent, colleague = desk
    other_cat = factories.category(dep, "Tyres")
    second = factories.department("Parts")
    agent.departments.append(second)
    db.session.commit()
    parts = make(factories.category(second, "Parts orders"), "Missing bolt")
    tyres = make(other_cat, "Flat tyre", priority=Priority.URGENT)
    taken = make(cat, "Assigned one", assignee=colleague)
    login(client, agent)
    assert refs(client.get(f"/admin/cases?department={second.id}").text) == [parts.reference]
    assert refs(client.get(f"/admin/cases?category={other_cat.id}").text) == [tyres.reference]
    assert refs(client.get("/admin/cases?priority=urgent").text) == [tyres.reference]
    by_assignee = client.get(f"/admin/cases?assignee={colleague.id}").text
    assert refs(by_assignee) == [taken.reference] and "Hana Okafor" in by_assignee
    page = client.get("/admin/cases").text
    for label in ("Department", "Category", "Priority", "Assignee", "Search", "Sort by"):
        assert f">{label}</label>" in page
    assert "<legend>Status</legend>" in page


def test_the_filters_offer_the_viewers_departments_categories_by_name(desk):
    """Departments and categories come from one read (catalog.departments_and_categories):
    an agent filters by their departments' categories, an admin by every one, by name."""
    dep, cat, agent, _ = desk
    tyres = factories.category(dep, "Tyres")
    other = factories.department("Parts")
    orders, empty = factories.category(other, "Orders"), factories.department("Empty")
    admin = person(Role.ADMIN, "Ada Admin")
    shown = queue_service.filter_options(agent)
    assert shown.departments == [(dep.id, "Service")]
    assert shown.categories == [(cat.id, "Servicing"), (tyres.id, "Tyres")]
    every = queue_service.filter_options(admin)
    assert every.departments == [(empty.id, "Empty"), (other.id, "Parts"), (dep.id, "Service")]
    assert every.categories == [(orders.id, "Orders"), (cat.id, "Servicing"),
                                (tyres.id, "Tyres")]


def test_quick_views_mine_unassigned_and_waiting_longest_first(client, login, desk):
    _, cat, agent, colleague = desk
    now = utcnow()
    mine = make(cat, "Mine", assignee=agent, waiting_since=None)
    theirs = make(cat, "Theirs", assignee=colleague, waiting_since=now - timedelta(hours=1))
    fresh = make(cat, "Fresh question", waiting_since=now - timedelta(minutes=5))
    stale = make(cat, "Stale question", waiting_since=now - timedelta(days=3))
    login(client, agent)
    assert refs(client.get("/admin/cases?view=mine").text) == [mine.reference]
    assert set(refs(client.get("/admin/cases?view=unassigned").text)) == {
        fresh.reference, stale.reference}
    waiting = client.get("/admin/cases?view=waiting").text
    assert refs(waiting) == [stale.reference, theirs.reference, fresh.reference]
    assert "Unassigned" in waiting and "3 days ago" in waiting


def _tab_counts(client) -> dict[str, str]:
    """What each queue tab says after its name, as a person reads it."""
    page = client.get("/admin/cases").text
    return dict(re.findall(r'>\s*(All open|Mine|Unassigned|Awaiting our answer|Stuck) '
                           r'<span class="queue-views__count">([^<]+)<', page))


def test_view_counts_are_counted_over_visible_open_cases(client, login, desk):
    _, cat, agent, colleague = desk
    make(cat, assignee=agent)
    make(cat, assignee=agent, waiting_since=None)
    make(cat, assignee=colleague)
    make(cat)
    make(cat, status=Status.CLOSED, waiting_since=None)  # closed: in no count
    make(factories.category(), "Another department")  # not visible: in no count
    assert queue_service.view_counts(agent) == queue_service.ViewCounts(
        mine=2, unassigned=1, waiting=3, open=4, stuck=0)
    login(client, agent)
    assert _tab_counts(client) == {"All open": "4", "Mine": "2", "Unassigned": "1",
                          "Awaiting our answer": "3", "Stuck": "0"}


def test_an_admins_view_counts_cover_every_department(desk):
    """An admin's counts run as if they were in every department (one seek per department
    in the indexes): the same numbers as counting every case."""
    _, cat, agent, _ = desk
    admin = person(Role.ADMIN, "Ada Admin")
    make(cat, assignee=admin)
    make(cat, assignee=agent, waiting_since=None, moves_since_resolution=4)
    make(factories.category(), "Another department")
    make(factories.category(), "Closed elsewhere", status=Status.CLOSED)
    factories.department("No cases at all")
    assert queue_service.view_counts(admin) == queue_service.ViewCounts(
        mine=1, unassigned=1, waiting=2, open=3, stuck=1)


def test_big_tab_counts_stop_at_the_cap(client, login, desk, monkeypatch):
    """Counting stops past the cap, so a tab costs the same at any size; it says so."""
    _, cat, agent, _ = desk
    monkeypatch.setattr(queue_service, "COUNT_CAP", 3)
    for _ in range(5):
        make(cat)
    make(cat, assignee=agent)
    login(client, agent)
    assert _tab_counts(client) == {"All open": "3+", "Mine": "1", "Unassigned": "3+",
                          "Awaiting our answer": "3+", "Stuck": "0"}


@pytest.mark.parametrize("most", [2, 200])
def test_a_view_alone_takes_its_matching_number_from_its_tab(desk, most):
    """The whole page reads "Change all N matching" from the tab counts for a view with
    nothing else chosen: the same number the database counts, capped the same way."""
    _, cat, agent, colleague = desk
    make(cat, assignee=agent, moves_since_resolution=4)
    make(cat, assignee=agent, waiting_since=None)
    make(cat, assignee=colleague)
    for _ in range(3):
        make(cat)
    make(cat, status=Status.CLOSED, waiting_since=None)
    make(factories.category(), "Another department")
    counts = queue_service.view_counts(agent)
    for view in queue_service.VIEWS:
        filters = queue_service.parse_filters(MultiDict({"view": view}))
        assert filters.view_alone
        assert (queue_service.matching_count(agent, filters, most, counts)
                == queue_service.matching_count(agent, filters, most)), view
    for chosen in ({"priority": "high"}, {"q": "brake"}, {"status": "closed"}):
        assert not queue_service.parse_filters(MultiDict(chosen)).view_alone


def test_search_by_reference_customer_message_and_outside_reference(client, login, desk):
    _, cat, agent, colleague = desk
    dana = person(name="Dana Whitfield")
    recall = make(cat, "Car makes a noise", owner=dana)
    case_details.add_reference(recall, None, "recalls", "RC-42")
    chatty = make(cat, "Invoice question")
    cases.add_customer_message(chatty, chatty.customer, "The windscreen wiper squeaks.")
    noted = make(cat, "Quiet case")
    cases.add_staff_reply(noted, colleague, "Spoke to the carburettor supplier", internal=True)
    make(cat, "Unrelated")
    login(client, agent)

    def found(q: str) -> list[str]:
        return refs(client.get("/admin/cases", query_string={"q": q}).text)

    assert found(recall.reference) == [recall.reference]
    assert found(recall.reference.lower()) == [recall.reference]
    assert found(recall.reference.removeprefix("CL-")) == [recall.reference]  # "000123"
    assert found(dana.email.upper()) == [recall.reference]
    assert found("whitfield dana") == [recall.reference]
    assert found("rc-42") == [recall.reference]
    assert found("windscreen squeaks") == [chatty.reference]
    assert found("carburettor") == [noted.reference]
    assert found("noise windscreen") == []  # every word must match the same case


def test_search_matches_wildcards_and_quotes_literally(client, login, desk):
    _, cat, agent, _ = desk
    percent = make(cat, "Refund 100% please")
    underscore = make(cat, "Error code AB_12")
    quote = make(cat, "Name is ' OR 1=1-- really")
    make(cat, "Refund 1000 please")
    make(cat, "Error code ABX12")
    login(client, agent)
    for q, expected in (("100%", percent), ("AB_12", underscore), ("' OR 1=1--", quote)):
        response = client.get("/admin/cases", query_string={"q": q})
        assert response.status_code == 200
        assert refs(response.text) == [expected.reference], q
    assert refs(client.get("/admin/cases?q=%25").text) == [percent.reference]
    assert refs(client.get("/admin/cases?q=_").text) == [underscore.reference]


def test_a_search_with_no_open_match_offers_every_status(client, login, desk):
    _, cat, agent, _ = desk
    done = make(cat, "Recall RC-42 booked", status=Status.CLOSED)
    login(client, agent)
    page = client.get("/admin/cases?q=recall").text
    assert refs(page) == [] and "No open cases match “recall”." in page
    link = re.search(r'href="([^"]+)">Search every status<', page)
    assert link and refs(client.get(html.unescape(link.group(1))).text) == [done.reference]


@pytest.mark.parametrize("query", [
    "sort=title", "sort=id;drop", "dir=sideways", "status=bogus", "status=open&status=new",
    "priority=critical", "view=everything", "department=abc", "assignee=-1",
    "category=99999999999999", "q=nul%00byte", "q=" + "x" * 201,
    "q=" + "+".join(f"w{i}" for i in range(11)), "cursor=not-a-cursor",
    "cursor=WzEsMl0",  # [1,2]: a number where the cursor needs a time
])
def test_bad_filters_are_400_with_a_clear_message(client, login, desk, query):
    login(client, desk[2])
    response = client.get(f"/admin/cases?{query}")
    assert response.status_code == 400
    assert "Traceback" not in response.text
    message = re.search(r"<h1>Bad request</h1>\s*<p>([^<]+)</p>", response.text)
    assert message and message.group(1).strip() != ""


def test_bad_sort_names_the_allowed_ones(client, login, desk):
    login(client, desk[2])
    response = client.get("/admin/cases?sort=title")
    assert response.status_code == 400
    assert "Unknown sort. Use one of: updated, opened, waiting." in response.text
    fragment = client.get("/admin/cases?status=nope", headers=HX)
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert "Unknown status" in fragment.text


def test_agent_never_sees_another_departments_case(client, login, desk):
    _, cat, agent, _ = desk
    foreign_dep = factories.department("Finance")
    secret = make(factories.category(foreign_dep), "Secret payment plan")
    case_details.add_reference(secret, None, "crm", "FIN-7")
    mine = make(cat, "Payment question")
    login(client, agent)
    for query in ("", f"?department={foreign_dep.id}", f"?q={secret.reference}",
                  f"?q={secret.id}", "?q=secret", "?q=FIN-7", "?q=payment",
                  f"?q={secret.customer.email}", "?status=new&status=closed",
                  f"?category={secret.category_id}", "?view=waiting"):
        page = client.get(f"/admin/cases{query}").text
        assert secret.reference not in refs(page) and "Secret payment plan" not in page, query
    assert refs(client.get("/admin/cases?q=payment").text) == [mine.reference]
    page = client.get("/admin/cases").text
    filters = page.split('role="search"')[1].split("</form>")[0]
    assert "Finance" not in filters  # not even offered as a filter
    # Cases may be handed to any department (as from a case's page), never listed from it.
    assert f'value="department:{foreign_dep.id}">Finance<' in page
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    client.post("/admin/logout")
    login(client, admin)
    assert secret.reference in refs(client.get(f"/admin/cases?department={foreign_dep.id}").text)


def test_one_statement_serves_each_agent_with_their_own_departments_and_cases(client, login,
                                                                            desk):
    """The queue's statements are built once per way of asking (portal/services/queue.py):
    the departments, the agent and the chosen filters are values given on each load."""
    dep, cat, agent, colleague = desk
    other_dep = factories.department("Parts")
    other_cat = factories.category(other_dep, "Orders")
    parts_agent = factories.staff(Role.AGENT, [other_dep], name="Pia Parts")
    service = make(cat, "Service case", assignee=agent)
    service_colleague = make(cat, "Colleague's case", assignee=colleague)
    parts = make(other_cat, "Parts case", assignee=parts_agent)
    parts_normal = make(other_cat, "Parts normal", priority=Priority.NORMAL)
    parts_high = make(other_cat, "Parts urgent", priority=Priority.HIGH)
    asked = ["/admin/cases", "/admin/cases?view=mine", "/admin/cases?priority=high",
             "/admin/cases?priority=normal&sort=opened", "/admin/cases?view=mine&cursor="]
    seen = {}
    for who in (agent, parts_agent, agent):
        login(client, who)
        seen[who.name] = [refs(client.get(url).text) for url in asked]
        client.post("/admin/logout")
    tom, pia = seen["Tom Berger"], seen["Pia Parts"]
    assert set(tom[0]) == {service.reference, service_colleague.reference}
    assert set(pia[0]) == {parts.reference, parts_normal.reference, parts_high.reference}
    assert tom[1] == tom[4] == [service.reference] and pia[1] == [parts.reference]
    assert tom[2] == [] and pia[2] == [parts_high.reference]
    assert parts_high.reference not in pia[3] and parts_normal.reference in pia[3]


def _all_pages(client, url: str) -> tuple[list[str], list[str]]:
    """Follow "Next page" from url to the end: every reference seen, and every link used."""
    seen, links = [], []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += refs(page.text)
        url = next_link(page.text)
        if url:
            links.append(url)
    return seen, links


def test_keyset_pages_list_every_case_once_and_keep_the_filters(client, login, desk,
                                                                monkeypatch):
    _, cat, agent, _ = desk
    monkeypatch.setattr(queue_service, "PAGE_SIZE", 4)
    same_moment = utcnow() - timedelta(hours=2)
    wanted = [make(cat, f"Recall {i}", minutes_ago=i % 3) for i in range(7)]
    for case in wanted[:4]:  # ties on the sort value must still page cleanly
        case.last_activity_at = same_moment
    make(cat, "Recall done", status=Status.CLOSED)
    make(cat, "Unrelated noise")
    db.session.commit()
    login(client, agent)
    seen, links = _all_pages(client, "/admin/cases?q=recall&status=new&sort=updated&dir=desc")
    assert sorted(seen) == sorted(c.reference for c in wanted) and len(seen) == len(set(seen))
    assert len(links) == 1
    assert all("q=recall" in u and "status=new" in u and "cursor=" in u for u in links)
    first_again = client.get(links[0]).text
    assert 'href="/admin/cases?q=recall&amp;status=new&amp;sort=updated&amp;dir=desc"' \
        in first_again  # "First page" keeps the filters and drops the cursor


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_pages_sorted_by_waiting_time_include_answered_cases_once(client, login, desk,
                                                                  monkeypatch, direction):
    _, cat, agent, _ = desk
    monkeypatch.setattr(queue_service, "PAGE_SIZE", 3)
    now = utcnow()
    made = [make(cat, f"Case {i}", waiting_since=(now - timedelta(hours=i)) if i % 2 else None)
            for i in range(8)]
    login(client, agent)
    seen, _ = _all_pages(client, f"/admin/cases?sort=waiting&dir={direction}")
    assert sorted(seen) == sorted(c.reference for c in made) and len(seen) == len(made)
    waiting = [c for c in made if c.waiting_since]
    waiting.sort(key=lambda c: c.waiting_since, reverse=direction == "desc")
    assert seen[:len(waiting)] == [c.reference for c in waiting]  # answered ones come last


def test_the_real_page_size_is_fifty(client, login, desk):
    _, cat, agent, _ = desk
    owner = person()
    for _ in range(52):
        make(cat, owner=owner)
    login(client, agent)
    first = client.get("/admin/cases").text
    assert len(refs(first)) == 50
    assert len(refs(client.get(next_link(first)).text)) == 2


def test_htmx_search_gets_the_fragment_and_other_requests_the_page(client, login, desk):
    _, cat, agent, _ = desk
    case = make(cat, "Recall booking")
    login(client, agent)
    fragment = client.get("/admin/cases?q=recall", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert refs(fragment.text) == [case.reference] and "queue-views" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    for headers in ({}, HX | {"HX-Boosted": "true"},
                    HX | {"HX-History-Restore-Request": "true"}):
        page = client.get("/admin/cases?q=recall", headers=headers).text
        assert "<html" in page and refs(page) == [case.reference]
        assert 'hx-target="#queue-results"' in page and 'id="queue-results"' in page
        assert 'value="recall"' in page  # the search box keeps the words


def test_page_issues_the_same_number_of_queries_for_5_or_60_cases(client, login, desk):
    _, cat, agent, colleague = desk

    def queries_for_page() -> int:
        with statements_sent() as statements:
            assert client.get("/admin/cases").status_code == 200
        return len(statements)

    def add_cases(n: int) -> None:
        for i in range(n):
            made = make(cat, f"Case {i}", assignee=person(Role.AGENT) if i % 2 else colleague)
            case_details.add_reference(made, None, "crm", f"X-{made.id}")

    login(client, agent)
    add_cases(5)
    few = queries_for_page()
    add_cases(55)
    many = queries_for_page()
    assert few == many and many <= 10


def test_search_finds_what_was_written_after_the_case_opened(client, login, desk):
    """Each case's search document grows with every message, note and reference."""
    _, cat, agent, colleague = desk
    case = make(cat, "Sunroof leaks")
    other = make(cat, "Sunroof rattles")
    login(client, agent)

    def found(q: str) -> list[str]:
        return refs(client.get("/admin/cases", query_string={"q": q}).text)

    assert found("sunroof") == [other.reference, case.reference]
    assert found("drainage") == []
    cases.add_staff_reply(case, colleague, "The DRAINAGE tube was blocked.")
    cases.add_staff_reply(case, colleague, "Ordered seal kit 7731", internal=True)
    case_details.add_reference(case, None, "workshop", "WO-5521")
    assert found("drainage") == [case.reference]  # any letter case
    assert found("sunroof drainage") == [case.reference]
    assert found("kit 7731") == [case.reference]  # internal notes are staff's to search
    assert found("wo-5521") == [case.reference]
    assert found("sunroof") == [case.reference, other.reference]  # newest activity first
