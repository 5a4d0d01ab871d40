"""Demo data: the five customer stories of STORIES.md and the staff who work them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import click
from sqlalchemy import func, select

from . import demo_feedback
from .extensions import db
from .models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    Department,
    Priority,
    Role,
    Solved,
    Status,
    TwoFactor,
    User,
    Visibility,
    utcnow,
)
from .services import (
    accounts,
    case_details,
    cases,
    customers,
    feedback,
    handoffs,
    promises,
    saved_replies,
    standards,
)

# What migration 0013 gives a fresh install, so that its first customer can open a case.
FIRST_DEPARTMENT, FIRST_CATEGORY = "Customer Support", "General question"
PASSWORD = "caseloop-demo"  # noqa: S105  # printed for newcomers, demo only  # nosec B105
# The demo managers' and admin's authenticator key, printed with the sign-ins: demo only.
TOTP_SECRET = "CASELOOPDEMOTOTPKEYFORMAKERUN234"  # noqa: S105  # demo only  # nosec B105

DEPARTMENTS = ["Northside Service Centre", "Head Office", "Customer Care", "Finance", "Sales",
               "Home Delivery"]
CATEGORIES = {
    "Vehicle service and recalls": "Northside Service Centre",
    "Product questions": "Head Office",
    "Complaints": "Customer Care",
    "Billing and payments": "Finance",
    "Accounts and sales": "Sales",
    "Orders and delivery": "Home Delivery",
}
STAFF = [
    ("admin@staff.example.com", "Alex Admin", Role.ADMIN, []),
    ("priya@staff.example.com", "Priya Shah", Role.MANAGER, ["Northside Service Centre"]),
    ("tom@staff.example.com", "Tom Berger", Role.AGENT, ["Northside Service Centre"]),
    ("hana@staff.example.com", "Hana Okafor", Role.AGENT,
     ["Head Office", "Northside Service Centre"]),
    ("grace@staff.example.com", "Grace Lindqvist", Role.MANAGER, ["Customer Care"]),
    ("leo@staff.example.com", "Leo Marsh", Role.AGENT, ["Customer Care"]),
    ("fatima@staff.example.com", "Fatima Noor", Role.AGENT, ["Finance"]),
    ("marco@staff.example.com", "Marco Rossi", Role.AGENT, ["Sales"]),
    ("june@staff.example.com", "June Park", Role.AGENT, ["Home Delivery"]),
]
CUSTOMERS = [
    ("dana@example.com", "Dana Whitfield"),
    ("ravi@example.com", "Ravi Menon"),
    ("mei@example.com", "Mei Chen"),
    ("johnson@example.com", "Robert Johnson"),
    ("sam@example.com", "Sam Okoro"),
    ("lena@example.com", "Lena Fischer"),
]


def load(force: bool = False) -> bool:
    """Create the demo world; False (and nothing done) if users already exist."""
    if not force and db.session.scalar(select(func.count(User.id))):
        return False
    # The demo's own notification emails would flood the console of `make run`.
    logging.getLogger("portal.services.outbox").setLevel(logging.ERROR)
    _drop_first_install_catalog()
    deps = {name: Department(name=name) for name in DEPARTMENTS}
    db.session.add_all(deps.values())
    cats = {name: Category(name=name, department=deps[dep]) for name, dep in CATEGORIES.items()}
    db.session.add_all(cats.values())
    db.session.commit()
    staff = {
        email.split("@")[0]: accounts.create_user(email, name, role, PASSWORD,
                                                  [deps[d] for d in ds])
        for email, name, role, ds in STAFF
    }
    _two_factor(staff.values())
    people = {email.split("@")[0]: accounts.create_user(email, name, Role.CUSTOMER, PASSWORD)
              for email, name in CUSTOMERS}
    _standards(staff["admin"], cats)
    _stories(people, staff, cats, deps)
    _facts(people, staff)
    _saved_replies(staff, deps)
    demo_feedback.load(staff, cats)  # past answers, for the feedback dashboard
    return True


def _drop_first_install_catalog() -> None:
    """The department and category a fresh install starts with (migration 0013) make way
    for the demo's own, unless someone already used them."""
    dep = db.session.scalar(select(Department).where(Department.name == FIRST_DEPARTMENT))
    if dep is None or db.session.scalar(select(func.count(Case.id))
                                        .where(Case.department_id == dep.id)):
        return
    for cat in db.session.scalars(select(Category).where(Category.department_id == dep.id)):
        db.session.delete(cat)
    db.session.flush()
    db.session.delete(dep)
    db.session.commit()


def _two_factor(members) -> None:
    """Demo managers and admins have set up two-factor sign-in with one published key."""
    for member in members:
        if member.role in (Role.MANAGER, Role.ADMIN):
            db.session.add(TwoFactor(user_id=member.id, secret=TOTP_SECRET,
                                     confirmed_at=utcnow()))
    db.session.commit()


def _standards(admin: User, c: dict[str, Category]) -> None:
    """A general standard, a faster one for urgent cases, and one for deliveries."""
    standards.save(admin, None, None, first=4 * 60, update=24 * 60, resolution=5 * 1440)
    standards.save(admin, None, Priority.URGENT, first=60, update=4 * 60, resolution=2 * 1440)
    standards.save(admin, c["Orders and delivery"], None, first=2 * 60, update=24 * 60,
                   resolution=3 * 1440)


def _saved_replies(s: dict[str, User], deps: dict[str, Department]) -> None:
    """One reply Northside shares (its manager is the admin here) and one of Tom's own."""
    saved_replies.save(s["admin"], "Recall booked", "Dear {customer_name}, your recall work is "
                       "booked. We will be in touch by {next_update} at the latest. Your "
                       "reference is {case_reference}.", deps["Northside Service Centre"].id)
    saved_replies.save(s["tom"], "Thanks for calling", "Thank you for calling us today, "
                       "{customer_name}. As agreed on the phone: ", None)


def _facts(p: dict[str, User], s: dict[str, User]) -> None:
    """Details customers gave once, that every department sees."""
    customers.set_fact(p["dana"], p["dana"], "vin", "WVWZZZ1KZAW000123")
    customers.set_fact(p["dana"], p["dana"], "address", "12 Elm Street, Northside")
    customers.set_fact(p["dana"], s["tom"], "preferred_channel", "Phone, after 17:00")
    customers.set_fact(p["johnson"], s["marco"], "account_number", "ACC-77120")
    customers.set_fact(p["sam"], p["sam"], "order_number", "55-18734")
    customers.set_fact(p["mei"], p["mei"], "preferred_time", "Weekdays 12:00–13:00")


class _Story:
    """Runs service calls as if they happened at given times in the past."""

    def __init__(self, days_ago: float):
        self.now = utcnow() - timedelta(days=days_ago)
        self.case: Case | None = None

    def at(self, hours_later: float, action: Callable[[], Case | None]) -> _Story:
        moment = self.now + timedelta(hours=hours_later)
        before = db.session.scalar(select(func.max(CaseEvent.id))) or 0
        result = action()
        if isinstance(result, Case):
            self.case = result
        for event in db.session.scalars(select(CaseEvent).where(CaseEvent.id > before)):
            event.created_at = moment
        db.session.commit()
        self._settle(moment)
        return self

    def _settle(self, moment: datetime) -> None:
        case = self.case
        assert case is not None  # narrows the type; demo data only  # nosec B101
        first = db.session.scalar(select(func.min(CaseEvent.created_at))
                                  .where(CaseEvent.case_id == case.id))
        last_public = db.session.scalar(
            select(func.max(CaseEvent.created_at))
            .where(CaseEvent.case_id == case.id, CaseEvent.visibility == Visibility.PUBLIC))
        case.created_at, case.last_activity_at = first, last_public
        case.customer_seen_at = last_public
        if case.waiting_since is not None and case.waiting_since > moment:
            case.waiting_since = moment  # set during this step: it happened "then"
        if case.status == Status.RESOLVED:
            case.resolved_at = moment
        elif case.status == Status.CLOSED:
            case.closed_at = moment
        db.session.commit()

    def unseen(self) -> None:
        """Leave the latest update unread, so the customer sees the marker."""
        assert self.case is not None  # narrows the type; demo data only  # nosec B101
        self.case.customer_seen_at = self.case.last_activity_at - timedelta(hours=1)
        db.session.commit()


def _stories(p: dict[str, User], s: dict[str, User], c: dict[str, Category],
             deps: dict[str, Department]) -> None:
    # 1. Dana: the recall the branch could not see.
    dana = _Story(days_ago=6)
    dana.at(0, lambda: cases.open_case(
        p["dana"], "Recall RC-42 for my car: the garage says it is not in their system",
        "I received a letter from the manufacturer about recall RC-42 for my car "
        "(VIN WVWZZZ1KZAW000123). I called Northside Service Centre with the code, my VIN and "
        "my address, and the service manager said the recall is not in his system, so he will "
        "not book the work. Who can help?", c["Vehicle service and recalls"]))
    dana.at(1, lambda: case_details.add_reference(dana.case, None, "Recall", "RC-42"))
    dana.at(1.2, lambda: case_details.log_contact(
        dana.case, s["tom"], Channel.PHONE, "Dana called the service desk with the recall "
        "letter. Recall not visible in our dealer system yet; asked head office.", public=True))
    dana.at(2, lambda: cases.add_staff_reply(
        dana.case, s["hana"], "Head office here: RC-42 applies to your VIN. I have sent the "
        "recall authorisation to Northside. Tom will call you to book the work.", internal=False))
    dana.at(3, lambda: cases.add_staff_reply(
        dana.case, s["tom"], "Recall RC-42 authorisation received from head office for VIN "
        "...0123. Customer called twice before; do not ask her to explain again.", internal=True))
    dana.at(26, lambda: cases.add_staff_reply(
        dana.case, s["tom"], "Your recall work is booked for Thursday at 9:00 at Northside. "
        "It takes about two hours; a courtesy car is ready for you.", internal=False))
    dana.at(98, lambda: cases.change_status(
        dana.case, s["tom"], Status.RESOLVED, "The RC-42 recall work was completed today. "
        "Thank you for bearing with us."))
    dana.unseen()

    # 2. Ravi: a question nobody has answered yet; it must be red, never surveyed.
    ravi = _Story(days_ago=9)
    ravi.at(0, lambda: cases.open_case(
        p["ravi"], "Does the 2024 model support wireless CarPlay?",
        "I asked this through your web form. Does the 2024 hatchback support wireless "
        "Apple CarPlay, or only with a cable?", c["Product questions"]))

    # 3. Mei: a complaint about her relationship manager.
    mei = _Story(days_ago=4)
    mei.at(0, lambda: cases.open_case(
        p["mei"], "Complaint about my relationship manager",
        "My relationship manager has not returned three calls about my mortgage renewal. "
        "I have been waiting two weeks and my rate expires at the end of the month.",
        c["Complaints"]))
    mei.at(5, lambda: cases.change_status(
        mei.case, s["leo"], Status.ACKNOWLEDGED, "We have your complaint and are looking into it."))
    mei.at(30, lambda: cases.add_staff_reply(
        mei.case, s["grace"], "I am sorry: you should never have had to chase us. I have "
        "spoken to your relationship manager's team lead. Could you tell us two times this week "
        "that suit you for a call?", internal=False))
    mei.at(31, lambda: cases.change_status(mei.case, s["grace"], Status.WAITING_ON_CUSTOMER))
    mei.at(32, lambda: promises.make(
        mei.case, s["grace"], "Call you to arrange a meeting with your relationship manager",
        s["grace"], utcnow() + timedelta(hours=1)))
    _backdate_promise(mei.case, hours_overdue=3)
    mei.unseen()

    # 4. Mr Johnson: what Sales agreed must reach Finance.
    johnson = _Story(days_ago=2)
    johnson.at(0, lambda: cases.open_case(
        p["johnson"], "Payment terms for Thursday's invoice",
        "Your salesperson Marco told me on the phone that my Thursday payment terms will be "
        "moved from 14 to 30 days. Please confirm.", c["Accounts and sales"]))
    johnson.at(1, lambda: cases.add_staff_reply(
        johnson.case, s["marco"], "Confirmed: your terms move to 30 days from this Thursday's "
        "invoice. Finance will apply it before the invoice is issued.", internal=False))
    johnson.at(1.5, lambda: handoffs.hand_off(
        johnson.case, s["marco"], deps["Finance"], None,
        "Agreed on the phone on Tuesday: 30-day terms from Thursday's invoice, approved by the "
        "sales director. Finance must change the terms before the invoice run.",
        "Your case is now with Finance, who have the details of your call with Marco on "
        "Tuesday."))
    johnson.at(2, lambda: promises.make(
        johnson.case, s["fatima"], "Change your payment terms to 30 days before Thursday's "
        "invoice is issued", s["fatima"], _next_weekday(3, 12)))

    # 5. Sam: the late delivery, traced in the background.
    sam = _Story(days_ago=1.5)
    sam.at(0, lambda: cases.open_case(
        p["sam"], "My grocery order has not arrived",
        "Order 55-18734 was due yesterday between 18:00 and 20:00. Nothing came and nobody "
        "called.", c["Orders and delivery"]))
    sam.at(0.5, lambda: cases.add_staff_reply(
        sam.case, s["june"], "I am sorry your order is late. We are tracing it with the "
        "driver's depot now and will update you by 14:00 tomorrow.", internal=False))
    sam.at(1, lambda: cases.change_status(
        sam.case, s["june"], Status.WAITING_ON_THIRD_PARTY, "We are tracing your delivery "
        "with the depot."))

    # A customer with a closed case and a fresh one, to show history.
    lena = _Story(days_ago=40)
    lena.at(0, lambda: cases.open_case(
        p["lena"], "Invoice shows the wrong address",
        "My March invoice still shows my old address.", c["Billing and payments"]))
    lena.at(20, lambda: cases.add_staff_reply(
        lena.case, s["fatima"], "Fixed: your address is updated and a corrected invoice is "
        "attached to your account.", internal=False))
    lena.at(21, lambda: cases.change_status(
        lena.case, s["fatima"], Status.RESOLVED, "Your address is corrected and a new invoice "
        "is on your account."))
    lena.at(24 * 20, lambda: cases.change_status(lena.case, s["fatima"], Status.CLOSED))
    # Her honest answer: partly solved. It becomes a follow-up with an owner at once.
    feedback.answer(lena.case, p["lena"], Solved.PARTLY, 4, "The address is right now, but "
                    "nobody refunded the late-payment fee the wrong address caused.")


def _next_weekday(weekday: int, hour: int) -> datetime:
    """The next given weekday (Monday 0) at the hour, UTC, at least a day away."""
    now = utcnow()
    days = (weekday - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _backdate_promise(case: Case | None, hours_overdue: int) -> None:
    """Demo only: make the latest promise already overdue, as it would be days later."""
    assert case is not None  # narrows the type; demo data only  # nosec B101
    promise = case.promises[-1]
    promise.due_at = utcnow() - timedelta(hours=hours_overdue)
    db.session.commit()


def print_sign_ins() -> None:
    click.echo(f"\nDemo sign-ins (password for all: {PASSWORD})")
    click.echo("  Customers at http://127.0.0.1:5000/login :")
    for email, name in CUSTOMERS:
        click.echo(f"    {email:<28} {name}")
    click.echo("  Staff at http://127.0.0.1:5000/admin/login :")
    for email, name, role, deps in STAFF:
        click.echo(f"    {email:<28} {name} ({role.value}{', ' + ', '.join(deps) if deps else ''})")
    click.echo("  Managers and the admin then give a two-factor code. Their authenticator key is")
    click.echo(f"    {TOTP_SECRET}  (add it to an authenticator app, or print the current code")
    click.echo("    with: .venv/bin/python -c \"import pyotp; print(pyotp.TOTP("
               f"'{TOTP_SECRET}').now())\"  or  oathtool --totp -b {TOTP_SECRET})")
