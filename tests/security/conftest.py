"""Fixtures for the security tests: the catalogue's world."""

from __future__ import annotations

import pytest

from portal.models import (
    Role,
)
from portal.services import cases, timeline
from tests import factories, snapshots
from tests.security.catalogue import SECRET, World, checked_file


@pytest.fixture
def world() -> World:
    """Dana and Eve (Service customers), staff of Service and Finance, an admin.

    Overrides the demo `world` of tests/conftest.py for the security tests. Built once,
    copied into each test's empty tables (tests/snapshots.py).
    """
    return snapshots.reuse("security world", _build_world)


def _build_world() -> World:
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
