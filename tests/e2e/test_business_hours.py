"""An admin sets a department's working hours and a holiday in the browser."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.models import Role
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import staff_sign_in, unexpected


def test_admin_sets_working_hours_and_a_holiday(page):
    factories.department("Customer Care")
    factories.staff(Role.ADMIN, [], "Ada Admin", "ada@example.com")
    staff_sign_in(page, "ada@example.com")
    page.goto("/admin/settings/departments")
    expect(page.get_by_text("Mon–Fri 09:00–17:00 · Europe/London")).to_be_visible()
    page.get_by_role("link", name="Hours Customer Care").click()
    expect(page.get_by_role("heading", name="Working hours of Customer Care")).to_be_visible()

    page.get_by_label("Open on Saturday").check()
    page.get_by_label("Saturday: From").fill("10:00")
    page.get_by_label("Saturday: To").fill("09:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_text("Closing must be after opening")).to_be_visible()
    page.screenshot(path="test-artifacts/screenshots/business-hours-refused-desktop.png",
                    caret="initial")
    page.get_by_label("Saturday: To").fill("14:00")
    page.get_by_role("combobox", name="Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_text("Saved the working hours of Customer Care.")).to_be_visible()

    page.get_by_label("Date", exact=True).fill("2026-12-25")
    page.get_by_label("What it is").fill("Christmas Day")
    page.get_by_role("button", name="Add closed date").click()
    expect(page.get_by_text("Added Christmas Day on 25 Dec 2026.")).to_be_visible()
    snap(page, "business-hours")
    page.get_by_role("button", name="Remove Christmas Day 25 Dec 2026").click()
    expect(page.get_by_text("No closed dates.")).to_be_visible()
    page.goto("/admin/settings/departments")
    expect(page.get_by_text("Mon–Fri 09:00–17:00, Sat 10:00–14:00 · America/New_York")
           ).to_be_visible()
    assert not unexpected(page.console_errors), page.console_errors
