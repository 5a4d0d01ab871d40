"""A manager's first sign-in in Chromium: password, set up two-factor, recovery codes, code step."""

import pyotp
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from tests import factories
from tests.e2e.conftest import snap


def _password(page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_manager_sets_up_two_factor_and_signs_in_with_a_code(page):
    factories.staff(Role.MANAGER, [factories.department("Customer Care")], "Grace Lindqvist",
                    "grace@example.com")
    db.session.commit()

    _password(page, "grace@example.com")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to add Caseloop to an authenticator app")) \
        .to_be_visible()
    snap(page, "staff-two-factor-setup")
    key = page.get_by_label("Setup key").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from the app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery_code = codes.first.inner_text()
    snap(page, "staff-recovery-codes")
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    _password(page, "grace@example.com")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    snap(page, "staff-two-factor-code")
    page.get_by_label("Code").fill(recovery_code)  # as if the phone were lost
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    expect(page.get_by_text("You used a recovery code; 9 are left")).to_be_visible()
    assert not page.console_errors or all("422" in e or "Response Status" in e
                                          for e in page.console_errors)

