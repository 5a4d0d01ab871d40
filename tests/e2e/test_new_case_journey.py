"""A caller phones: staff find no customer, take them on with the case; the customer sees it."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.mail.inbound import ingest
from portal.models import OutboxMessage, Role
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import staff_sign_in


def test_a_caller_gets_a_case_and_finds_it_in_my_cases(page):
    service = factories.department("Northside Service Centre")
    factories.category(service, "Vehicle service and recalls")
    factories.category(factories.department("Finance"), "Invoices")
    factories.staff(Role.AGENT, [service], "Tom Berger", "tom@example.com")
    factories.customer("Dana Whitfield", "dana@example.com")
    db.session.commit()

    staff_sign_in(page, "tom@example.com")
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Name, email, phone or outside reference").fill("Sam Okafor")
    # Enter, as a caller's agent would: typing alone searches only once htmx has taken the
    # page over, which a loaded machine can delay past the first keystrokes.
    page.get_by_label("Name, email, phone or outside reference").press("Enter")
    expect(page.get_by_text("No customer matches “Sam Okafor”.")).to_be_visible()  # htmx
    assert "q=Sam%20Okafor" in page.url  # the search lives in the URL
    snap(page, "staff-new-case-find")
    page.get_by_role("link", name="New customer").click()

    expect(page.get_by_role("heading", name="New case for a new customer")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Sam Okafor")
    page.get_by_label("Email (optional)").fill("sam@example.com")
    page.get_by_label("Phone (optional)").fill("07700 900456")
    category = page.get_by_label("Category")
    assert "Invoices" not in category.inner_text()  # only my departments' categories
    category.select_option(label="Vehicle service and recalls (Northside Service Centre)")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Subject").fill("Brakes squeak after the service")
    page.get_by_label("In the customer's words").check()
    page.get_by_label("Message").fill("Since Monday's service the brakes squeak when cold.")
    snap(page, "staff-new-case-form")
    page.get_by_role("button", name="Open the case").click()

    expect(page.get_by_text(re.compile(r"Case CL-\d+ opened for Sam Okafor"))).to_be_visible()
    timeline = page.get_by_role("list", name="Case timeline")
    expect(timeline.get_by_text("taken down by Tom Berger")).to_be_visible()

    # Sam never chose a password: the email's link signs him in and lands on the case.
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_address == "sam@example.com"))
    assert "after your call with Tom Berger" in mail.body_text
    link = re.search(r"See your case: (\S+)", mail.body_text).group(1)
    page.context.clear_cookies()
    page.goto(urlsplit(link).path)  # PUBLIC_URL is another host in tests
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name="Brakes squeak after the service")).to_be_visible()
    page.goto("/cases")
    expect(page.get_by_role("link", name=re.compile("Brakes squeak after the service"))) \
        .to_be_visible()
    snap(page, "customer-my-cases-after-call")


def test_triage_makes_an_unknown_sender_a_customer_with_a_case(page):
    deliveries = factories.department("Home Delivery")
    factories.category(deliveries, "Deliveries")
    factories.staff(Role.AGENT, [deliveries], "June Park", "june@example.com")
    mail = ingest(b"From: Sam Okafor <sam@example.com>\r\nTo: support@caseloop.localhost\r\n"
                  b"Subject: Where is my sofa?\r\nMessage-ID: <sofa-1@mail.example.com>\r\n"
                  b"\r\nIt was due on Monday.\r\n")
    db.session.commit()

    staff_sign_in(page, "june@example.com")
    page.goto(f"/admin/inbox/{mail.id}")
    expect(page.get_by_label("Name")).to_have_value("Sam Okafor")
    expect(page.get_by_label("Email", exact=True)).to_have_value("sam@example.com")
    page.get_by_label("Category").select_option(label="Deliveries (Home Delivery)")
    snap(page, "staff-inbox-new-case")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text(re.compile(r"Case CL-\d+ opened from the email"))).to_be_visible()
    expect(page.get_by_role("list", name="Case timeline").get_by_text(
        "It was due on Monday.")).to_be_visible()
