"""Fixtures for the security tests: cheap password hashes and the catalogue's world."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from portal.models import (
    Role,
)
from portal.services import accounts, cases, timeline
from tests import factories
from tests.security.catalogue import SECRET, World, checked_file


def cheap_hash(password: str) -> str:
    """A fast hash the real sign-in code still accepts."""
    return generate_password_hash(password, "pbkdf2:sha256:1000")


@pytest.fixture
def cheap_password_hashes(monkeypatch):
    """Hashing cost is not under test here; forms are posted hundreds of times."""
    monkeypatch.setattr(accounts, "generate_password_hash", cheap_hash)
    # Unknown addresses are checked against a dummy hash (equal timing): cheap here too.
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap_hash("not-a-real-password"))


@pytest.fixture
def world() -> World:
    """Dana and Eve (Service customers), staff of Service and Finance, an admin.

    Overrides the demo `world` of tests/conftest.py for the security tests.
    """
    service, finance = factories.department("Service"), factories.department("Finance")
    cat = factories.category(service, "Recalls")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    eve = factories.customer("Eve Other", "eve@example.com")
    agent = factories.staff(Role.AGENT, [service], name="Tom Berger")
    outsider = factories.staff(Role.AGENT, [finance], name="Olga Outsider")
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    mine = factories.case(dana, "Recall booking", "The garage cannot see my recall.", cat=cat)
    theirs = factories.case(eve, "Private loan question", SECRET, cat=cat)
    elsewhere = factories.case(dana, "Invoice query", "Finance, please.",
                               cat=factories.category(finance, "Invoices"))
    cases.add_staff_reply(theirs, agent, "Answer for Eve only", files=[checked_file("eve.png")])
    cases.add_staff_reply(mine, agent, "Customer is litigious: careful", internal=True,
                          files=[checked_file("internal.png")])
    cases.add_staff_reply(mine, agent, "We booked your recall.")
    events = {e.body: e for e in timeline.all_events(theirs) + timeline.all_events(mine)}
    return World(service, finance, dana, eve, agent, outsider, admin, mine, theirs, elsewhere,
                 events["Answer for Eve only"], events["Customer is litigious: careful"])
