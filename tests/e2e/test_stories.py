"""The customer stories of docs/stories.md, lived in a real browser.

Each ends with what Caseloop makes true. Dana's recall (story 1) is also lived in parts by
test_customer_journey, test_staff_journey and the API's head-office test. Each story runs twice
(`place_page`): in New York at 1280 px on a 12-hour clock, and in Kolkata on a 375 px phone on
a 24-hour clock, with everyone's profile zone the browser's; every customer and staff case page
it sees shows each time in that zone, on that clock.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from portal.database import writing
from portal.extensions import db
from portal.models import PromiseState, Role, Status, User, utcnow
from portal.services import api_tokens as tokens
from portal.services import cases, handoffs, participants, promises, standards
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import LABELLED, assert_times_agree, sign_in, sign_out, staff_sign_in


@pytest.fixture
def page(place_page):
    """Each story in both places (tests/e2e/conftest.py, PLACES)."""
    return place_page


def at_home(page) -> None:
    """Everyone in the story has chosen the zone their browser is in, on their profile."""
    db.session.commit()  # a fresh transaction, then the write lock up front, as servers do
    with writing():
        db.session.execute(update(User).values(timezone=page.place.zone))
        db.session.commit()


def times_agree(page) -> None:
    """Every time on this page is in the viewer's zone and on their clock, and the page fits
    the screen's width (nothing to scroll sideways to on a phone)."""
    assert_times_agree(page, page.place.zone, page.place.twelve_hour)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.place.width, (page.url, wide)


def shot(page, name: str) -> None:
    """snap(), named after the place too: both runs of a story keep their screenshots."""
    snap(page, f"{name}-{page.place.zone.rsplit('/', 1)[-1].lower()}")


def labelled_times(page) -> set[str]:
    """The due and expected times the page states ("Wednesday 2:00 PM EST")."""
    return {m.group(1) for m in LABELLED.finditer(page.locator("main").inner_text())}


def staff_case(page, email: str, reference: str) -> None:
    """Sign the staff member in and open the case's workspace."""
    at_home(page)
    staff_sign_in(page, email)
    page.goto(f"/admin/cases/{reference}")
    times_agree(page)


def customer_case(page, email: str, reference: str):
    """Sign the customer in and open their case page; its history."""
    at_home(page)
    sign_in(page, email)
    page.goto(f"/cases/{reference}")
    times_agree(page)
    return page.get_by_role("list", name="Case history")


def give_feedback(page, solved: str, rating: str, comment: str) -> None:
    """Answer "Did we solve it?" on the open case page, as the customer."""
    page.get_by_role("radio", name=solved, exact=True).check()
    page.get_by_role("radio", name=rating, exact=True).check()
    page.get_by_label("Anything you want to tell us?").fill(comment)
    page.get_by_role("button", name="Send my answer").click()


def open_follow_up(page, manager_email: str, answer: str):
    """The manager's way to a follow-up: sign in, Close the loop, the answer; its timeline."""
    at_home(page)
    staff_sign_in(page, manager_email)
    page.get_by_role("link", name="Close the loop").click()
    page.get_by_role("link", name=answer).click()
    times_agree(page)
    return page.get_by_role("list", name="Case timeline")


def test_dana_recall_from_head_office_to_a_follow_up_that_knows_the_story(page):
    """Story 1: head office's system opens the recall case, the branch works the same case,
    her VIN is asked once, and the manager who follows up her low score already knows it all."""
    branch = factories.department("Northside Service Centre")
    factories.category(branch, "Vehicle recall")
    factories.staff(Role.AGENT, [branch], "Tom Berger", "tom@example.com")
    factories.staff(Role.MANAGER, [branch], "Nadia Kovac", "nadia@example.com")
    admin = factories.staff(Role.ADMIN, [], "Ada Admin", "ada@example.com")
    factories.customer("Dana Whitfield", "dana@example.com")
    _, secret = tokens.create(admin, "Head office recall system", "write", [branch.id])
    db.session.commit()

    opened = page.request.post("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"},
                               data={"customer_email": "dana@example.com",
                                     "title": "Open recall RC-42 on your car",
                                     "body": "Our records show recall RC-42 is open for your car.",
                                     "category": "Vehicle recall", "written_by": "business",
                                     "references": [{"system": "recall", "value": "RC-42"}]})
    assert opened.status == 201, opened.text()
    reference = opened.json()["reference"]

    at_home(page)
    staff_sign_in(page, "tom@example.com")
    page.get_by_label("Search").fill("RC-42")
    page.locator("#queue-results").get_by_role("link", name="Open recall RC-42").click()
    expect(page.get_by_text("recall: RC-42").first).to_be_visible()
    expect(page.get_by_text("Our records show recall RC-42 is open").first).to_be_visible()
    page.get_by_role("link", name="Add or correct details").click()
    page.get_by_label("Detail").select_option(label="Vehicle identification number (VIN)")
    page.get_by_label("Value").fill("WVWZZZ1KZAW000123")
    page.get_by_role("button", name="Save detail").click()
    expect(page.get_by_text("WVWZZZ1KZAW000123")).to_be_visible()
    page.goto(f"/admin/cases/{reference}")
    page.get_by_label("Message").fill("Recall RC-42 is booked here for Friday at 9:00.")
    page.get_by_role("button", name="Send to customer").click()
    expect(page.get_by_label("Message")).to_have_value("")
    page.get_by_label("Status", exact=True).select_option(
        label=factories.STATUS_LABELS[Status.RESOLVED])
    page.get_by_label("What to tell the customer (optional)").fill(
        "The recall work is done; nothing more to do.")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("Status: Resolved").first).to_be_visible()
    times_agree(page)
    sign_out(page)

    history = customer_case(page, "dana@example.com", reference)
    expect(history.get_by_text("API: Head office recall system opened this case")).to_be_visible()
    expect(history.get_by_text("Our records show recall RC-42 is open")).to_be_visible()
    expect(history.get_by_text("booked here for Friday at 9:00")).to_be_visible()
    give_feedback(page, "Yes", "3", "Done, but only after I chased head office myself.")
    expect(page.get_by_text("Thank you. Nadia Kovac will contact you by")).to_be_visible()
    shot(page, "story1-dana-after-feedback")
    sign_out(page)

    story = open_follow_up(page, "nadia@example.com", "Yes, 3/10")
    expect(story.get_by_text("Our records show recall RC-42 is open")).to_be_visible()
    expect(story.get_by_text("booked here for Friday at 9:00")).to_be_visible()
    expect(story.get_by_text("only after I chased head office myself")).to_be_visible()
    expect(page.get_by_text("WVWZZZ1KZAW000123")).to_be_visible()
    shot(page, "story1-follow-up")
    assert page.console_errors == [], page.console_errors


def test_ravi_is_never_surveyed_about_an_answer_that_never_came(page):
    """Story 2: no staff answer, so no feedback question — and the case says who has it."""
    dep = factories.department("Head Office")
    ravi = factories.customer("Ravi Menon", "ravi@example.com")
    unanswered = factories.case(ravi, "Does my car support wireless CarPlay?",
                                "The web form said someone would answer within 2 days.",
                                factories.category(dep, "Product questions"))
    db.session.commit()

    customer_case(page, "ravi@example.com", unanswered.reference)
    heading = page.get_by_role("heading", name="Does my car support wireless CarPlay?")
    expect(heading).to_be_visible()
    expect(page.get_by_text("Did we solve it?")).to_have_count(0)
    expect(page.get_by_text("How would you rate")).to_have_count(0)
    shot(page, "story2-ravi-unanswered")
    assert page.console_errors == [], page.console_errors


def test_mei_gives_zero_and_a_named_manager_closes_the_loop(page):
    """Story 3: a 0 becomes a follow-up with a person and a time; its outcome is on her case."""
    bank = factories.department("Customer Care")
    agent = factories.staff(Role.AGENT, [bank], "Leo Marsh", "leo@example.com")
    factories.staff(Role.MANAGER, [bank], "Grace Adeyemi", "grace@example.com")
    mei = factories.customer("Mei Chen", "mei@example.com")
    case = factories.case(mei, "My relationship manager ignores my complaint",
                          "Three emails, no answer.", factories.category(bank, "Complaints"))
    cases.add_staff_reply(case, agent, "I am sorry. I have spoken to your manager.")
    cases.change_status(case, agent, Status.RESOLVED,
                        "Your relationship manager will call you this week.")

    customer_case(page, "mei@example.com", case.reference)
    expect(page.get_by_role("heading", name="Did we solve it?")).to_be_visible()
    give_feedback(page, "No", "0", "Nobody called me. Again.")
    expect(page.get_by_text("Thank you. Grace Adeyemi will contact you by")).to_be_visible()
    expect(page.get_by_text("Contact you about your feedback").first).to_be_visible()
    shot(page, "story3-mei-after-zero")
    sign_out(page)

    story = open_follow_up(page, "grace@example.com", "No, 0/10")
    expect(story.get_by_text("Three emails, no answer.")).to_be_visible()
    expect(story.get_by_text("I have spoken to your manager.")).to_be_visible()
    shot(page, "story3-follow-up")
    page.get_by_label("What was done (staff only)").fill(
        "Called Mei; moved her to a new relationship manager.")
    page.get_by_label("What the customer was told").fill(
        "We apologised and gave you a new relationship manager, Ana, from Monday.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("Loop closed: the customer sees what was done.")).to_be_visible()
    sign_out(page)

    history = customer_case(page, "mei@example.com", case.reference)
    expect(history.get_by_text("What we did about your feedback")).to_be_visible()
    expect(history.get_by_text("Reopened: you said it is not solved")).to_be_visible()
    # Once on the timeline (the kept promise does not repeat it), and in the promise panel.
    expect(history.get_by_text("a new relationship manager, Ana, from Monday")).to_have_count(1)
    expect(page.get_by_role("region", name="What we promised you").get_by_text(
        "Kept")).to_be_visible()
    expect(page.get_by_text("moved her to a new relationship manager")).to_have_count(0)
    shot(page, "story3-mei-sees-outcome")
    assert page.console_errors == [], page.console_errors


def test_finance_sees_what_sales_promised_mr_johnson(page):
    """Story 4: Tuesday's promise travels with the handoff; the customer sees it too."""
    sales = factories.department("Sales")
    finance = factories.department("Finance")
    seller = factories.staff(Role.AGENT, [sales], "Marco Ricci", "marco@example.com")
    factories.staff(Role.AGENT, [finance], "Fatima Noor", "fatima@example.com")
    johnson = factories.customer("Alan Johnson", "johnson@example.com")
    case = factories.case(johnson, "Payment terms for Thursday's invoice",
                          "Can the 30-day terms be moved to 45 days?",
                          factories.category(sales, "Accounts and sales"))
    cases.add_staff_reply(case, seller, "Yes: we will adjust your terms to 45 days.")
    promises.make(case, seller, "Adjust the payment terms to 45 days", seller,
                  utcnow() + timedelta(days=2))
    handoffs.hand_off(case, seller, finance, None,
                      "Agreed with Mr Johnson on Tuesday: 45-day terms from Thursday's invoice.")
    db.session.commit()

    staff_case(page, "fatima@example.com", case.reference)
    panel = page.get_by_role("complementary").filter(
        has=page.get_by_role("heading", name="Before you contact Alan Johnson"))
    expect(panel.get_by_text("Adjust the payment terms to 45 days").first).to_be_visible()
    expect(page.get_by_text("45-day terms from Thursday's invoice").first).to_be_visible()
    shot(page, "story4-finance-workspace")
    staff_times = labelled_times(page)
    sign_out(page)

    customer_case(page, "johnson@example.com", case.reference)
    expect(page.get_by_text("Adjust the payment terms to 45 days").first).to_be_visible()
    assert labelled_times(page) & staff_times  # the promise: one time for both of them
    expect(page.get_by_text("Agreed with Mr Johnson on Tuesday")).to_have_count(0)
    shot(page, "story4-johnson-sees-promise")
    assert page.console_errors == [], page.console_errors


def test_mr_johnsons_clerk_on_cc_follows_the_promise_to_kept(page):
    """Story 4, his side: his accounts clerk is on the case (CC), sees Finance's promise and
    its state in her own portal, and sees it kept."""
    finance = factories.department("Finance")
    fatima = factories.staff(Role.AGENT, [finance], "Fatima Noor", "fatima@example.com")
    johnson = factories.customer("Alan Johnson", "johnson@example.com")
    factories.customer("Lucy Barnes", "lucy@example.com")
    case = factories.case(johnson, "Payment terms for Thursday's invoice",
                          "Can the 30-day terms be moved to 45 days?",
                          factories.category(finance, "Accounts and sales"))
    participants.add(case, johnson, "lucy@example.com")
    promise = promises.make(case, fatima, "Adjust the payment terms to 45 days", fatima,
                            utcnow() + timedelta(days=2))
    db.session.commit()

    at_home(page)
    sign_in(page, "lucy@example.com")
    shared = page.get_by_role("list", name="Shared with me")
    expect(shared.get_by_text("Opened by Alan Johnson")).to_be_visible()
    shared.get_by_role("link", name="Payment terms for Thursday's invoice").click()
    times_agree(page)
    promised = page.get_by_role("region", name="What we promised you")
    expect(promised.get_by_text("Adjust the payment terms to 45 days")).to_be_visible()
    expect(promised.get_by_text("Due by")).to_be_visible()
    shot(page, "story4-clerk-sees-promise")

    db.session.commit()
    promises.resolve(db.session.merge(promise), PromiseState.KEPT, by=db.session.merge(fatima),
                     note="45-day terms set on the account.")
    page.reload()
    expect(promised.get_by_text("Kept")).to_be_visible()
    expect(promised.get_by_text("45-day terms set on the account.")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_sam_is_told_when_the_next_update_comes(page):
    """Story 5: the update-cadence standard tells Sam when he will hear next."""
    delivery = factories.department("Home Delivery")
    agent = factories.staff(Role.AGENT, [delivery], "June Park", "june@example.com")
    admin = factories.staff(Role.ADMIN, [], "Ada Admin", "ada@example.com")
    cat = factories.category(delivery, "Orders and delivery")
    standards.save(admin, cat, None, 60, 24 * 60, 3 * 24 * 60)
    sam = factories.customer("Sam Okoro", "sam@example.com")
    case = factories.case(sam, "My groceries did not arrive", "Order 5531 was due at 10:00.",
                          cat)
    cases.add_staff_reply(case, agent, "We are tracing your delivery with the driver.")
    db.session.commit()

    customer_case(page, "sam@example.com", case.reference)
    expect(page.get_by_text("Next update expected by").first).to_be_visible()
    shot(page, "story5-sam-next-update")
    sign_out(page)
    staff_case(page, "june@example.com", case.reference)
    assert page.console_errors == [], page.console_errors


def test_a_live_update_never_wipes_a_half_written_answer(page):
    """Nothing a customer wrote is lost: the live refresh waits while the form holds edits."""
    dep = factories.department("Customer Care")
    agent = factories.staff(Role.AGENT, [dep], "Leo Marsh", "leo@example.com")
    mei = factories.customer("Mei Chen", "mei@example.com")
    case = factories.case(mei, "Card blocked abroad", "My card was refused in Lisbon.",
                          factories.category(dep, "Complaints"))
    cases.add_staff_reply(case, agent, "We unblocked it.")
    cases.change_status(case, agent, Status.RESOLVED, "Your card works again.")

    customer_case(page, "mei@example.com", case.reference)
    comment = page.get_by_label("Anything you want to tell us?")
    comment.fill("It took three calls to get this far, and")
    page.wait_for_timeout(500)  # the stream is connected before the change below
    db.session.commit()  # a fresh transaction, then the write lock up front, as servers do
    with writing():
        promises.make(case, agent, "Refund the call charges", agent,
                      utcnow() + timedelta(days=1))
    page.wait_for_timeout(1500)  # a refresh would have landed by now
    expect(comment).to_have_value("It took three calls to get this far, and")

    page.get_by_role("radio", name="Partly", exact=True).check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("You answered:", exact=True)).to_be_visible()
    expect(page.get_by_text("Refund the call charges").first).to_be_visible()
    assert page.console_errors == [], page.console_errors
