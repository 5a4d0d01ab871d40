"""What the browser tests share: signing in and out, and reading the times a page shows."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from portal.database import writing
from portal.extensions import db
from portal.models import User
from portal.services import two_factor
from tests import factories
from tests.helpers import two_factor_code

CLOCK = r"\d{1,2}:\d\d(?: [AP]M)?"
# "Due by Thursday 2:00 PM EST", "due 26 Nov 14:00 IST", "Overdue since Sunday 22:01 GMT".
LABELLED = re.compile(rf"(?:\b[Bb]y|\bdue|since) (\w+ ({CLOCK}) ([A-Z]{{3,4}}))")


def sign_in(page, email: str) -> None:
    """Sign a customer in through the form and wait for their case list."""
    page.goto("/login")
    page.get_by_label("Email").first.fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()


def staff_sign_in(page, email: str) -> None:
    """Sign in through the staff pages, typing the authenticator's code when asked (managers
    and admins are enrolled first, as they would have done at their first sign-in)."""
    db.session.commit()  # a fresh transaction: the server has written since this one began
    with writing():  # take SQLite's write lock up front, as the server's writers do
        user = db.session.scalar(select(User).where(User.email == email))
        if two_factor.required_for(user) and not two_factor.is_enrolled(user):
            factories.enrol_two_factor(user)
        db.session.commit()
    page.goto("/admin/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: not url.endswith("/admin/login"))
    if page.url.endswith("/admin/login/code"):
        page.get_by_label("Code").fill(two_factor_code(user))
        db.session.commit()
        page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def sign_out(page) -> None:
    """Press the header's Sign out button."""
    page.get_by_role("button", name="Sign out").click()


def keep_promise(page, title: str, outcome: str):
    """Settle the case page's promise `title` as kept, saying what was done; its box."""
    promise = page.locator(".promise").filter(has_text=title)
    promise.get_by_text("Settle this promise").click()
    promise.get_by_label("Kept").check()
    promise.get_by_label("What was done, or why not").fill(outcome)
    promise.get_by_role("button", name="Save outcome").click()
    return promise


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the 4xx answers some of these pages are meant to give."""
    return [e for e in errors if "responded with a status of 4" not in e]


def times_shown(page) -> set[tuple[str, bool]]:
    """(zone, 12-hour clock?) of every time on the page: each <time>'s title and each
    labelled due time."""
    titles = page.locator("time[datetime]").evaluate_all("els => els.map(e => e.title)")
    shown = {(title.rsplit(" ", 1)[-1], bool(re.search(r" [AP]M ", title))) for title in titles}
    text = page.locator("main").inner_text()
    return shown | {(m.group(3), m.group(2).endswith("M")) for m in LABELLED.finditer(text)}


def assert_times_agree(page, zone: str, twelve_hour: bool) -> None:
    """Every time on the page is in the viewer's zone (named as now) and on one clock."""
    here = datetime.now(ZoneInfo(zone)).strftime("%Z")
    shown = times_shown(page)
    assert shown <= {(here, twelve_hour)}, (page.url, shown)
