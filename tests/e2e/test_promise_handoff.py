"""A promise follows the case to Finance, is kept there, and the keeper is credited."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User, utcnow
from portal.services import promises
from tests import factories
from tests.e2e.conftest import ARTIFACTS, snap
from tests.e2e.helpers import keep_promise, staff_sign_in


def _world() -> str:
    sales, finance = factories.department("Sales"), factories.department("Finance")
    tom = factories.staff(Role.MANAGER, [sales], "Tom Berger", "tom@example.com")
    factories.staff(Role.AGENT, [finance], "Leo Park", "leo@example.com")
    case = factories.case(factories.customer("Dana Whitfield"), "Deposit not refunded",
                          cat=factories.category(sales, "Orders"))
    promises.make(case, tom, "Refund the deposit", tom, utcnow() + timedelta(days=1))
    db.session.commit()
    return case.reference


def _shoot_form(page, name: str) -> None:
    """The handoff form alone, at 1280 and 375 px wide."""
    page.locator("#handoff").screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.locator("#handoff").screenshot(path=str(ARTIFACTS / f"{name}-mobile.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_hand_off_to_finance_passing_the_promise_kept_and_credited(page):
    reference = _world()
    staff_sign_in(page, "tom@example.com")
    page.goto(f"/admin/cases/{reference}")
    form = page.locator("#handoff")
    person = form.get_by_label("Person", exact=True)
    expect(person.locator("option:checked")).to_have_text("Nobody yet: the Sales queue")
    form.get_by_label("Department", exact=True).select_option(label="Finance")
    # htmx swaps in Finance's people.
    expect(person.locator("option")).to_have_text(["Nobody yet: the Finance queue", "Leo Park"])
    expect(form.get_by_label("Pass it to whoever receives the case")).to_be_checked()
    form.get_by_label("Handoff note (staff only)").fill("Refund approved; Finance pays it.")
    _shoot_form(page, "handoff-form")
    snap(page, "handoff-workspace")
    form.get_by_role("button", name="Hand off").click()
    expect(page.get_by_text("Handed over, with your note.")).to_be_visible()
    page.goto("/admin/promises")
    expect(page.get_by_text("No open promises. Nothing is due.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    staff_sign_in(page, "leo@example.com")
    page.goto("/admin/promises")
    row = page.get_by_role("row").filter(has_text="Refund the deposit")
    expect(row.get_by_text("Finance queue")).to_be_visible()
    row.get_by_role("link").click()
    keep_promise(page, "Refund the deposit", "Refunded to her card today.")
    expect(page.get_by_text("Promise marked kept.")).to_be_visible()
    expect(page.locator(".promise").filter(has_text="Refund the deposit")
           .get_by_text("Kept by Leo Park")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_without_javascript_the_department_step_lists_its_people(nojs):
    reference = _world()
    page = nojs
    staff_sign_in(page, "tom@example.com")
    page.goto(f"/admin/cases/{reference}")
    form = page.locator("#handoff")
    form.get_by_label("Department", exact=True).select_option(label="Finance")
    form.get_by_label("Handoff note (staff only)").fill("Refund approved; Finance pays it.")
    form.get_by_role("button", name="List its people").click()
    form = page.locator("#handoff")
    expect(form.get_by_label("Handoff note (staff only)")).to_have_value(
        "Refund approved; Finance pays it.")
    form.get_by_label("Person", exact=True).select_option(label="Leo Park")
    form.get_by_role("button", name="Hand off").click()
    expect(page.get_by_text("Handed over, with your note.")).to_be_visible()
    db.session.commit()
    [promise] = db.session.scalars(promises.due_query(
        db.session.scalar(select(User).where(User.email == "leo@example.com"))))
    assert promise.what == "Refund the deposit"
