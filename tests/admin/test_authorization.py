"""Role × action → allowed, or 404 / 403, checked on the server for every staff action."""

import pytest

from portal.models import Role
from portal.services import timeline
from tests import factories

ALLOWED = "allowed"


@pytest.fixture
def world():
    service = factories.department("Service")
    other = factories.department("Other")
    dana = factories.customer()
    case = factories.case(dana, cat=factories.category(service))
    people = {
        "customer": dana,
        "agent_same": factories.staff(Role.AGENT, [service]),
        "agent_other": factories.staff(Role.AGENT, [other]),
        "manager_same": factories.staff(Role.MANAGER, [service]),
        "manager_other": factories.staff(Role.MANAGER, [other]),
        "admin": factories.staff(Role.ADMIN),
    }
    return people, case, dana, service


def _actions(case, dana, service):
    ref, seen = case.reference, timeline.all_events(case)[-1].id
    return {
        "view workspace": ("GET", f"/admin/cases/{ref}", None),
        "reply": ("POST", f"/admin/cases/{ref}/replies",
                  {"kind": "public", "body": "hi", "seen": seen, "confirm": "yes"}),
        "status": ("POST", f"/admin/cases/{ref}/status",
                   {"status": "acknowledged", "seen": seen, "confirm": "yes"}),
        "contact": ("POST", f"/admin/cases/{ref}/contacts",
                    {"channel": "phone", "body": "call", "seen": seen, "confirm": "yes"}),
        "reference": ("POST", f"/admin/cases/{ref}/references",
                      {"system": "CRM", "value": "X1", "seen": seen, "confirm": "yes"}),
        "take": ("POST", f"/admin/cases/{ref}/take", {}),
        "customer history": ("GET", f"/admin/customers/{dana.id}", None),
        "add fact": ("POST", f"/admin/customers/{dana.id}/facts", {"kind": "vin", "value": "V"}),
    }


MATRIX = {
    "customer": 404, "agent_other": 404, "manager_other": 404,
    "agent_same": ALLOWED, "manager_same": ALLOWED, "admin": ALLOWED,
}


@pytest.mark.parametrize("who,expected", MATRIX.items())
def test_case_actions_by_role(client, login, world, who, expected):
    people, case, dana, service = world
    login(client, people[who])
    for action, (method, url, data) in _actions(case, dana, service).items():
        response = client.open(url, method=method, data=data)
        if expected == ALLOWED:
            assert response.status_code in (200, 302), (who, action, response.status_code)
            assert response.headers.get("Location", "") != "/admin/login", (who, action)
        else:
            assert response.status_code == expected, (who, action, response.status_code)


def test_signed_out_visitors_are_sent_to_staff_sign_in(client, world):
    _, case, dana, service = world
    for method, url, data in _actions(case, dana, service).values():
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")


def test_customers_cannot_sign_in_at_the_staff_door(client, world):
    people, *_ = world
    response = client.post("/admin/login", data={"email": people["customer"].email,
                                                  "password": factories.PASSWORD})
    assert response.status_code == 422


def test_a_handoff_to_a_foreign_department_keeps_the_posting_agent_out(client, login, world):
    people, case, _, service = world
    other_dep = people["agent_other"].departments[0]
    login(client, people["agent_same"])
    seen = timeline.all_events(case)[-1].id
    client.post(f"/admin/cases/{case.reference}/handoff",
                data={"department": other_dep.id, "assignee": 0, "note": "theirs", "seen": seen})
    assert client.get(f"/admin/cases/{case.reference}").status_code == 404
