"""Every page, at desktop and at 375 px, checked by axe-core: no serious or critical finding.

The demo world (the five stories of docs/stories.md) fills the pages; a few extras cover what it
lacks: a customer without cases, files on a case, an email waiting in triage, an API token.
Screenshots land in test-artifacts/screenshots/a11y-*.png.
"""

from __future__ import annotations

import pytest
from flask import request, request_started
from playwright.sync_api import expect
from sqlalchemy import select

from portal import demo
from portal.database import writing
from portal.extensions import db
from portal.models import Category, KnownProblem, Organisation, Role
from portal.services import help_articles, notification_prefs, two_factor
from tests import factories
from tests.demo_world import case_of, staff_pages, user
from tests.e2e.a11y import audit, duplicate_ids, report
from tests.e2e.helpers import unexpected
from tests.helpers import last_link, two_factor_code

# Axe on every page at two widths takes minutes: `make test-slow`.
pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

# Endpoints that answer something other than a page: streams, files, fragments, redirects.
NOT_PAGES = {"customer.home", "customer.case_stream", "customer.cases_stream",
             "customer.case_live", "customer.attachment", "admin.attachment",
             "admin.case_stream", "admin.queue_stream", "admin.case_timeline",
             "admin.audit_csv", "admin.feedback_csv", "admin.settings", "health.healthz",
             "static", "customer.export_status", "customer.download_data",
             "admin.customer_data_download",  # a polled fragment; ZIP downloads
             "customer.article_suggestions", "customer.known_problems",  # fragments
             "admin.problem_update_progress"}

@pytest.fixture
def seen(app):
    """The endpoints the server answered during the test, to prove no page was skipped."""
    endpoints: set[str] = set()

    def _record(sender, **extra):
        endpoints.add(request.endpoint or "")

    request_started.connect(_record, app)
    yield endpoints
    request_started.disconnect(_record, app)


def unvisited(app, seen: set[str], prefix: str) -> list[str]:
    """Page endpoints under this blueprint that no request reached."""
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint.startswith(prefix)}
    return sorted(pages - NOT_PAGES - seen)


def sign_in_as(page, email: str, password: str = demo.PASSWORD, staff: bool = False) -> None:
    """Sign in through the forms, typing the authenticator's code when staff are asked."""
    page.context.clear_cookies()
    page.goto("/admin/login" if staff else "/login")
    page.get_by_label("Work email" if staff else "Email").first.fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
    if page.url.endswith("/admin/login/code"):
        page.get_by_label("Code").fill(two_factor_code(user(email)))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(lambda url: "/login" not in url)


def help_article():
    """A published help article (the demo has none yet), written by the admin."""
    db.session.commit()  # a fresh transaction: the server has written since this one began
    admin, category = user("admin@staff.example.com"), db.session.scalars(select(Category)).first()
    with writing():  # take SQLite's write lock up front, as the server's writers do
        article = help_articles.save(admin, "My parcel is late", "Most arrive **within two "
                                     "days**.\n\n- Track it\n- [Ask us](https://example.com)",
                                     category.id)
        help_articles.set_published(admin, article, True)
    return article


def visit(page, problems: list[str], name: str, url: str | None = None) -> None:
    if url is not None:
        page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    problems += audit(page, name)
    if name.startswith("staff-workspace"):  # many forms on one page: every id once
        problems += [f"{name}: {line}" for line in duplicate_ids(page)]


def test_every_customer_page(app, page, world, seen):
    problems: list[str] = []
    visit(page, problems, "customer-sign-in", "/login")
    page.get_by_role("button", name="Sign in", exact=True).click()
    visit(page, problems, "customer-sign-in-errors")
    visit(page, problems, "customer-sign-up", "/signup")
    page.get_by_role("button", name="Create account").click()
    visit(page, problems, "customer-sign-up-errors")
    visit(page, problems, "customer-forgot-password", "/reset")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_role("button", name="Email me a reset link").click()
    visit(page, problems, "customer-reset-link-sent")
    db.session.expire_all()
    visit(page, problems, "customer-new-password", last_link("dana@example.com"))
    page.goto("/login")
    page.locator("#link-email").fill("dana@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    visit(page, problems, "customer-sign-in-link-sent")
    db.session.expire_all()
    visit(page, problems, "customer-sign-in-link-confirm", last_link("dana@example.com"))
    visit(page, problems, "customer-link-expired", "/login/link/no-longer-valid")
    # An email's "Manage notifications" link (by way of its one-click address, as a mail
    # client that opens it in a browser does), and one that is not ours.
    token = notification_prefs.manage_token(user("dana@example.com"),
                                            case_of("dana@example.com").id)
    visit(page, problems, "customer-manage-notifications", f"/notifications/{token}/one-click")
    visit(page, problems, "customer-manage-notifications-refused", "/notifications/not-ours")

    sign_in_as(page, "nina@example.com", factories.PASSWORD)
    visit(page, problems, "customer-my-cases-empty", "/cases")

    sign_in_as(page, "dana@example.com")
    visit(page, problems, "customer-my-cases", "/cases")
    visit(page, problems, "customer-new-case", "/cases/new")
    page.get_by_role("button", name="Open a new case").click()
    visit(page, problems, "customer-new-case-errors")
    visit(page, problems, "customer-case-resolved-feedback",
          f"/cases/{case_of('dana@example.com').reference}")
    visit(page, problems, "customer-profile", "/profile")
    article = help_article()
    visit(page, problems, "customer-help", "/help")
    visit(page, problems, "customer-help-search", "/help?q=parcel")
    visit(page, problems, "customer-help-article", f"/help/{article.slug}")
    visit(page, problems, "customer-known-problems-followed", "/problems")
    visit(page, problems, "customer-service-status", "/status")
    visit(page, problems, "customer-404", "/cases/CL-999999")

    for who, name in [("ravi", "open-with-files"), ("mei", "reopened-follow-up-open"),
                      ("johnson", "with-promises"), ("lena", "closed-feedback-given")]:
        sign_in_as(page, f"{who}@example.com")
        visit(page, problems, f"customer-case-{name}",
              f"/cases/{case_of(f'{who}@example.com').reference}")
    assert not problems, report(problems)
    assert not unexpected(page.console_errors), page.console_errors
    missing = unvisited(app, seen, "customer.")
    assert not missing, f"pages this test does not visit yet: {missing}"


def test_every_staff_page(app, page, world, seen):
    admin = user("admin@staff.example.com")
    if not two_factor.is_enrolled(admin):
        factories.enrol_two_factor(admin)
    factories.staff(Role.MANAGER, name="Nora Newmanager", email="nora@staff.example.com")
    problems: list[str] = []
    visit(page, problems, "staff-sign-in", "/admin/login")
    page.get_by_role("button", name="Sign in", exact=True).click()
    visit(page, problems, "staff-sign-in-errors")

    sign_in_as(page, "tom@staff.example.com", staff=True)
    visit(page, problems, "staff-403", "/admin/settings/staff")

    sign_in_as(page, "nora@staff.example.com", factories.PASSWORD, staff=True)  # must enrol
    visit(page, problems, "staff-two-factor-setup")
    page.context.clear_cookies()
    page.goto("/admin/login")
    page.get_by_label("Work email").fill("admin@staff.example.com")
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    visit(page, problems, "staff-two-factor-code")
    sign_in_as(page, "admin@staff.example.com", staff=True)
    for name, url in staff_pages():
        visit(page, problems, name, url)
    article = help_article()
    for name, url in [("staff-articles", "/admin/articles"),
                      ("staff-article-new", "/admin/articles/new"),
                      ("staff-article", f"/admin/articles/{article.id}"),
                      ("staff-article-history", f"/admin/articles/{article.id}/history"),
                      ("staff-articles-dashboard", "/admin/articles/dashboard")]:
        visit(page, problems, name, url)
    problem = db.session.scalars(select(KnownProblem)).first()  # RC-42, from the demo
    organisation = db.session.scalars(select(Organisation)).first()  # Johnson Hardware
    for name, url in [("staff-problems", "/admin/problems"),
                      ("staff-problem-new", "/admin/problems/new"),
                      ("staff-problem", f"/admin/problems/{problem.id}"),
                      ("staff-problem-edit", f"/admin/problems/{problem.id}/edit"),
                      ("staff-organisations", "/admin/organisations"),
                      ("staff-organisation", f"/admin/organisations/{organisation.id}")]:
        visit(page, problems, name, url)
    page.goto("/admin/settings/api-tokens/new")
    page.get_by_label("Name").fill("Head office CRM")
    page.get_by_role("button", name="Create token").click()
    visit(page, problems, "staff-api-token-created")
    assert not problems, report(problems)
    assert not unexpected(page.console_errors), page.console_errors
    missing = unvisited(app, seen, "admin.")
    assert not missing, f"pages this test does not visit yet: {missing}"
