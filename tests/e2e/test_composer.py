"""The composer in Chromium: a note never looks like a reply; a saved reply is edited, then
sent; staff see when the customer saw it. Every id on the workspace once (axe)."""

from playwright.sync_api import expect

from portal.models import Role
from portal.services import saved_replies
from tests import factories
from tests.e2e.a11y import duplicate_ids, violations
from tests.e2e.conftest import ARTIFACTS, snap
from tests.e2e.helpers import sign_in, staff_sign_in


def _world() -> str:
    service = factories.department("Northside Service Centre")
    cat = factories.category(service, "Vehicle service and recalls")
    tom = factories.staff(Role.AGENT, [service], "Tom Berger", "tom@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana, "Recall RC-42 is not in the garage's system",
                          "The service manager says RC-42 is not in his system.", cat)
    saved_replies.save(tom, "Recall booked", "Dear {customer_name}, the recall work on "
                       "{case_reference} is booked for Thursday at 9:00. {signature}", None)
    return case.reference


def test_note_or_reply_is_unmistakable_and_a_saved_reply_is_edited_before_sending(page):
    reference = _world()
    staff_sign_in(page, "tom@example.com")
    page.goto(f"/admin/cases/{reference}")
    composer = page.locator("#composer")
    expect(composer.get_by_role("heading", name="Reply to Dana Whitfield")).to_be_visible()
    expect(composer.get_by_text("Dana Whitfield is told by email")).to_be_visible()
    expect(page.get_by_role("button", name="Send to customer")).to_be_visible()
    assert duplicate_ids(page) == []
    assert violations(page) == []

    # Choosing a note changes the heading, the words and the button at once.
    page.get_by_label("Staff-only note").check()
    expect(composer.get_by_role("heading", name="Staff-only note")).to_be_visible()
    expect(composer.get_by_text("the customer is not told and cannot see it")).to_be_visible()
    expect(page.get_by_role("button", name="Save staff-only note")).to_be_visible()
    expect(page.get_by_role("button", name="Send to customer")).to_have_count(0)
    note_colour = composer.evaluate("el => getComputedStyle(el).backgroundColor")
    snap(page, "composer-note")
    page.set_viewport_size({"width": 375, "height": 800})  # the note as a phone shows it
    composer.screenshot(path=str(ARTIFACTS / "composer-note-375.png"), caret="initial")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Message").fill("Customer called twice before: do not ask again.")
    page.get_by_role("button", name="Save staff-only note").click()
    expect(page.locator("#flashes")).to_contain_text(
        "Staff-only note saved — the customer cannot see it.")
    timeline = page.get_by_role("list", name="Case timeline")
    expect(timeline.get_by_text("Internal note by Tom Berger")).to_be_visible()
    # The next message starts as a reply again, and looks like one.
    expect(page.get_by_role("button", name="Send to customer")).to_be_visible()
    assert composer.evaluate("el => getComputedStyle(el).backgroundColor") != note_colour

    # A saved reply goes into the message, filled in; it is edited, then sent.
    page.get_by_label("Saved reply").select_option(label="Recall booked")
    page.get_by_role("button", name="Insert").click()
    message = page.get_by_label("Message")
    expect(message).to_have_value(
        f"Dear Dana Whitfield, the recall work on {reference} is booked for Thursday at "
        "9:00. {signature}")
    expect(message).to_be_focused()
    expect(composer.get_by_text("Parts in {braces} could not be filled in")).to_be_visible()
    assert duplicate_ids(page) == []
    snap(page, "composer-saved-reply-inserted")
    message.fill(message.input_value().replace("{signature}", "Tom, Northside"))
    page.get_by_role("button", name="Send to customer").click()
    expect(page.locator("#flashes")).to_contain_text("Sent to Dana Whitfield.")
    expect(timeline.get_by_text("booked for Thursday at 9:00. Tom, Northside")).to_be_visible()
    expect(timeline.get_by_text("Not yet seen since our last reply")).to_be_visible()
    assert duplicate_ids(page) == []
    assert violations(page) == []

    # Dana opens her case: the open workspace says she has seen our reply.
    customer = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    try:
        dana = customer.new_page()
        sign_in(dana, "dana@example.com")
        dana.goto(f"/cases/{reference}")
        expect(dana.get_by_text("Tom, Northside")).to_be_visible()
    finally:
        customer.close()
    expect(timeline.get_by_text("Seen by Dana Whitfield ·")).to_be_visible()
    snap(page, "composer-workspace")
    assert page.console_errors == [], page.console_errors
