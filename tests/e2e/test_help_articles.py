"""A customer finds a help article while typing a new case's subject, says it answered them
and opens no case; seven days later the staff dashboard counts one deflection."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, Role, utcnow
from portal.services import help_articles
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, staff_sign_in


def test_an_article_suggested_while_typing_answers_the_customer(page):
    delivery = factories.department("Home Delivery")
    deliveries = factories.category(delivery, "Deliveries")
    ken = factories.staff(Role.MANAGER, [delivery], "Ken Ito", "ken@example.com")
    factories.staff(Role.AGENT, [delivery], "June Park", "june@example.com")
    factories.customer("Sam Okafor", "sam@example.com")
    article = help_articles.save(
        ken, "My parcel is late", "Most late parcels arrive **within two days**. "
        "Track yours with the link in your dispatch email.", deliveries.id)
    help_articles.set_published(ken, article, True)
    db.session.commit()

    sign_in(page, "sam@example.com")
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("What is it about?").select_option(label="Deliveries")
    page.get_by_label("Subject").press_sequentially("Where is my late parcel", delay=30)
    suggestions = page.locator("#article-suggestions")
    expect(suggestions.get_by_role("heading", name="Did one of these answer you?")) \
        .to_be_visible()  # live, by htmx: nothing was submitted
    snap(page, "help-article-suggested")
    suggestions.get_by_role("link", name="My parcel is late").click()

    expect(page.get_by_role("heading", name="My parcel is late", level=1)).to_be_visible()
    expect(page.locator("strong", has_text="within two days")).to_be_visible()
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("You told us this answered your question.")).to_be_visible()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0

    deflections = page.locator(f"#numbers-{article.id} [data-label=deflections]")
    page.context.clear_cookies()
    staff_sign_in(page, "june@example.com")
    page.goto("/admin/articles/dashboard")
    expect(deflections).to_have_text("0")  # said yes, but the seven days have not passed
    with time_machine.travel(utcnow() + timedelta(days=7, hours=1)):
        page.context.clear_cookies()
        staff_sign_in(page, "june@example.com")
        page.get_by_role("link", name="Help articles").click()
        page.get_by_role("link", name="What they achieved").click()
        expect(deflections).to_have_text("1")
        snap(page, "help-article-dashboard")
