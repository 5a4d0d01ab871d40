"""The staff journey (issue 3): queue, workspace, reply, internal note, handoff, history."""

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from portal.services import case_details, customers
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, staff_sign_in


def _world():
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    cat = factories.category(service, "Vehicle service and recalls")
    factories.staff(Role.AGENT, [service], "Tom Berger", "tom@example.com")
    factories.staff(Role.AGENT, [finance], "Fatima Noor", "fatima@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    customers.set_fact(dana, dana, "vin", "WVWZZZ1KZAW000123")
    recall = factories.case(dana, "Recall RC-42 is not in the garage's system",
                            "The service manager says RC-42 is not in his system.", cat)
    case_details.add_reference(recall, None, "Recall", "RC-42")
    factories.case(factories.customer("Ravi Menon"), "Wireless CarPlay question", cat=cat)
    return recall.reference


def test_staff_filter_reply_note_handoff_and_history(page):
    reference = _world()
    db.session.commit()

    staff_sign_in(page, "tom@example.com")
    wrap = page.locator("#queue-results .table-wrap")
    # Every column of the queue shows on a laptop screen, without scrolling sideways.
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "the queue scrolls sideways"
    snap(page, "staff-queue")
    page.get_by_label("Search").fill("RC-42")
    results = page.locator("#queue-results")
    expect(results.get_by_text("Wireless CarPlay question")).to_have_count(0)
    expect(results.get_by_role("link", name="Recall RC-42")).to_be_visible()
    assert "q=RC-42" in page.url  # the filter lives in the URL
    results.get_by_role("link", name="Recall RC-42").click()

    expect(page.get_by_role("heading", name="Before you contact Dana Whitfield")).to_be_visible()
    expect(page.get_by_text("WVWZZZ1KZAW000123")).to_be_visible()
    snap(page, "staff-workspace")
    page.get_by_label("Message").fill("Head office confirmed RC-42. Booked for Thursday 9:00.")
    page.get_by_role("button", name="Send to customer").click()
    # The new page has come (the old one's live refresh can show the reply before it does).
    expect(page.get_by_label("Message")).to_have_value("")
    staff_timeline = page.get_by_role("list", name="Case timeline")
    expect(staff_timeline.get_by_text("Tom Berger replied")).to_be_visible()

    page.get_by_label("Staff-only note").check()
    page.get_by_label("Message").fill("Customer called twice before: do not ask again.")
    page.get_by_role("button", name="Save staff-only note").click()
    expect(page.get_by_label("Message")).to_have_value("")
    expect(staff_timeline.get_by_text("Internal note by Tom Berger")).to_be_visible()

    page.get_by_role("link", name="Dana Whitfield").first.click()
    expect(page.get_by_role("heading", name="Dana Whitfield", exact=True)).to_be_visible()
    expect(page.get_by_text("Cases in every department (1)")).to_be_visible()
    snap(page, "staff-customer-history")
    page.go_back()
    expect(page.get_by_role("heading", name="Before you contact Dana Whitfield")).to_be_visible()

    page.get_by_label("Department", exact=True).select_option(label="Finance")
    page.get_by_label("Handoff note (staff only)").fill(
        "Recall done under warranty; the invoice for the courtesy car must be cancelled.")
    page.get_by_role("button", name="Hand off").click()
    expect(page.get_by_text("Handed over, with your note.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "dana@example.com")
    page.goto(f"/cases/{reference}")
    timeline = page.get_by_role("list", name="Case history")
    expect(timeline.get_by_text("Booked for Thursday 9:00")).to_be_visible()
    expect(timeline.get_by_text("Your case is now with Finance")).to_be_visible()
    expect(page.get_by_text("do not ask again")).to_have_count(0)
    expect(page.get_by_text("courtesy car")).to_have_count(0)
    snap(page, "customer-after-handoff")
    page.get_by_role("button", name="Sign out").click()

    staff_sign_in(page, "fatima@example.com")
    page.goto(f"/admin/cases/{reference}")
    note = page.get_by_role("region", name="Handoff note from Tom Berger")
    expect(note.get_by_text("the invoice for the courtesy car must be cancelled")).to_be_visible()
    snap(page, "staff-workspace-after-handoff")
    assert page.console_errors == [], page.console_errors
