"""A browser in New York, a site in London: every time on a page in one zone, the same
promise at the same time for customer and staff, and New York offered once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role, utcnow
from portal.services import promises
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import CLOCK, sign_in, staff_sign_in, times_shown


@pytest.fixture
def new_york(browser, live_server):
    """A factory of pages whose browser believes it is in New York."""
    contexts = []

    def _page():
        context = browser.new_context(base_url=live_server, timezone_id="America/New_York",
                                      locale="en-US", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _page
    for context in contexts:
        context.close()


def _zones_shown(page) -> set[str]:
    return {zone for zone, _ in times_shown(page)}


def test_one_zone_per_page_and_the_browsers_zone_offered(new_york, live_server):
    sam, _, case = factories.sams_late_groceries()
    tom = factories.staff(Role.AGENT, [case.department], "Tom Berger", "tom@example.com")
    promises.make(case, tom, "Call the depot", tom, utcnow() + timedelta(days=2))
    db.session.commit()

    customer = new_york()
    sign_in(customer, "sam@example.com")
    customer.goto(f"/cases/{case.reference}")
    expect(customer.locator("html")).to_have_attribute("data-timezone", "Europe/London")
    london = _zones_shown(customer)
    assert len(london) == 1 and london <= {"GMT", "BST"}  # written and rewritten alike
    due = re.search(rf"Due by (\w+ {CLOCK} [A-Z]+)", customer.locator("main").inner_text())
    assert due

    staff = new_york()
    staff_sign_in(staff, "tom@example.com")
    staff.goto(f"/admin/cases/{case.reference}")
    assert _zones_shown(staff) == london
    expect(staff.get_by_text(f"due {due.group(1)}")).to_be_visible()  # one promise, one time
    offer = staff.get_by_role("region", name="Time zone")
    staff.get_by_role("button", name="Keep London time").click()
    expect(offer).to_be_hidden()
    staff.reload()
    expect(staff.locator("#zone-offer")).to_be_hidden()  # said no once: never asked again

    offer = customer.get_by_role("region", name="Time zone")
    here = next(iter(london))
    expect(offer).to_contain_text(
        f"Times here are London time ({here}). Use New York time instead?")
    snap(customer, "zone-offer")
    offer.get_by_role("button", name="Use my time zone").click()
    expect(customer.get_by_text("Saved: times are now shown in New York time.")).to_be_visible()
    assert customer.url.endswith(f"/cases/{case.reference}")
    expect(customer.locator("html")).to_have_attribute("data-timezone", "America/New_York")
    expect(customer.locator("#zone-offer")).to_have_count(0)
    new = _zones_shown(customer)
    assert len(new) == 1 and new <= {"EST", "EDT"}


def test_a_browser_that_says_calcutta_is_offered_kolkata(browser, live_server):
    """Chromium reports India as the old name Asia/Calcutta: the offer names the city as people
    write it now, and the zone is saved under its current name."""
    sam, _, case = factories.sams_late_groceries()
    db.session.commit()
    context = browser.new_context(base_url=live_server, timezone_id="Asia/Kolkata",
                                  locale="en-GB", viewport={"width": 375, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "sam@example.com")
    page.goto(f"/cases/{case.reference}")
    offer = page.get_by_role("region", name="Time zone")
    expect(offer).to_contain_text("Use Kolkata time instead?")
    expect(offer).not_to_contain_text("Calcutta")
    offer.get_by_role("button", name="Use my time zone").click()
    expect(page.get_by_text("Saved: times are now shown in Kolkata time.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-timezone", "Asia/Kolkata")
    context.close()
