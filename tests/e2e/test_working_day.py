"""A support team's working day in Chromium, as issue 15 tells it: a caller phones, the agent
takes them on with a case and a promise, hands it to Finance passing the promise, Finance
keeps it and is credited, a bulk reassign moves three cases and a saved reply answers one."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, PromiseState, Role, User
from portal.models.cases import parse_reference
from portal.services import saved_replies
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import keep_promise, staff_sign_in


def _world() -> list[str]:
    """Sales (Tom manages it, Hana works in it) with three waiting cases; Finance (Leo, and
    Ruth, who shares the department's saved reply)."""
    sales, finance = factories.department("Sales"), factories.department("Finance")
    orders = factories.category(sales, "Orders")
    factories.category(finance, "Invoices")
    factories.staff(Role.MANAGER, [sales], "Tom Berger", "tom@example.com")
    factories.staff(Role.AGENT, [sales], "Hana Okafor", "hana@example.com")
    factories.staff(Role.AGENT, [finance], "Leo Park", "leo@example.com")
    ruth = factories.staff(Role.MANAGER, [finance], "Ruth Adler", "ruth@example.com")
    waiting = [factories.case(factories.customer(name), title, cat=orders) for name, title in (
        ("Ravi Menon", "Order 1182 arrived incomplete"),
        ("Lena Park", "Wrong colour delivered"),
        ("Omar Haddad", "Delivery date moved twice"))]
    saved_replies.save(ruth, "Terms adjusted", "Dear {customer_name}, your payment terms on "
                       "{case_reference} are adjusted as agreed. {details}", finance.id)
    db.session.commit()
    return [case.reference for case in waiting]


def _take_the_call(page) -> str:
    """Tom finds no customer, takes Mr Johnson on with the case and promises a call back."""
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Name, email, phone or outside reference").fill("Peter Johnson")
    # Enter, as a caller's agent would: typing alone searches only once htmx has taken the
    # page over, which a loaded machine can delay past the first keystrokes.
    page.get_by_label("Name, email, phone or outside reference").press("Enter")
    expect(page.get_by_text("No customer matches “Peter Johnson”.")).to_be_visible()
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Email (optional)").fill("johnson@example.com")
    page.get_by_label("Category").select_option(label="Orders (Sales)")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Subject").fill("Thursday's payment terms")
    page.get_by_label("In the customer's words").check()
    page.get_by_label("Message").fill("Your salesman said my Thursday terms would change.")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text(re.compile(r"Case CL-\d+ opened for Peter Johnson"))).to_be_visible()
    reference = re.search(r"/admin/cases/(CL-\d+)", page.url).group(1)

    promises = page.locator("#promises")
    promises.get_by_text("Make a promise").click()
    promises.get_by_label("We promise to").fill("Adjust Thursday's payment terms")
    promises.get_by_role("button", name="Record promise").click()
    expect(page.locator(".promise").filter(has_text="Adjust Thursday's payment terms")
           .get_by_text("Tom Berger")).to_be_visible()
    return reference


def _hand_to_finance(page, reference: str) -> None:
    page.goto(f"/admin/cases/{reference}")  # a fresh page: no live refresh of our own promise
    form = page.locator("#handoff")
    form.get_by_label("Department", exact=True).select_option(label="Finance")
    person = form.get_by_label("Person", exact=True)
    expect(person.locator("option")).to_have_text(
        ["Nobody yet: the Finance queue", "Leo Park", "Ruth Adler"])
    person.select_option(label="Leo Park")
    expect(form.get_by_label("Pass it to whoever receives the case")).to_be_checked()
    form.get_by_label("Handoff note (staff only)").fill("Sales agreed 60-day terms on Tuesday.")
    form.get_by_role("button", name="Hand off").click()
    expect(page.get_by_text("Handed over, with your note.")).to_be_visible()


def _keep_and_answer(page, reference: str) -> None:
    """Leo keeps the promise Tom passed him, then answers with a saved reply, edited."""
    page.goto("/admin/promises")
    page.get_by_role("row").filter(has_text="Adjust Thursday's payment terms") \
        .get_by_role("link").click()
    promise = keep_promise(page, "Adjust Thursday's payment terms", "Terms set to 60 days.")
    expect(promise.get_by_text("Kept by Leo Park")).to_be_visible()

    page.get_by_label("Saved reply").select_option(label="Terms adjusted")
    page.get_by_role("button", name="Insert").click()
    message = page.get_by_label("Message")
    expect(message).to_have_value(re.compile(rf"^Dear Peter Johnson, .* on {reference} "))
    message.fill(message.input_value().replace("{details}", "You now pay within 60 days."))
    snap(page, "working-day-saved-reply")
    page.get_by_role("button", name="Send to customer").click()
    expect(page.locator("#flashes")).to_contain_text("Sent to Peter Johnson.")


def _move_three(page, waiting: list[str]) -> None:
    """Tom gives the three waiting cases to Hana in one step."""
    page.goto("/admin/cases")
    for reference in waiting:
        page.get_by_label(f"Select {reference}").check()
    page.get_by_label("Change to").select_option(label="Hana Okafor")
    page.get_by_label("Handoff note (staff only)").fill("Hana takes the open orders today.")
    page.get_by_role("button", name="Change ticked cases").click()
    # The rows, not the flash: a live refresh of the list can land before the flash is read.
    expect(page.locator("#queue-results tbody tr").filter(has_text="Hana Okafor")) \
        .to_have_count(3)


def test_a_caller_a_promise_through_finance_a_bulk_move_and_a_saved_reply(page):
    waiting = _world()
    staff_sign_in(page, "tom@example.com")
    reference = _take_the_call(page)
    _hand_to_finance(page, reference)
    page.goto("/admin/promises")  # Tom's list no longer holds what Finance now owns
    expect(page.get_by_text("No open promises. Nothing is due.")).to_be_visible()
    _move_three(page, waiting)
    page.get_by_role("button", name="Sign out").click()

    staff_sign_in(page, "leo@example.com")
    _keep_and_answer(page, reference)
    assert page.console_errors == [], page.console_errors

    db.session.commit()  # a fresh read: the server wrote meanwhile
    case = db.session.get(Case, parse_reference(reference))
    [promise] = case.promises
    assert promise.state == PromiseState.KEPT and promise.resolved_by.name == "Leo Park"
    assert case.customer.email == "johnson@example.com"
    hana = db.session.scalar(select(User).where(User.email == "hana@example.com"))
    assert {db.session.get(Case, parse_reference(r)).assignee_id for r in waiting} == {hana.id}
