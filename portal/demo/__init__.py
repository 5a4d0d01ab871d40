"""Demo data: the five customer stories of docs/stories.md and the staff who work them."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Case,
    Category,
    Department,
    Priority,
    Role,
    TwoFactor,
    User,
    frozen_at,
    utcnow,
)
from ..services import accounts, passwords, saved_replies, standards
from . import articles as demo_articles
from . import feedback as demo_feedback
from . import stories as demo_stories
from .script import Script

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
    # Every department has a named manager: an unhappy answer's follow-up is theirs, so no
    # customer is ever told that the admin will contact them.
    ("omar@staff.example.com", "Omar Haddad", Role.MANAGER, ["Head Office"]),
    ("ruth@staff.example.com", "Ruth Adeyemi", Role.MANAGER, ["Finance"]),
    ("sofia@staff.example.com", "Sofia Marin", Role.MANAGER, ["Sales"]),
    ("ken@staff.example.com", "Ken Ito", Role.MANAGER, ["Home Delivery"]),
]
CUSTOMERS = [
    ("dana@example.com", "Dana Whitfield"),
    ("ravi@example.com", "Ravi Menon"),
    ("mei@example.com", "Mei Chen"),
    ("johnson@example.com", "Robert Johnson"),
    ("lucy@example.com", "Lucy Barnes"),  # Mr Johnson's accounts clerk, on his case (CC)
    ("sam@example.com", "Sam Okoro"),
    ("lena@example.com", "Lena Fischer"),
]


# How long before the load the demo business was set up (before its oldest story).
SET_UP_DAYS_AGO = 100


def load(force: bool = False) -> bool:
    """Create the demo world; False (and nothing done) if users already exist.

    The stories are played through the services on a moving clock ending at the load time,
    so every timestamp and figure follows from what happened, whenever it is loaded.
    """
    if not force and db.session.scalar(select(func.count(User.id))):
        return False
    # The demo's own notification emails would flood the console of `make run`.
    logging.getLogger("portal.services.outbox").setLevel(logging.ERROR)
    now = utcnow().replace(second=0, microsecond=0)
    with frozen_at(now - timedelta(days=SET_UP_DAYS_AGO)):
        world = _set_up(now)
    demo_stories.tell(world)
    demo_feedback.tell(world)  # past answers, for the feedback dashboard
    demo_articles.tell(world)  # help articles, published weeks ago, and a draft
    world.script.play()
    return True


def _set_up(now) -> demo_stories.World:
    """Departments, categories, standards and everyone's account, before any story."""
    _drop_first_install_catalog()
    deps = {name: Department(name=name) for name in DEPARTMENTS}
    db.session.add_all(deps.values())
    cats = {name: Category(name=name, department=deps[dep]) for name, dep in CATEGORIES.items()}
    db.session.add_all(cats.values())
    db.session.commit()
    password_hash = passwords.hashed(PASSWORD)  # hashed once: it is slow on purpose
    staff = {email.split("@")[0]: _account(email, name, role, [deps[d] for d in ds],
                                           password_hash)
             for email, name, role, ds in STAFF}
    _two_factor(staff.values())
    everyone = CUSTOMERS + [(f"{key}@example.com", name)
                            for key, name in demo_feedback.CUSTOMERS.items()]
    people = {email.split("@")[0]: _account(email, name, Role.CUSTOMER, [], password_hash)
              for email, name in everyone}
    _standards(staff["admin"], cats)
    _saved_replies(staff, deps)
    return demo_stories.World(Script(now), people, staff, cats, deps)


def _account(email: str, name: str, role: Role, deps: list[Department],
             password_hash: str) -> User:
    user = accounts.create_user(email, name, role, None, deps)
    user.password_hash = password_hash
    db.session.commit()
    return user


def _saved_replies(s: dict[str, User], deps: dict[str, Department]) -> None:
    """One reply Northside shares and one of Tom's own."""
    saved_replies.save(s["admin"], "Recall booked", "Dear {customer_name}, your recall work is "
                       "booked. We will be in touch by {next_update} at the latest. Your "
                       "reference is {case_reference}.", deps["Northside Service Centre"].id)
    saved_replies.save(s["tom"], "Thanks for calling", "Thank you for calling us today, "
                       "{customer_name}. As agreed on the phone: ", None)


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
    # A late delivery is a problem until the goods arrive: an update every four hours.
    standards.save(admin, c["Orders and delivery"], None, first=2 * 60, update=4 * 60,
                   resolution=3 * 1440)


def print_sign_ins(url: str) -> None:
    click.echo(f"\nDemo sign-ins (password for all: {PASSWORD})")
    click.echo(f"  Customers at {url}/login :")
    for email, name in CUSTOMERS:
        click.echo(f"    {email:<28} {name}")
    click.echo(f"  Staff at {url}/admin/login :")
    for email, name, role, deps in STAFF:
        click.echo(f"    {email:<28} {name} ({role.value}{', ' + ', '.join(deps) if deps else ''})")
    click.echo("  Managers and the admin then give a two-factor code. Their authenticator key is")
    click.echo(f"    {TOTP_SECRET}  (add it to an authenticator app, or print the current code")
    click.echo("    with: .venv/bin/python -c \"import pyotp; print(pyotp.TOTP("
               f"'{TOTP_SECRET}').now())\"  or  oathtool --totp -b {TOTP_SECRET})")
