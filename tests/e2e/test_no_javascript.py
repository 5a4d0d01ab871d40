"""With JavaScript switched off in Chromium, both reply journeys still work end to end.

Every form is a real form that posts and redirects; htmx only makes it smoother.
"""

from __future__ import annotations

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from tests import factories
from tests.e2e.conftest import snap


def _world():
    service = factories.department("Northside Service Centre")
    cat = factories.category(service, "Vehicle service and recalls")
    factories.staff(Role.AGENT, [service], "Tom Berger", "tom@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana, "Recall RC-42 is not in the garage's system", cat=cat)
    factories.case(factories.customer("Ravi Menon"), "Wireless CarPlay question", cat=cat)
    reference = recall.reference
    db.session.commit()
    return reference


def test_customer_replies_without_javascript(nojs):
    reference = _world()
    page = nojs
    page.goto("/login")
    page.get_by_label("Email").first.fill("dana@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    page.get_by_role("link", name="Recall RC-42 is not in the garage's system").click()
    assert page.url.endswith(f"/cases/{reference}")

    page.get_by_role("button", name="Send reply").click()  # empty: the error, by the field
    expect(page.get_by_text("Write your reply first.")).to_be_visible()
    page.get_by_label("Your reply").fill("My VIN is WVWZZZ1KZAW000123.")
    page.get_by_role("button", name="Send reply").click()
    # A real POST and redirect to the case, at the newest entry.
    assert page.url.endswith(f"/cases/{reference}#latest")
    history = page.get_by_role("list", name="Case history")
    expect(history.get_by_text("My VIN is WVWZZZ1KZAW000123.")).to_be_visible()
    expect(history.get_by_text("You wrote")).to_be_visible()
    snap(page, "nojs-customer-reply")


def test_staff_filter_and_reply_without_javascript(nojs):
    reference = _world()
    page = nojs
    page.goto("/admin/login")
    page.get_by_label("Work email").fill("tom@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    page.get_by_label("Search").fill("RC-42")
    page.get_by_role("button", name="Show cases").click()  # the GET form, submitted for real
    assert "q=RC-42" in page.url
    results = page.locator("#queue-results")
    expect(results.get_by_text("Wireless CarPlay question")).to_have_count(0)
    results.get_by_role("link", name="Recall RC-42").click()
    assert page.url.endswith(f"/admin/cases/{reference}")

    page.get_by_label("Message").fill("Head office confirmed RC-42. Booked for Thursday 9:00.")
    page.get_by_role("button", name="Send to customer").click()
    expect(page.get_by_text("Sent to Dana Whitfield.")).to_be_visible()
    timeline = page.get_by_role("list", name="Case timeline")
    expect(timeline.get_by_text("Booked for Thursday 9:00")).to_be_visible()
    expect(timeline.get_by_text("Tom Berger replied")).to_be_visible()
    snap(page, "nojs-staff-reply")
