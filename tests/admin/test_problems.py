"""The known-problem pages: managers open and update problems, agents link the cases they
see, the update's progress shows (htmx fragment and page), every change is audited."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, CaseEvent, EventKind, KnownProblem, Role
from portal.services import case_details, problem_fanout, problem_links, problems
from tests import factories


@pytest.fixture
def manager(north):
    return factories.staff(Role.MANAGER, [north], name="Omar Haddad")


def test_a_manager_opens_a_problem_and_cases_with_its_reference_are_linked(
        client, login, manager, category):
    carried = factories.case(cat=category)
    case_details.add_reference(carried, manager, "Recall", "RC-42")
    login(client, manager)
    assert client.get("/admin/problems/new").status_code == 200
    refused = client.post("/admin/problems/new", data={
        "title": "", "public_text": "Parts are late.", "categories": [category.id]})
    assert refused.status_code == 422 and "Give the problem a title." in refused.text
    assert "Parts are late." in refused.text
    done = client.post("/admin/problems/new", data={
        "title": "Brake recall", "public_text": "Parts are late.",
        "categories": [category.id], "outside_reference": "RC-42"})
    assert done.status_code == 302
    assert db.session.scalar(select(KnownProblem.outside_reference)) == "RC-42"
    page = client.get(done.headers["Location"]).text
    assert "Brake recall" in page and carried.reference in page
    assert "Linked cases (1)" in page
    assert "Brake recall" in client.get("/admin/problems").text


def test_an_update_reaches_the_linked_cases_and_its_progress_shows(
        client, login, manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    cases = [factories.case(cat=category) for _ in range(3)]
    login(client, manager)
    linked = client.post(f"/admin/problems/{problem.id}/links", data={
        "references": "\n".join(c.reference for c in cases)})
    assert linked.status_code == 302
    posted = client.post(f"/admin/problems/{problem.id}/updates", data={
        "body": "Parts arrive Friday.", "status": "fixing"})
    assert posted.status_code == 302
    page = client.get(f"/admin/problems/{problem.id}").text
    assert "Written on 3 of 3 linked cases" in page and "Parts arrive Friday." in page
    update = problem.updates[0]
    url = f"/admin/problems/{problem.id}/updates/{update.id}/progress"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "hx-trigger" not in fragment.text  # done: no more polling
    whole = client.get(url)
    assert "<html" in whole.text and "Written on 3 of 3" in whole.text
    for case in cases:
        kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        assert EventKind.PROBLEM_UPDATE in list(kinds)
    workspace = client.get(f"/admin/cases/{cases[0].reference}").text
    assert "Update on a known problem: Brake recall" in workspace
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("problem.%")).order_by(AuditEntry.id)))
    assert actions == ["problem.create", "problem.link", "problem.update"]


def test_an_agent_links_from_a_queue_search_but_cannot_post_updates(
        client, login, agent, manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    wanted = factories.case(title="Brakes squeal after recall", cat=category)
    factories.case(title="Invoice question", cat=category)
    login(client, agent)
    done = client.post(f"/admin/problems/{problem.id}/links/search", data={
        "query": "http://localhost/admin/cases?q=squeal&view=open"})
    assert done.status_code == 302
    assert [c.id for c in problems.linked_cases(problem)] == [wanted.id]
    none = client.post(f"/admin/problems/{problem.id}/links/search", data={"query": "q=zzzz"})
    assert none.status_code == 422 and "That search finds no cases." in none.text
    bad = client.post(f"/admin/problems/{problem.id}/links/search", data={"query": "view=x"})
    assert bad.status_code == 422 and 'id="query-error"' in bad.text
    assert client.post(f"/admin/problems/{problem.id}/updates",
                       data={"body": "x", "status": "fixing"}).status_code == 403
    assert client.get("/admin/problems/new").status_code == 403


def test_resolving_offers_to_resolve_linked_cases(client, login, manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    case = factories.case(cat=category)
    problems.link_references(manager, problem, case.reference)
    login(client, manager)
    assert "Resolve linked cases" not in client.get(f"/admin/problems/{problem.id}").text
    client.post(f"/admin/problems/{problem.id}/status", data={"status": "resolved"})
    page = client.get(f"/admin/problems/{problem.id}").text
    assert "Resolve the 1 open linked cases" in page
    done = client.post(f"/admin/problems/{problem.id}/resolve-cases",
                       data={"summary": "Every car is repaired."}, follow_redirects=True)
    assert "1 case changed." in done.text


def test_customers_never_reach_the_staff_pages(client, login, manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    login(client, factories.customer())
    assert client.get("/admin/problems").status_code == 404
    assert client.get(f"/admin/problems/{problem.id}").status_code == 404
    assert client.post(f"/admin/problems/{problem.id}/updates",
                       data={"body": "x"}).status_code == 404


def test_a_big_update_carries_on_from_the_progress_bar(client, login, manager, category,
                                                       monkeypatch):
    monkeypatch.setattr(problem_fanout, "BATCH", 2)
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    linked = [factories.case(cat=category) for _ in range(3)]
    problems.link_references(manager, problem, " ".join(c.reference for c in linked))
    login(client, manager)
    client.post(f"/admin/problems/{problem.id}/updates", data={
        "body": "Parts arrive Friday.", "status": "fixing"})
    page = client.get(f"/admin/problems/{problem.id}").text
    assert "Written on 2 of 3 linked cases" in page and "Write the next cases now" in page
    update = problem.updates[0]
    url = f"/admin/problems/{problem.id}/updates/{update.id}/continue"
    assert f'hx-post="{url}"' in page
    fragment = client.post(url, headers={"HX-Request": "true"})
    assert "Written on 3 of 3 linked cases" in fragment.text and "<html" not in fragment.text
    assert "hx-trigger" not in fragment.text  # nothing left: the polling stops
    again = client.post(url)  # without JavaScript: the button, then the problem's page
    assert again.status_code == 302
    for case in linked:
        kinds = list(db.session.scalars(select(CaseEvent.kind).where(
            CaseEvent.case_id == case.id)))
        assert kinds.count(EventKind.PROBLEM_UPDATE) == 1


def test_unlinking_a_case_is_audited_and_limited_to_cases_one_sees(client, login, agent,
                                                                   manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    ours = factories.case(cat=category)
    theirs = factories.case(cat=factories.category(factories.department("South")))
    problems.link_cases(manager, problem, [ours.id, theirs.id], "hand")
    login(client, agent)
    assert client.post(f"/admin/problems/{problem.id}/links/{theirs.id}/delete") \
        .status_code == 404
    done = client.post(f"/admin/problems/{problem.id}/links/{ours.id}/delete")
    assert done.status_code == 302
    assert [c.id for c in problems.linked_cases(problem)] == [theirs.id]
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "problem.unlink")) == "problem.unlink"


def test_the_workspace_names_the_known_problem_its_case_is_linked_to(
        client, login, agent, manager, category):
    problem = problems.create(manager, "Brake recall", "Parts are late.", [category.id])
    linked = factories.case(title="Brakes squeal after recall", cat=category)
    other = factories.case(title="Invoice question", cat=category)
    problem_links.link_ids(problem, [linked.id], "hand")
    db.session.commit()
    login(client, agent)
    page = client.get(f"/admin/cases/{linked.reference}").text
    panel = page[page.index('id="known-problems"'):page.index("</section>",
                                                              page.index('id="known-problems"'))]
    assert "Known problem" in panel and "Brake recall" in panel and "Investigating" in panel
    assert f'href="/admin/problems/{problem.id}"' in panel
    assert client.get(f"/admin/problems/{problem.id}").status_code == 200  # agents may follow it
    assert 'id="known-problems"' not in client.get(f"/admin/cases/{other.reference}").text
