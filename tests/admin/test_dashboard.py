"""The performance dashboard page: who may see it, what it shows, and what it costs."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.extensions import db
from portal.models import PromiseState, Role, Standard, Status
from portal.services import cases, promises
from tests import factories
from tests.helpers import statements_sent

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    """Sales with a red case and promises; Finance with a case its manager must not see."""
    sales, finance = factories.department("Sales"), factories.department("Finance")
    marco = factories.staff(departments=[sales], name="Marco Rossi")
    fatima = factories.staff(departments=[finance], name="Fatima Khan")
    db.session.add(Standard(first_response_minutes=60, update_minutes=240,
                            resolution_minutes=2880))
    db.session.commit()
    cat_sales, cat_fin = factories.category(sales), factories.category(finance)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        red = factories.case(title="Recall RC-42 not booked", cat=cat_sales)
        hidden = factories.case(title="Payment terms for Robert", cat=cat_fin)
        kept = promises.make(red, marco, "Call back about the recall", marco,
                             NOW - timedelta(days=2))
        promises.make(red, marco, "Send the booking form", marco, NOW - timedelta(hours=3))
        promises.make(hidden, fatima, "Adjust the terms", fatima, NOW - timedelta(hours=2))
    with time_machine.travel(NOW - timedelta(days=2, hours=1), tick=False):
        promises.resolve(kept, PromiseState.KEPT, by=marco, note="Called.")
    return {"sales": sales, "finance": finance, "marco": marco, "red": red, "hidden": hidden}


@pytest.fixture
def sign_in(client, login):
    """Sign in at NOW: the session would have expired by the time the test travels there."""

    def _sign_in(user):
        with time_machine.travel(NOW, tick=False):
            login(client, user)

    return _sign_in


def _get(client, path="/admin/dashboard"):
    with time_machine.travel(NOW, tick=False):
        return client.get(path)


@pytest.mark.parametrize("role,expected", [(Role.AGENT, 403), (Role.CUSTOMER, 404)])
def test_agents_get_403_and_customers_never_learn_it_exists(client, login, role, expected):
    user = factories.customer() if role == Role.CUSTOMER else factories.staff(role)
    login(client, user)
    assert client.get("/admin/dashboard").status_code == expected


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/dashboard")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_page_renders_with_no_data_at_all(client, sign_in, role):
    sign_in(factories.staff(role, name="Priya Shah"))
    response = _get(client)
    assert response.status_code == 200
    page = response.text
    assert "Performance dashboard" in page and "No red cases" in page
    assert "Nothing due today and nothing overdue" in page
    assert "No case was resolved in the last 28 days" in page
    assert page.count('role="img"') == 3


def test_the_nav_link_shows_for_managers_only(client, login):
    agent = factories.staff(Role.AGENT)
    login(client, agent)
    assert 'href="/admin/dashboard"' not in client.get("/admin/promises").text
    client.post("/admin/logout")
    login(client, factories.staff(Role.MANAGER))
    assert 'href="/admin/dashboard"' in client.get("/admin/promises").text


def test_an_admin_sees_red_cases_promises_due_and_the_keeping_rate(client, sign_in, world):
    sign_in(factories.staff(Role.ADMIN))
    page = _get(client).text
    red = world["red"]
    assert f'href="/admin/cases/{red.reference}"' in page and red.title in page
    assert "first response" in page  # its earliest breach, before the promise went overdue
    assert "Send the booking form" in page and "Adjust the terms" in page
    assert "Overdue" in page
    # Sales: one kept on time, one still open past its time.
    assert "1 of 2 kept on time, <strong>50%</strong>" in page
    assert "Finance" in page and world["hidden"].title in page


def test_a_manager_never_sees_another_departments_numbers_or_cases(client, sign_in, world):
    sign_in(factories.staff(Role.MANAGER, [world["sales"]]))
    page = _get(client).text
    assert world["red"].title in page
    assert world["hidden"].title not in page and world["hidden"].reference not in page
    assert "Adjust the terms" not in page and "Fatima Khan" not in page
    assert "Finance" not in page


def test_charts_are_svg_images_with_a_text_alternative_and_no_inline_styles(client, sign_in,
                                                                          world):
    sign_in(factories.staff(Role.ADMIN))
    page = _get(client).text
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r'aria-label="[^"]{20,}"', svg)
        assert re.search(r"<title>[^<]+</title>", svg)
    assert page.count("<details") >= 3 and "Week of" in page
    assert "style=" not in page and "<script>" not in page
    assert 'fill="url(#trend-flow-hatch)"' in page  # resolved bars differ by pattern too
    assert 'stroke-dasharray="6 4"' in page  # and lines by dash style


def _busy_department(name: str, count: int) -> None:
    """`count` cases, each with a promise and one of two assignees; a third resolved."""
    dep = factories.department(name)
    agents = [factories.staff(departments=[dep], name=f"Agent {i}") for i in range(2)]
    cat, owner = factories.category(dep), factories.customer()
    made = []
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        for i in range(count):
            case = factories.case(owner, title=f"Case {i}", cat=cat)
            case.assignee = agents[i % 2]
            promises.make(case, agents[i % 2], "Call back", agents[i % 2],
                          NOW - timedelta(hours=i % 5))
            made.append(case)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        for case in made[: count // 3]:
            promises.resolve(case.promises[0], PromiseState.BROKEN, by=agents[0], note="Missed.")
            cases.change_status(case, agents[0], Status.RESOLVED, "Done.")


def _count_queries(client) -> int:
    with statements_sent() as seen:
        assert _get(client).status_code == 200
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(client, sign_in):
    db.session.add(Standard(first_response_minutes=60, update_minutes=240,
                            resolution_minutes=2880))
    admin = factories.staff(Role.ADMIN)
    _busy_department("Busy", 3)
    sign_in(admin)
    few = _count_queries(client)
    _busy_department("Busier", 27)
    many = _count_queries(client)
    assert few == many and few <= 15
