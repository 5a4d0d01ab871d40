"""Story 1 as Dana lives it: sign in, open a case, reply, see it all on the timeline."""

from playwright.sync_api import expect

from portal.extensions import db
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in


def test_customer_opens_a_case_replies_and_sees_the_timeline(page):
    factories.category(factories.department("Northside Service Centre"),
                       "Vehicle service and recalls")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    db.session.commit()

    page.goto("/login")
    snap(page, "customer-login")
    sign_in(page, dana.email)
    snap(page, "customer-my-cases-empty")

    page.get_by_role("link", name="Open a case").first.click()
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    snap(page, "customer-open-case")
    page.get_by_label("What is it about?").select_option(label="Vehicle service and recalls")
    page.get_by_label("Subject").fill("Recall RC-42 not in the garage's system")
    page.get_by_label("Tell us what happened").fill(
        "The service centre says recall RC-42 is not in their system. VIN WVWZZZ1KZAW000123.")
    page.get_by_role("button", name="Open a new case").click()

    title = "Recall RC-42 not in the garage's system"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Received", exact=True)).to_be_visible()
    case_url = page.url

    page.get_by_label("Your reply").fill("My address is 12 Elm Street, if you need it.")
    page.get_by_role("button", name="Send reply").click()
    timeline = page.get_by_role("list", name="Case history")
    expect(timeline.get_by_text("My address is 12 Elm Street")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")  # ready for the next reply
    assert page.url == case_url  # swapped in place, no reload
    snap(page, "customer-case-page")

    page.reload()  # and it is really stored
    expect(timeline.get_by_text("My address is 12 Elm Street")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cases").click()
    expect(page.get_by_text("Recall RC-42 not in the garage's system")).to_be_visible()
    snap(page, "customer-my-cases")
    assert page.console_errors == [], page.console_errors


def test_empty_reply_shows_the_error_next_to_the_field_without_reload(page):
    dana = factories.customer(email="dana@example.com")
    case = factories.case(dana, "Recall RC-42")
    reference = case.reference
    db.session.commit()
    sign_in(page, dana.email)
    page.goto(f"/cases/{reference}")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Write your reply first.")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_be_focused()
