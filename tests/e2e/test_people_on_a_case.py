"""People on a case in a real browser: two customers of one company share a case, and a
colleague on CC answers from the link in our email."""

from playwright.sync_api import expect

from portal.database import writing
from portal.extensions import db
from portal.models import Role, Sharing
from portal.services import cases, organisations
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, sign_out
from tests.helpers import last_link


def _johnsons_case():
    sales = factories.department("Sales")
    agent = factories.staff(Role.AGENT, [sales], "Marco Ricci", "marco@example.com")
    johnson = factories.customer("Robert Johnson", "johnson@example.com")
    case = factories.case(johnson, "Payment terms for Thursday's invoice",
                          "Can the 30-day terms be moved to 45 days?",
                          factories.category(sales, "Accounts and sales"))
    return johnson, agent, case


def _reply(page, text: str):
    """Send a reply on the open case; it shows in the case history, which is returned."""
    page.get_by_label("Your reply").fill(text)
    page.get_by_role("button", name="Send reply").click()
    history = page.get_by_role("list", name="Case history")
    expect(history.get_by_text(text)).to_be_visible()
    return history


def _johnson_sees_who_wrote(page, case, name: str) -> None:
    """Johnson, the case's requester, signs in and sees `name`'s reply in the history."""
    sign_in(page, "johnson@example.com")
    page.goto(f"/cases/{case.reference}")
    expect(page.get_by_role("list", name="Case history").get_by_text(f"{name} wrote")) \
        .to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_two_customers_of_one_company_share_a_case(page):
    johnson, _, case = _johnsons_case()
    ben = factories.customer("Ben Buyer", "ben@example.com")
    org = organisations.create(None, "Johnson Hardware", "", False, Sharing.SHARED)
    for member in (johnson, ben):
        organisations.add_member(org, None, member.email)
    db.session.commit()

    sign_in(page, "ben@example.com")
    expect(page.get_by_role("heading", name="Our organisation")).to_have_count(0)
    sign_out(page)

    sign_in(page, "johnson@example.com")
    page.get_by_role("link", name="Payment terms for Thursday's invoice").click()
    page.get_by_role("button", name="Share with my organisation").click()
    expect(page.get_by_text("Your organisation can see this case now.")).to_be_visible()
    expect(page.get_by_role("button", name="Stop sharing with my organisation")).to_be_visible()
    sign_out(page)

    sign_in(page, "ben@example.com")
    ours = page.get_by_role("list", name="Our organisation")
    expect(ours.get_by_text("Opened by Robert Johnson")).to_be_visible()
    snap(page, "people-our-organisation")
    ours.get_by_role("link", name="Payment terms for Thursday's invoice").click()
    expect(page.get_by_role("heading", name="Payment terms for Thursday's invoice")).to_be_visible()
    history = _reply(page, "Ben here: accounts agree with 45 days.")
    expect(history.get_by_text("You wrote").last).to_be_visible()
    sign_out(page)

    _johnson_sees_who_wrote(page, case, "Ben Buyer")


def test_a_colleague_on_cc_replies_from_the_email_link(page):
    johnson, agent, case = _johnsons_case()
    db.session.commit()

    sign_in(page, "johnson@example.com")
    page.goto(f"/cases/{case.reference}")
    page.get_by_text("Add a colleague").click()
    page.get_by_label("Colleague’s email address").fill("lucy@example.com")
    page.get_by_label("Their name (optional)").fill("Lucy Barnes")
    page.get_by_role("button", name="Add to the case").click()
    expect(page.get_by_text("lucy@example.com is on the case now")).to_be_visible()
    people = page.get_by_role("region", name="People on this case")
    expect(people.get_by_text("Lucy Barnes")).to_be_visible()
    snap(page, "people-on-the-case")
    sign_out(page)

    db.session.commit()  # a fresh transaction: the server has written since this one began
    with writing():  # take SQLite's write lock up front, as the server's writers do
        cases.add_staff_reply(db.session.merge(case), db.session.merge(agent),
                              "Yes: 45 days from Thursday. Lucy, please check the remittance.")
        db.session.commit()
    db.session.expire_all()
    page.goto(last_link("lucy@example.com"))  # the case link in our reply's email
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name="Payment terms for Thursday's invoice")).to_be_visible()
    _reply(page, "Remittance checked: all in order.")
    expect(page.get_by_role("heading", name="Did we solve it?")).to_have_count(0)
    page.goto("/cases")
    expect(page.get_by_role("list", name="Shared with me")
           .get_by_text("Opened by Robert Johnson")).to_be_visible()
    sign_out(page)

    _johnson_sees_who_wrote(page, case, "Lucy Barnes")
