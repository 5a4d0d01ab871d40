"""A customer in New York says their case is taking too long: a London manager owns the
answer, the customer sees who and by when in their own zone, the manager finds it among
their promises, and a case nobody has updated for days waits on the Stuck tab."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomerEscalation, Role, utcnow
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, staff_sign_in


def _world() -> tuple[str, str]:
    recalls = factories.department("Recalls")
    cat = factories.category(recalls, "Vehicle recalls")
    factories.staff(Role.MANAGER, [recalls], "Priya Shah", "priya@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    dana.timezone = "America/New_York"  # what she chose on her profile
    case = factories.case(dana, "Recall RC-42 not booked", cat=cat)
    with time_machine.travel(utcnow() - timedelta(days=10), tick=False):
        quiet = factories.case(factories.customer("Sam Okafor"), "Brake light recall", cat=cat)
    db.session.commit()
    return case.reference, quiet.reference


def test_escalate_see_the_manager_and_find_the_quiet_case_stuck(page):
    reference, quiet = _world()
    sign_in(page, "dana@example.com")
    page.goto(f"/cases/{reference}")
    panel = page.locator("#escalate")
    expect(panel.get_by_role("heading", name="This is taking too long")).to_be_visible()
    panel.get_by_label("What is taking too long?").fill("Three weeks and still no garage slot.")
    panel.get_by_role("button", name="Escalate to a manager").click()
    owner = page.locator("#escalate .escalate__owner")
    expect(owner).to_contain_text("Priya Shah, a manager, owns the answer to your case")
    db.session.commit()
    escalation = db.session.scalar(select(CustomerEscalation))
    due = escalation.promise.due_at.astimezone(ZoneInfo("America/New_York"))
    # Her own zone: New York time, labelled so, on the date it falls there.
    expect(owner).to_contain_text(due.strftime("%d %b %Y"))
    assert re.search(r"answer by .* (EST|EDT)", owner.inner_text())
    expect(page.locator(".event--escalation")).to_contain_text(
        "You said this is taking too long: Priya Shah owns the answer")
    expect(page.locator(".promise").filter(has_text="A manager answers your escalation")
           .get_by_text("Priya Shah")).to_be_visible()
    snap(page, "customer-escalated")
    assert page.console_errors == [], page.console_errors
    page.get_by_role("button", name="Sign out").click()

    staff_sign_in(page, "priya@example.com")
    page.goto("/admin/promises")
    row = page.get_by_role("row").filter(has_text="A manager answers your escalation")
    expect(row).to_contain_text(reference)
    page.goto("/admin/cases")
    page.get_by_role("link", name=re.compile(r"^Stuck")).click()
    expect(page.get_by_role("link", name=f"{quiet} Brake light recall")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(reference))).to_have_count(0)
    page.get_by_role("link", name=f"{quiet} Brake light recall").click()
    expect(page.get_by_text("Stuck: no update the customer can see since")).to_be_visible()
    snap(page, "stuck-workspace")
