"""Keyboard only: Tab, Shift+Tab, Enter, Space and typing; the mouse is never used.

Each step also checks what a keyboard or screen-reader user relies on: the skip link, a focus
ring that can be seen, and where focus lands after a swap or a new page (static/js/a11y.js).
"""

from __future__ import annotations

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from tests import factories
from tests.e2e.conftest import snap

# What the focused element is, in the words a screen reader would use.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return {tag: "body", name: ""}; }
  const label = el.labels && el.labels[0] ? el.labels[0].textContent : "";
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
    name: (el.getAttribute("aria-label") || label || el.textContent || "").trim()
      .replace(/\\s+/g, " "),
    ring: style.outlineStyle !== "none" || style.boxShadow !== "none",
  };
}"""


def focused(page) -> dict:
    return page.evaluate(_FOCUSED)


def tab_to(page, name: str, tag: str | None = None, back: bool = False, limit: int = 80):
    """Press Tab (or Shift+Tab) until the focused element's name contains `name`."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        seen.append(f"{now['tag']}:{now['name'][:30]}")
        if name in now["name"] and (tag is None or now["tag"] == tag):
            assert now["ring"], f"{name}: focused but no visible focus ring"
            return now
    raise AssertionError(f"never reached {name!r} by keyboard; focus went {seen}")


def type_in(page, name: str, tag: str, text: str) -> None:
    """Tab to the field, then type, as a person would."""
    tab_to(page, name, tag)
    page.keyboard.type(text)


def test_skip_link_comes_first_and_jumps_to_the_content(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to content"
    box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    snap(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, "Email", "input")  # the next stop is in the content, not the menu


def test_customer_opens_a_case_and_replies_with_the_keyboard_alone(page):
    factories.category(factories.department("Northside Service Centre"),
                       "Vehicle service and recalls")
    factories.customer("Dana Whitfield", "dana@example.com")
    db.session.commit()

    page.goto("/login")
    type_in(page, "Email", "input", "dana@example.com")
    type_in(page, "Password", "input", factories.PASSWORD)
    page.keyboard.press("Enter")
    # A new page starts at its heading.
    expect(page.get_by_role("heading", name="My cases")).to_be_focused()

    tab_to(page, "Open a case", "a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    tab_to(page, "What is it about?", "select")
    page.keyboard.type("Vehicle")  # typing picks the option, as in every browser
    type_in(page, "Subject", "input", "Recall RC-42 not booked")
    type_in(page, "Tell us what happened", "textarea", "The garage cannot see recall RC-42.")
    tab_to(page, "Open a new case", "button")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Recall RC-42 not booked")).to_be_visible()

    type_in(page, "Your reply", "textarea", "My VIN is WVWZZZ1KZAW000123.")
    tab_to(page, "Send reply", "button")
    page.keyboard.press("Enter")
    # Focus lands on the new message, and a screen reader hears that it was sent.
    history = page.get_by_role("list", name="Case history")
    expect(history.locator("li", has_text="My VIN is WVWZZZ1KZAW000123.")).to_be_focused()
    now = focused(page)
    assert now["tag"] == "li" and "You wrote" in now["name"], now
    assert now["ring"], "the new message has focus but shows no ring"
    expect(page.locator("#announcer")).to_have_text(
        "Your reply is sent and added to the case history.")
    snap(page, "keyboard-customer-reply-sent")
    # Shift+Tab goes back up the page from there, into the history.
    tab_to(page, "My cases", "a", back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Recall RC-42 not booked")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_staff_finds_a_case_in_the_queue_and_replies_with_the_keyboard_alone(page):
    service = factories.department("Northside Service Centre")
    cat = factories.category(service, "Vehicle service and recalls")
    factories.staff(Role.AGENT, [service], "Tom Berger", "tom@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana, "Recall RC-42 is not in the garage's system", cat=cat)
    factories.case(factories.customer("Ravi Menon"), "Wireless CarPlay question", cat=cat)
    db.session.commit()

    page.goto("/admin/login")
    type_in(page, "Work email", "input", "tom@example.com")
    type_in(page, "Password", "input", factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    type_in(page, "Search", "input", "RC-42")
    # The results change under the search box: focus stays there and the count is read out.
    results = page.locator("#queue-results")
    expect(results.get_by_text("Wireless CarPlay question")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("Showing 1 open case")
    assert focused(page)["name"] == "Search"
    tab_to(page, "Recall RC-42", "a")  # past the other filters, into the results
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Before you contact Dana Whitfield")).to_be_visible()

    type_in(page, "Message", "textarea", "Head office confirmed. Booked for Thursday 9:00.")
    tab_to(page, "Send to customer", "button")
    page.keyboard.press("Enter")
    timeline = page.get_by_role("list", name="Case timeline")
    expect(timeline.get_by_text("Booked for Thursday 9:00")).to_be_visible()
    # The answer is a new page (the form posts and redirects, boosted by htmx): it says what
    # happened, and reading starts there.
    expect(page.locator("#flashes")).to_contain_text("Sent to Dana Whitfield.")
    page.wait_for_function("() => document.activeElement.closest('#flashes') !== null")
    now = focused(page)
    assert "Sent to Dana Whitfield." in now["name"] and "flash" in now["cls"], now
    snap(page, "keyboard-staff-reply-sent")
    assert page.console_errors == [], page.console_errors
