"""Issue 19's known problem, end to end: head office opens RC-42 through the API, fifty
recall cases arriving with that reference link themselves, one update reaches all fifty
timelines and customers, and a new customer choosing the category follows the problem
instead of opening a case."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaseEvent, EventKind, OutboxMessage, ProblemCase, Role, User
from portal.services import api_tokens as tokens
from portal.services import cases, problems
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, sign_out, staff_sign_in

AFFECTED = 50


def test_one_update_reaches_fifty_recall_customers_and_a_newcomer_follows(page):
    branch = factories.department("Northside Service Centre")
    factories.category(branch, "Vehicle recall")
    factories.category(branch, "Servicing")
    factories.staff(Role.MANAGER, [branch], "Omar Haddad", "omar@example.com")
    admin = factories.staff(Role.ADMIN, [], "Ada Admin", "ada@example.com")
    factories.customer("Ines Newcomer", "ines@example.com")
    _, secret = tokens.create(admin, "Head office recall system", "write", [branch.id])
    db.session.commit()
    auth = {"Authorization": f"Bearer {secret}"}

    opened = page.request.post("/api/v1/problems", headers=auth, data={
        "title": "Brake recall RC-42", "categories": ["Vehicle recall"],
        "public_text": "Some cars need new brake hoses. We are booking every car in.",
        "outside_reference": "RC-42"})
    assert opened.status == 201, opened.text()
    problem = opened.json()

    for number in range(AFFECTED):
        case = page.request.post("/api/v1/cases", headers=auth, data={
            "customer_email": f"owner{number}@example.com", "title": "Recall RC-42 on your car",
            "body": "Our records show recall RC-42 is open for your car.",
            "category": "Vehicle recall", "written_by": "business",
            "references": [{"system": "recall", "value": "RC-42"}]})
        assert case.status == 201, case.text()
    last_reference = case.json()["reference"]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ProblemCase)) == AFFECTED

    update = page.request.post(f"/api/v1/problems/{problem['id']}/updates", headers=auth,
                               data={"body": "The hoses arrive on Friday; we will call you.",
                                     "status": "fixing"})
    assert update.status == 201, update.text()
    assert update.json()["delivered"] == AFFECTED

    db.session.commit()
    on_timelines = db.session.scalar(select(func.count(func.distinct(CaseEvent.case_id))).where(
        CaseEvent.kind == EventKind.PROBLEM_UPDATE))
    assert on_timelines == AFFECTED
    told = db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.body_text.contains("The hoses arrive on Friday")))
    assert sorted(told) == sorted(f"owner{n}@example.com" for n in range(AFFECTED))

    # The manager sees the problem's progress: every linked case has the update.
    staff_sign_in(page, "omar@example.com")
    page.get_by_role("link", name="Known problems").click()
    page.get_by_role("link", name="Brake recall RC-42").click()
    expect(page.get_by_text(f"Written on {AFFECTED} of {AFFECTED} linked cases")).to_be_visible()
    page.goto(f"/admin/cases/{last_reference}")
    expect(page.get_by_text("Update on a known problem: Brake recall RC-42")).to_be_visible()
    snap(page, "known-problem-on-a-case")
    sign_out(page)

    # A new customer with a recall question is told before opening a case, and follows.
    sign_in(page, "ines@example.com")
    page.goto("/cases/new")
    expect(page.get_by_text("We know about this: follow it instead")).to_have_count(0)
    page.get_by_label("What is it about?").select_option(label="Vehicle recall")
    notice = page.locator("#known-problem-notice")
    expect(notice.get_by_role("heading", name="We know about this: follow it instead")) \
        .to_be_visible()
    expect(notice.get_by_text("Some cars need new brake hoses.")).to_be_visible()
    snap(page, "known-problem-on-the-new-case-form")
    page.get_by_label("What is it about?").select_option(label="Servicing")
    expect(notice).to_have_count(0)
    page.get_by_label("What is it about?").select_option(label="Vehicle recall")
    page.locator("#known-problem-notice").get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", name="Known problems you follow")).to_be_visible()
    expect(page.get_by_text("The hoses arrive on Friday; we will call you.")).to_be_visible()

    db.session.commit()
    ines = db.session.scalar(select(User).where(User.email == "ines@example.com"))
    assert cases.cases_for(ines).items == []  # she opened no case

    # The public status page lists it, with no customer's details.
    page.context.clear_cookies()
    page.goto("/status")
    listed = page.locator(f"#problem-{problem['id']}")
    expect(listed.get_by_role("heading", name="Brake recall RC-42")).to_be_visible()
    expect(listed.get_by_text("Being fixed")).to_be_visible()
    assert "owner0@example.com" not in page.content()
    assert not page.console_errors


def test_without_javascript_the_notice_shows_on_submit_and_following_works(nojs):
    branch = factories.department("Northside Service Centre")
    category = factories.category(branch, "Vehicle recall")
    omar = factories.staff(Role.MANAGER, [branch], "Omar Haddad", "omar@example.com")
    problems.create(omar, "Brake recall RC-42", "Some cars need new brake hoses.",
                    [category.id], "RC-42")
    factories.customer("Ines Newcomer", "ines@example.com")
    db.session.commit()
    page = nojs
    page.goto("/login")
    page.get_by_label("Email").first.fill("ines@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto("/cases/new")
    page.get_by_label("What is it about?").select_option(label="Vehicle recall")
    page.get_by_label("Subject").fill("My brakes")
    page.get_by_label("Tell us what happened").fill("The recall letter came.")
    page.get_by_role("button", name="Open a new case").click()
    expect(page.get_by_role("heading", name="We know about this: follow it instead")) \
        .to_be_visible()
    expect(page.get_by_label("Tell us what happened")).to_have_value("The recall letter came.")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", name="Known problems you follow")).to_be_visible()
    expect(page.get_by_text("Some cars need new brake hoses.")).to_be_visible()
