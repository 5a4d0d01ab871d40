"""The queue's rows come from a cache (admin/queue_rows.py): the page must read exactly as
rendered from scratch, and whatever a staff member would notice must show on the next load."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import cache, db
from portal.models import Priority, Role, Status, utcnow
from portal.services import case_details, cases, handoffs
from tests import factories
from tests.pseudo_locale import GERMAN

HX = {"HX-Request": "true"}
PAGES = ("/admin/cases", "/admin/cases?view=unassigned", "/admin/cases?view=mine",
         "/admin/cases?view=waiting", "/admin/cases?status=resolved&status=closed&sort=opened",
         "/admin/cases?q=brake&priority=high")


def _stable(page: str) -> str:
    """The page without what changes between two renders anyway: tokens and "N ago"."""
    page = re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", page)  # signed CSRF tokens
    return re.sub(r'<span class="when__ago">[^<]*</span>', "AGO", page)


def _row(page: str, ref: str) -> str:
    found = re.search(rf'<tr>\s*<td class="queue-table__pick">(?:(?!</tr>).)*{ref}.*?</tr>',
                      page, re.S)
    assert found, f"{ref} is not in the queue"
    return found.group(0)


@pytest.fixture
def desk():
    """A department with an agent (in New York), a colleague, and cases in several states."""
    dep = factories.department("Service")
    cat = factories.category(dep, "Servicing")
    agent = factories.staff(Role.AGENT, [dep], name="Tom Berger")
    agent.timezone = "America/New_York"
    colleague = factories.staff(Role.AGENT, [dep], name="Hana Okafor",
                                email="hana@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    made = [factories.case(dana, f"Brake noise {n}", "It squeals.", cat) for n in range(4)]
    made[0].assignee, made[1].assignee = agent, colleague
    made[1].priority = Priority.HIGH
    made[2].status, made[2].waiting_since = Status.WAITING_ON_CUSTOMER, None
    made[3].status = Status.RESOLVED
    for n, case in enumerate(made):
        case.last_activity_at = utcnow() - timedelta(hours=n, minutes=5)
    db.session.commit()
    return agent, colleague, dana, made


@pytest.mark.parametrize("headers", [{}, GERMAN], ids=["English", "German"])
def test_each_view_reads_the_same_from_the_cache_as_rendered_fresh(
        client, login, desk, pseudo_german, headers):
    agent, _colleague, _dana, made = desk
    login(client, agent)
    for url in PAGES:
        for extra in ({}, HX):
            cache.clear()
            cold = client.get(url, headers={**headers, **extra})
            warm = client.get(url, headers={**headers, **extra})
            assert cold.status_code == warm.status_code == 200
            assert _stable(warm.text) == _stable(cold.text), url
    page = client.get("/admin/cases", headers=headers).text
    assert made[0].reference in page and made[3].reference not in page
    if headers:  # cells cached in English are not served to a German reader, nor back
        assert "⟦Unassigned⟧" in page or "⟦Customer⟧" in page
        assert "⟦Customer⟧" not in client.get("/admin/cases").text


def test_what_a_staff_member_would_notice_shows_on_the_next_load(client, login, desk):
    agent, colleague, dana, made = desk
    login(client, agent)
    ref = made[0].reference
    first = _row(client.get("/admin/cases").text, ref)
    assert "Tom Berger" in first and "Dana Whitfield" in first and "Answered" not in first

    cases.change_status(made[0], agent, Status.WAITING_ON_THIRD_PARTY)
    assert "Waiting on a third party" in _row(client.get("/admin/cases").text, ref)

    handoffs.take(made[0], colleague)  # Hana takes it over
    assert "Hana Okafor" in _row(client.get("/admin/cases").text, ref)

    dana.name = "Dana Whitfield-Okoro"
    db.session.commit()
    assert "Dana Whitfield-Okoro" in _row(client.get("/admin/cases").text, ref)

    case_details.change_details(made[0], agent, Priority.URGENT, made[0].category)
    assert "queue-priority--urgent" in _row(client.get("/admin/cases").text, ref)

    cases.add_staff_reply(made[0], agent, "Parts are due on Monday.")
    answered = _row(client.get("/admin/cases").text, ref)
    cases.add_customer_message(made[0], dana, "Thanks, and the rattle?")
    waiting = _row(client.get("/admin/cases").text, ref)
    assert "Answered" in answered and "Answered" not in waiting


def test_a_ticked_box_is_not_served_to_the_next_page_load(client, login, desk):
    agent, _colleague, _dana, made = desk
    login(client, agent)
    # A bulk change without a change chosen comes back with the ticked boxes still ticked.
    ticked = client.post("/admin/cases/bulk", data={"case": [made[1].id], "scope": "selected",
                                                    "query": ""})
    assert ticked.status_code == 422
    assert re.search(rf'value="{made[1].id}" checked', ticked.text)
    again = client.get("/admin/cases").text
    assert f'value="{made[1].id}">' in again and "checked" not in _row(again, made[1].reference)


def test_the_bulk_fields_show_new_choices_and_only_this_answers_words(client, login, desk):
    agent, _colleague, _dana, made = desk
    manager = factories.staff(Role.MANAGER, [made[0].department], name="Mia Kovač")
    login(client, manager)
    assert "Hana Okafor" in client.get("/admin/cases").text
    factories.staff(Role.AGENT, [made[0].department], name="Noor Haddad")
    assert 'value="assignee:' in client.get("/admin/cases").text
    assert "Noor Haddad" in client.get("/admin/cases").text.split('class="bulk__fields"')[1]

    refused = client.post("/admin/cases/bulk", data={
        "case": [made[0].id], "scope": "selected", "query": "",
        "to": f"department:{made[0].department_id}", "explanation": "Words kept"})
    assert refused.status_code == 422
    assert "Words kept" in refused.text and "Write what we know" in refused.text
    again = client.get("/admin/cases").text
    assert "Words kept" not in again and "Write what we know" not in again


def _filter(page: str, name: str) -> str:
    found = re.search(rf'<select id="queue-{name}".*?</select>', page, re.S)
    assert found, f"no {name} filter"
    return found.group(0)


def test_the_filters_form_shows_new_choices_and_the_chosen_filter_on_the_next_load(
        client, login, desk):
    agent, _colleague, _dana, made = desk
    login(client, agent)
    dep = made[0].department
    assert "Servicing" in _filter(client.get("/admin/cases").text, "category")

    factories.category(dep, "Tyres")
    assert "Tyres" in _filter(client.get("/admin/cases").text, "category")

    dep.name = "Service & Repairs"
    db.session.commit()
    assert "Service &amp; Repairs" in _filter(client.get("/admin/cases").text, "department")

    factories.staff(Role.AGENT, [dep], name="Noor Haddad")
    assert "Noor Haddad" in _filter(client.get("/admin/cases").text, "assignee")

    chosen = client.get(f"/admin/cases?department={dep.id}&q=brake").text
    assert f'<option value="{dep.id}" selected>' in _filter(chosen, "department")
    assert 'name="q" value="brake"' in chosen
    assert 'value="brake"' not in client.get("/admin/cases").text
