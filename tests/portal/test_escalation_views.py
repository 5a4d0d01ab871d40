"""The customer's "This is taking too long" on their case page."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from portal.extensions import db
from portal.models import CustomerEscalation, Role
from tests import factories

MONDAY_10AM = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # Europe/London: UTC in December
HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk():
    dep = factories.department("Recalls")
    manager = factories.staff(Role.MANAGER, [dep], name="Priya Shah")
    with time_machine.travel(MONDAY_10AM, tick=False):
        case = factories.case(cat=factories.category(dep))
    return case, manager


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_10AM, tick=False):
        yield


def _url(case):
    return f"/cases/{case.reference}/escalate"


def test_the_customer_escalates_and_sees_who_owns_the_answer(client, login, desk, monday):
    case, _ = desk
    login(client, case.customer)
    page = client.get(f"/cases/{case.reference}").text
    assert "This is taking too long" in page and "Escalate to a manager" in page
    response = client.post(_url(case), data={"reason": "No booking after three weeks"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "<bdi>Priya Shah</bdi>, a manager, owns the answer to your case" in page
    assert "Mon 14 Dec 2026, 14:00 GMT" in page  # four working hours later
    assert "You said this is taking too long: <bdi>Priya Shah</bdi> owns the answer" in page
    assert "Escalate to a manager" not in page


def test_a_second_try_the_same_day_says_when_and_who(client, login, desk, monday):
    case, _ = desk
    login(client, case.customer)
    client.post(_url(case), data={"reason": "Too slow"})
    response = client.post(_url(case), data={"reason": "Still too slow"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(23 * 3600)  # Tuesday 09:00
    text = re.sub(r"\s+", " ", response.text)
    assert "You already told us this is taking too long today. Priya Shah owns the answer" in text
    assert "You can ask again from Tue 15 Dec 2026, 09:00 GMT" in text
    fragment = client.post(_url(case), data={"reason": "Again"}, headers=HTMX)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert "Priya Shah owns the answer" in fragment.text
    assert db.session.query(CustomerEscalation).count() == 1


def test_a_reason_is_needed(client, login, desk, monday):
    case, _ = desk
    login(client, case.customer)
    response = client.post(_url(case), data={"reason": "  "})
    assert response.status_code == 422 and "Tell us what is taking too long." in response.text
    fragment = client.post(_url(case), data={"reason": ""}, headers=HTMX)
    assert fragment.status_code == 422 and 'id="escalate"' in fragment.text
    assert db.session.query(CustomerEscalation).count() == 0


def test_htmx_goes_back_to_the_case_after_escalating(client, login, desk, monday):
    case, _ = desk
    login(client, case.customer)
    response = client.post(_url(case), data={"reason": "Too slow"}, headers=HTMX)
    assert response.status_code == 204
    assert case.reference in response.headers["HX-Location"]


def test_another_customer_cannot_escalate_someone_elses_case(client, login, desk, monday):
    case, _ = desk
    login(client, factories.customer("Eve Other"))
    assert client.post(_url(case), data={"reason": "Let me in"}).status_code == 404
    assert db.session.query(CustomerEscalation).count() == 0


def test_no_escalation_without_the_csrf_token(app, client, login, desk, monday, monkeypatch):
    case, _ = desk
    login(client, case.customer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(_url(case), data={"reason": "Too slow"}).status_code == 400
    assert db.session.query(CustomerEscalation).count() == 0
