"""Issue 16 in Chromium: what a customer notices on a phone, with a quick finger or no JS."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaseEvent, Status
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in

VIN = "My VIN is WVWZZZ1KZAW000123."


def _dana_case(status: Status | None = None) -> str:
    """Dana's case (answered and resolved when `status` is RESOLVED); returns its reference."""
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana, "Recall RC-42")
    if status == Status.RESOLVED:
        from portal.services import cases

        agent = factories.staff(departments=[case.department], email="tom@example.com")
        cases.add_staff_reply(case, agent, "The recall is done.")
        cases.change_status(case, agent, Status.RESOLVED, "RC-42 done at Northside.")
    reference = case.reference
    db.session.commit()
    return reference


def _copies(body: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.body == body))


def test_three_quick_clicks_on_send_store_one_reply_and_show_no_error(page):
    reference = _dana_case()
    sign_in(page, "dana@example.com")
    page.goto(f"/cases/{reference}")
    page.get_by_label("Your reply").fill(VIN)
    page.get_by_role("button", name="Send reply").click(click_count=3)
    history = page.get_by_role("list", name="Case history")
    expect(history.get_by_text(VIN)).to_have_count(1)
    expect(page.get_by_label("Your reply")).to_have_value("")
    expect(page.locator(".error, .flash--error")).to_have_count(0)
    assert _copies(VIN) == 1
    assert page.console_errors == [], page.console_errors


def test_without_javascript_back_then_send_stores_no_second_copy(nojs):
    reference = _dana_case()
    sign_in(nojs, "dana@example.com")
    nojs.goto(f"/cases/{reference}")
    nojs.get_by_label("Your reply").fill(VIN)
    nojs.get_by_role("button", name="Send reply").click()
    expect(nojs.get_by_role("list", name="Case history").get_by_text(VIN)).to_be_visible()
    nojs.go_back()  # the form as it was sent, words and once-token both
    if not nojs.get_by_label("Your reply").input_value():
        nojs.get_by_label("Your reply").fill(VIN)  # a browser that forgot them: typed again
    nojs.get_by_role("button", name="Send reply").click()
    expect(nojs.get_by_role("list", name="Case history").get_by_text(VIN)).to_have_count(1)
    assert _copies(VIN) == 1



def test_without_javascript_back_then_send_on_a_new_case_opens_one_case(nojs):
    _dana_case()
    sign_in(nojs, "dana@example.com")
    nojs.goto("/cases/new")
    nojs.get_by_label("What is it about?").select_option(index=1)
    nojs.get_by_label("Subject").fill("Wiper blades squeak")
    nojs.get_by_label("Tell us what happened").fill(VIN)
    nojs.get_by_role("button", name="Open a new case").click()
    expect(nojs.get_by_role("heading", name="Wiper blades squeak")).to_be_visible()
    opened = nojs.url
    nojs.go_back()  # the form as it was sent: a fresh page, the browser restoring the words
    if not nojs.get_by_label("Tell us what happened").input_value():
        nojs.get_by_label("What is it about?").select_option(index=1)
        nojs.get_by_label("Subject").fill("Wiper blades squeak")
        nojs.get_by_label("Tell us what happened").fill(VIN)  # a browser that forgot them
    nojs.get_by_role("button", name="Open a new case").click()
    expect(nojs.get_by_role("heading", name="Wiper blades squeak")).to_be_visible()
    assert nojs.url == opened  # the case those words opened, not a second one
    assert _copies(VIN) == 1

def test_rating_chips_are_even_thumb_sized_targets_on_a_phone(page):
    reference = _dana_case(Status.RESOLVED)
    sign_in(page, "dana@example.com")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/cases/{reference}")
    chips = page.locator(".rating__option")
    expect(chips).to_have_count(11)
    boxes = [chips.nth(n).bounding_box() for n in range(11)]
    assert all(b["width"] >= 24 and b["height"] >= 24 for b in boxes), boxes
    assert len({round(b["width"]) for b in boxes}) == 1  # even: all the same size
    rows = sorted({round(b["y"]) for b in boxes})
    assert len(rows) == 2 and [round(b["y"]) for b in boxes].count(rows[0]) == 6
    chips.nth(0).click()  # the chip itself is the target, not a pin-sized radio in it
    expect(page.get_by_role("radio", name="0", exact=True)).to_be_checked()
    expect(page.get_by_text("This closes your case.")).to_be_visible()
    snap(page, "customer-feedback-chips")


def test_the_phone_header_keeps_sign_out_on_the_line_of_the_rest(page):
    _dana_case()
    sign_in(page, "dana@example.com")
    page.set_viewport_size({"width": 375, "height": 800})
    menu = page.get_by_role("navigation", name="Main")
    tops = [menu.get_by_role(role, name=name).bounding_box()
            for role, name in (("link", "My cases"), ("link", "Open a case"),
                               ("button", "Sign out"))]
    middles = {round(box["y"] + box["height"] / 2) for box in tops}
    assert max(middles) - min(middles) <= 2, tops


def test_the_counter_says_plainly_when_a_reply_is_too_long(page):
    reference = _dana_case()
    sign_in(page, "dana@example.com")
    page.goto(f"/cases/{reference}")
    counter = page.locator("#body-count")
    expect(counter).to_have_text("Up to 20000 characters.")
    page.get_by_label("Your reply").fill("x" * 19_990)
    expect(counter).to_have_text("Characters left: 10")
    page.get_by_label("Your reply").fill("x" * 20_003)  # a paste is kept whole, never cut
    expect(counter).to_have_text(
        "Characters over the limit: 3. Shorten it before sending: nothing is cut.")
    assert len(page.get_by_label("Your reply").input_value()) == 20_003
    expect(page.get_by_label("Your reply")).to_have_attribute("aria-invalid", "true")
